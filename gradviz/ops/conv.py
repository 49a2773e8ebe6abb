"""conv2d by im2col: one matrix product forward, a strided scatter per kernel position backward.

The two backward products are ops of their own: the input gradient is a transposed convolution
(``ConvInputGrad``) and the weight gradient a correlation of the input with the output gradient
(``ConvWeightGrad``). All three are bilinear, so each one's backward is made of the other two: gradients
of any order come out exact (``create_graph=True`` works) while every step stays one big matmul.
"""

from ..autograd.function import Function
from ..backend import array_module
from ..errors import ShapeError
from .promotion import require_one_dtype
from .shape import cat as concatenate
from .windows import col2im, im2col, pair, windows

__all__ = ["conv2d"]


class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, win):
        cols = im2col(x, win)
        out = weight.reshape(weight.shape[0], -1) @ cols
        if bias is not None:
            out += bias[:, None]
        ctx.win = win
        ctx.save_for_backward(x, weight, cols)
        out = out.reshape(weight.shape[0], x.shape[0], *win.out).transpose(1, 0, 2, 3)
        return array_module(out).ascontiguousarray(out)

    @staticmethod
    def backward(ctx, grad):
        x, weight, cols = ctx.saved_tensors
        need_x, need_weight, need_bias, _ = ctx.needs_input_grad
        return (
            ConvInputGrad.apply(grad, weight, ctx.win) if need_x else None,
            ConvWeightGrad.apply(x, grad, ctx.win, cols._data) if need_weight else None,
            grad.sum((0, 2, 3)) if need_bias else None,
            None,
        )


class ConvInputGrad(Function):
    """The gradient of conv2d's input: ``weightᵀ @ grad`` gives each window's share, col2im adds them up."""

    @staticmethod
    def forward(ctx, grad, weight, win):
        out_channels, in_channels, kh, kw = weight.shape
        ctx.win = win
        ctx.save_for_backward(grad, weight)
        per_window = weight.reshape(out_channels, -1).T @ _channels_first(grad)
        per_window = per_window.reshape(in_channels, kh, kw, grad.shape[0], *win.out)
        image = col2im((per_window[:, i, j] for i in range(kh) for j in range(kw)), win)
        image = image.transpose(1, 0, 2, 3)
        return array_module(image).ascontiguousarray(image)

    @staticmethod
    def backward(ctx, grad_image):
        grad, weight = ctx.saved_tensors
        need_grad, need_weight, _ = ctx.needs_input_grad
        return (
            Conv2d.apply(grad_image, weight, None, ctx.win) if need_grad else None,
            ConvWeightGrad.apply(grad_image, grad, ctx.win, None) if need_weight else None,
            None,
        )


class ConvWeightGrad(Function):
    """The gradient of conv2d's weight: ``grad @ colsᵀ``; ``cols`` is the forward's im2col, when kept."""

    @staticmethod
    def forward(ctx, x, grad, win, cols):
        if cols is None:
            cols = im2col(x, win)
        ctx.win = win
        ctx.save_for_backward(x, grad)
        grad_weight = _channels_first(grad) @ cols.T
        return grad_weight.reshape(grad.shape[1], x.shape[1], *win.kernel)

    @staticmethod
    def backward(ctx, grad_weight):
        x, grad = ctx.saved_tensors
        need_x, need_grad, _, _ = ctx.needs_input_grad
        return (
            ConvInputGrad.apply(grad, grad_weight, ctx.win) if need_x else None,
            Conv2d.apply(x, grad_weight, None, ctx.win) if need_grad else None,
            None,
            None,
        )


def _channels_first(grad):
    """(N, O, H', W') → (O, N·H'·W'), the layout of im2col's columns."""
    return grad.transpose(1, 0, 2, 3).reshape(grad.shape[1], -1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)  # noqa: A001
    win = _check(input, weight, bias, stride, padding, dilation, groups)
    if groups == 1:
        out = Conv2d.apply(input, weight, bias, win)
    else:
        out = grouped(lambda x, w: Conv2d.apply(x, w, None, win), input, weight, bias, groups)
    return out.squeeze(0) if unbatched else out


