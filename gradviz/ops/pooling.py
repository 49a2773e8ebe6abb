"""max_pool2d, avg_pool2d, adaptive_avg_pool2d.

Pooling walks the kernel positions, not the pixels: at each position one strided slice of the padded
input holds what every window sees there. Average pooling sums those slices with weights 1/divisor;
max pooling keeps the running maximum and the position it came from. Both backwards scatter the
gradient through the same positions (``col2im``), so overlapping windows accumulate.

Gradients of any order are exact: ``WindowSum`` (weighted sum over each window) and ``WindowScatter``
(its adjoint) are each other's backward, and max pooling's backward is a ``WindowScatter`` with the
one-hot weights of each window's argmax.
"""

import itertools

from ..autograd.function import Function
from ..backend import array_module
from ..errors import ShapeError
from .windows import col2im, kernel_slices, pad, pair, weight, windows

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]


class WindowSum(Function):
    """out = Σₖ weightₖ · (what each window sees at kernel position k)."""

    @staticmethod
    def forward(ctx, x, win, weights):
        ctx.win, ctx.weights = win, weights
        padded = pad(x, win)
        terms = (
            padded[..., rows, cols] * weight(weights, k) for k, (rows, cols) in enumerate(kernel_slices(win))
        )
        out = next(terms)
        for term in terms:
            out += term
        return out

    @staticmethod
    def backward(ctx, grad):
        return WindowScatter.apply(grad, ctx.win, ctx.weights), None, None


class WindowScatter(Function):
    """The adjoint of :class:`WindowSum`: each window's value, times its weights, back onto its pixels."""

    @staticmethod
    def forward(ctx, grad, win, weights):
        ctx.win, ctx.weights = win, weights
        image = col2im(itertools.repeat(grad), win, weights)
        return array_module(image).ascontiguousarray(image)

    @staticmethod
    def backward(ctx, grad_image):
        return WindowSum.apply(grad_image, ctx.win, ctx.weights), None, None


class AvgPool2d(WindowSum):
    pass


class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, win, return_indices):
        xp = array_module(x)
        padded = pad(x, win, fill=-xp.inf)
        seen = [padded[..., rows, cols] for rows, cols in kernel_slices(win)]
        out = seen[0].copy()
        for values in seen[1:]:
            xp.maximum(out, values, out=out)  # NaN propagates, as in PyTorch
        ctx.win = win
        ctx.weights = _first_maxima(seen, out)
        if return_indices:
            argmax = sum(k * hit.astype(xp.int32) for k, hit in enumerate(ctx.weights))
            return out, _flat_indices(argmax, win)
        return out

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        return WindowScatter.apply(grad, ctx.win, ctx.weights), None, None


def _first_maxima(seen, out):
    """Per kernel position, where that position gets its window's gradient, as PyTorch picks it (a later
    value takes over only when greater, a NaN always does): the first of equal maxima, or the last NaN."""
    xp = array_module(out)
    hits = _first_true([values == out for values in seen])
    if xp.isnan(out).any():
        last_nans = _first_true([xp.isnan(values) for values in reversed(seen)])[::-1]
        hits = [hit | nan for hit, nan in zip(hits, last_nans)]
    return tuple(hits)


def _first_true(masks):
    """The masks with each element kept only in the first mask where it is set (changed in place)."""
    free = array_module(masks[0]).ones(masks[0].shape, dtype=bool)
    for mask in masks:
        mask &= free
        free ^= mask
    return masks


def _flat_indices(argmax, win):
    """Each window's argmax as an index into its input plane (row * W + col), as PyTorch returns."""
    xp = array_module(argmax)
    kw, (sh, sw), (ph, pw), (dh, dw) = win.kernel[1], win.stride, win.padding, win.dilation
    rows = xp.arange(win.out[0])[:, None] * sh - ph + (argmax // kw) * dh
    cols = xp.arange(win.out[1]) * sw - pw + (argmax % kw) * dw
    return (rows * win.size[1] + cols).astype(xp.int64)


class AdaptiveAvgPool2d(Function):
    """out = Aₕ · x · A_wᵀ: each output row averages a band of input rows, each output column a band of
    columns, so one small matrix per axis does it (adaptive windows vary in size and do not slide).
    The backward is the same op with the transposed matrices."""

    @staticmethod
    def forward(ctx, x, rows, cols):
        ctx.rows, ctx.cols = rows, cols
        return rows @ x @ cols.T

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveAvgPool2d.apply(grad, ctx.rows.T, ctx.cols.T), None, None


def max_pool2d(
    input,  # noqa: A002
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
):
    win = _pool_windows("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    return MaxPool2d.apply(input, win, return_indices)


def avg_pool2d(
    input,  # noqa: A002
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    win = _pool_windows("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    xp = array_module(input._data)
    if divisor_override == 0:
        raise RuntimeError(
            "avg_pool2d: divisor_override must not be zero; pass None to divide by the window size"
        )
    if divisor_override is not None:
        divisor = divisor_override
    else:
        heights, widths = (_window_sizes(xp, win, axis, count_include_pad) for axis in (0, 1))
        divisor = heights[:, None] * widths
    return AvgPool2d.apply(input, win, xp.asarray(1 / divisor, dtype=input._data.dtype))


def _window_sizes(xp, win, axis, count_include_pad):
    """How many pixels each window covers along ``axis``, PyTorch's way: padding counts when
    ``count_include_pad``, the extra cells ceil mode adds never do."""
    size, kernel, stride, padding = win.size[axis], win.kernel[axis], win.stride[axis], win.padding[axis]
    start = xp.arange(win.out[axis]) * stride - padding
    end = xp.minimum(start + kernel, size + padding)
    if not count_include_pad:
        start, end = xp.maximum(start, 0), xp.minimum(end, size)
    return end - start


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    _check_input("adaptive_avg_pool2d", input)
    size = input.shape[-2:]
    out = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(out) != 2:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got {output_size!r}")
    out = tuple(n if o is None else o for n, o in zip(size, out))
    if min(out) < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size!r}")
    xp = array_module(input._data)
    rows, cols = (_band_average(xp, n, o, input._data.dtype) for n, o in zip(size, out))
    return AdaptiveAvgPool2d.apply(input, rows, cols)


def _band_average(xp, size, out, dtype):
    """(out, size) matrix averaging input cells ⌊i·size/out⌋ to ⌈(i+1)·size/out⌉ into output cell i."""
    i = xp.arange(out)[:, None]
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    cells = xp.arange(size)
    return (((cells >= start) & (cells < end)) / (end - start)).astype(dtype)


def _pool_windows(op, input, kernel_size, stride, padding, dilation, ceil_mode):  # noqa: A002
    _check_input(op, input)
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else pair(stride, "stride", op)
    padding, dilation = pair(padding, "padding", op), pair(dilation, "dilation", op)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(
            f"{op}: padding {padding} must be at most half the kernel size {kernel}, so that every window "
            "holds at least one input pixel; use less padding or a larger kernel"
        )
    return windows(op, tuple(input.shape[-2:]), kernel, stride, padding, dilation, ceil_mode)


def _check_input(op, input):  # noqa: A002
    if input.ndim not in (3, 4):
        raise ShapeError(
            f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(input.shape)}"
        )


METHODS = {}