def grouped(conv, input, weight, bias, groups):  # noqa: A002
    """A grouped convolution: ``conv`` of each group of input channels with its slice of the weight
    (dim 0: output channels for conv2d, input channels for the transposed one), concatenated; one
    matmul per group, each differentiable to any order."""
    if groups == 1:
        out = conv(input, weight)
    else:
        out = concatenate([conv(x, w) for x, w in zip(input.chunk(groups, 1), weight.chunk(groups, 0))], 1)
    return out if bias is None else out + bias.reshape(-1, 1, 1)


def _check(input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    """Validate conv2d's arguments against PyTorch's rules; return its :class:`Windows`."""
    check_ranks("conv2d", input, weight, groups, "(out_channels, in_channels, kH, kW)")
    out_channels, in_channels, kh, kw = weight.shape
    if groups != 1:
        check_groups(
            "conv2d", input, weight, groups, in_channels * groups, out_channels, in_channels * groups
        )
    elif input.shape[1] != in_channels:
        raise ShapeError(
            f"conv2d: input has {input.shape[1]} channels but weight expects {in_channels} (weight shape "
            f"{tuple(weight.shape)}, input shape {tuple(input.shape)}); pass an input with {in_channels} "
            f"channels or a weight of shape {(out_channels, input.shape[1], kh, kw)}"
        )
    check_bias_and_dtypes("conv2d", input, weight, bias, out_channels)
    kernel, stride, dilation = (
        (kh, kw),
        pair(stride, "stride", "conv2d"),
        pair(dilation, "dilation", "conv2d"),
    )
    size = tuple(input.shape[2:])
    if isinstance(padding, str):
        return _string_padding(padding, size, kernel, stride, dilation)
    return windows("conv2d", size, kernel, stride, pair(padding, "padding", "conv2d"), dilation)


def check_ranks(op, input, weight, groups, layout):  # noqa: A002
    """A 3-D or 4-D input, a 4-D weight laid out as ``layout``, and groups a positive int."""
    if input.ndim not in (3, 4):
        raise ShapeError(
            f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(input.shape)}"
        )
    if weight.ndim != 4:
        raise ShapeError(f"{op}: expected a 4-D weight {layout}, got shape {tuple(weight.shape)}")
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got groups={groups!r}")


def check_groups(op, input, weight, groups, in_channels, out_channels, expected):  # noqa: A002
    """Both channel counts divide by ``groups`` and the input has the ``expected`` channels."""
    for name, n in (("in_channels", in_channels), ("out_channels", out_channels)):
        if n % groups:
            raise ValueError(f"{op}: {name} ({n}) must be divisible by groups={groups}")
    if input.shape[1] != expected:
        raise ShapeError(
            f"{op}: given groups={groups}, weight of size {list(weight.shape)}, expected input "
            f"{list(input.shape)} to have {expected} channels, but got {input.shape[1]} channels instead"
        )


def check_bias_and_dtypes(op, input, weight, bias, out_channels):  # noqa: A002
    """A bias of shape (out_channels,) if any, and one floating dtype for all three."""
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ShapeError(
            f"{op}: bias has shape {tuple(bias.shape)} but weight has {out_channels} output channels "
            f"(weight shape {tuple(weight.shape)}); pass a bias of shape ({out_channels},)"
        )
    require_one_dtype(op, {"input": input, "weight": weight, "bias": bias}, floating=True)


def _string_padding(padding, size, kernel, stride, dilation):
    """'valid' is no padding; 'same' pads so the output keeps the input's size (the odd pixel of an
    even-sized kernel goes at the end, as in PyTorch)."""
    if padding == "valid":
        return windows("conv2d", size, kernel, stride, (0, 0), dilation)
    if padding != "same":
        raise ValueError(f"conv2d: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    if stride != (1, 1):
        raise ValueError(
            f"conv2d: padding='same' needs stride 1, got stride={stride}; pad explicitly instead"
        )
    before = tuple(d * (k - 1) // 2 for d, k in zip(dilation, kernel))
    return windows("conv2d", size, kernel, stride, before, dilation, out=size)


METHODS = {}
