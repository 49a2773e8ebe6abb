"""The 1-D spatial ops, adaptive max pooling, ``unfold``/``fold`` and ``conv_transpose2d``.

The 1-D ops are their 2-D twins over a height of 1 (``conv1d`` is ``conv2d`` with a 1×K kernel), so they
share the im2col matmul and its exact gradients of any order. ``unfold`` (im2col) and ``fold`` (col2im)
are each other's adjoint, hence each other's backward. ``conv_transpose2d`` is the gradient of conv2d
with respect to its input (``ConvInputGrad``), whose backward is already made of conv2d products.
"""

from ..autograd.function import Function
from ..autograd.tensor import wrap
from ..backend import array_module
from ..errors import ShapeError
from .conv import ConvInputGrad, check_bias_and_dtypes, check_groups, check_ranks, conv2d, grouped
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from .rounding import sign
from .unary import abs as magnitude
from .unary import relu
from .windows import col2im, im2col, pair, windows

__all__ = [
    "conv1d",
    "max_pool1d",
    "avg_pool1d",
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "unfold",
    "fold",
    "conv_transpose2d",
    "conv_transpose1d",
    "lp_pool1d",
    "lp_pool2d",
]


def single(value, name, op):
    """An int from an int or a 1-tuple: how PyTorch reads a 1-D op's kernel_size, stride, padding."""
    values = (value,) if isinstance(value, int) else tuple(value)
    if len(values) != 1 or not isinstance(values[0], int):
        raise ValueError(f"{op}: {name} must be an int or a 1-tuple of ints, got {value!r}")
    return values[0]


def _check_1d(op, input, what="(C, L) or 3-D (N, C, L)"):  # noqa: A002
    if input.ndim not in (2, 3):
        raise ShapeError(f"{op}: expected a 2-D {what} input, got shape {tuple(input.shape)}")


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    _check_1d("conv1d", input)
    if weight.ndim != 3:
        raise ShapeError(
            f"conv1d: expected a 3-D weight (out_channels, in_channels, kW), got shape {tuple(weight.shape)}"
        )
    stride, dilation = single(stride, "stride", "conv1d"), single(dilation, "dilation", "conv1d")
    if not isinstance(padding, str):
        padding = (0, single(padding, "padding", "conv1d"))
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, stride), padding, (1, dilation), groups)
    return out.squeeze(-2)


def _pool1d_args(op, input, kernel_size, stride, padding, dilation=1):  # noqa: A002
    _check_1d(op, input)
    kernel = single(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or stride == () else single(stride, "stride", op)
    return (
        (1, kernel),
        (1, stride),
        (0, single(padding, "padding", op)),
        (1, single(dilation, "dilation", op)),
    )


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):  # noqa: A002
    args = _pool1d_args("max_pool1d", input, kernel_size, stride, padding, dilation)
    out = max_pool2d(input.unsqueeze(-2), *args, ceil_mode=ceil_mode, return_indices=return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)  # row 0, so the flat index is the column
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    kernel, stride, padding, _ = _pool1d_args("avg_pool1d", input, kernel_size, stride, padding)
    out = avg_pool2d(input.unsqueeze(-2), kernel, stride, padding, ceil_mode, count_include_pad)
    return out.squeeze(-2)


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    _check_1d("adaptive_avg_pool1d", input)
    size = single(output_size, "output_size", "adaptive_avg_pool1d")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    _check_1d("adaptive_max_pool1d", input)
    size = single(output_size, "output_size", "adaptive_max_pool1d")
    out = _adaptive_max("adaptive_max_pool1d", input.unsqueeze(-2), (1, size), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    if input.ndim not in (3, 4):
        raise ShapeError(
            f"adaptive_max_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
            f"{tuple(input.shape)}"
        )
    out = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(out) != 2:
        raise ValueError(f"adaptive_max_pool2d: output_size must be an int or a pair, got {output_size!r}")
    out = tuple(n if o is None else o for n, o in zip(input.shape[-2:], out))
    return _adaptive_max("adaptive_max_pool2d", input, out, return_indices)


def _band_index(xp, size, out):
    """(out, K) input cells of each adaptive window ⌊i·size/out⌋ … ⌈(i+1)·size/out⌉ − 1, K the widest
    window; narrower windows repeat their last cell (a repeat changes neither the max nor its gradient)."""
    i = xp.arange(out)[:, None]
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    width = int((end - start).max())
    return xp.minimum(start + xp.arange(width), end - 1)


def _adaptive_max(op, input, out, return_indices):  # noqa: A002
    if min(out) < 1:
        raise ValueError(f"{op}: output_size must be positive, got {out}")
    if input.shape[-1] == 0 or input.shape[-2] == 0:
        raise ShapeError(f"{op}: input of shape {tuple(input.shape)} has an empty spatial dim")
    xp = array_module(input._data)
    (h, w), (oh, ow) = input.shape[-2:], out
    rows, cols = _band_index(xp, h, oh), _band_index(xp, w, ow)
    kh, kw = rows.shape[1], cols.shape[1]
    picked = input.index_select(-2, wrap(rows.reshape(-1))).index_select(-1, wrap(cols.reshape(-1)))
    lead = tuple(input.shape[:-2])
    picked = picked.reshape(*lead, oh, kh, ow, kw).movedim(-3, -2).reshape(*lead, oh, ow, kh * kw)
    values, k = picked.max(-1)
    if not return_indices:
        return values
    k = k._data
    flat = rows[xp.arange(oh)[:, None], k // kw] * w + cols[xp.arange(ow), k % kw]
    return values, wrap(flat.astype(xp.int64))


class Unfold(Function):
    """(N, C, H, W) → (N, C·kh·kw, L): each sliding window as a column (im2col)."""

    name = "im2col"

    @staticmethod
    def forward(ctx, x, win):
        ctx.win, ctx.channels = win, x.shape[1]
        cols = im2col(x, win).reshape(-1, x.shape[0], win.out[0] * win.out[1]).transpose(1, 0, 2)
        return array_module(cols).ascontiguousarray(cols)

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, ctx.win, ctx.channels), None


class Fold(Function):
    """(N, C·kh·kw, L) → (N, C, H, W): each column added back onto its window's pixels (col2im)."""

    name = "col2im"

    @staticmethod
    def forward(ctx, cols, win, channels):
        ctx.win = win
        (kh, kw), (oh, ow) = win.kernel, win.out
        pieces = cols.reshape(cols.shape[0], channels, kh, kw, oh, ow)
        image = col2im((pieces[:, :, i, j] for i in range(kh) for j in range(kw)), win)
        return array_module(image).ascontiguousarray(image)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.win), None, None


def _fold_pairs(op, kernel_size, dilation, padding, stride):
    return tuple(
        pair(v, name, op)
        for v, name in (
            (kernel_size, "kernel_size"),
            (dilation, "dilation"),
            (padding, "padding"),
            (stride, "stride"),
        )
    )


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    if input.ndim not in (3, 4):
        raise ShapeError(
            f"unfold: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(input.shape)}"
        )
    kernel, dilation, padding, stride = _fold_pairs("unfold", kernel_size, dilation, padding, stride)
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    out = Unfold.apply(x, windows("unfold", tuple(x.shape[2:]), kernel, stride, padding, dilation))
    return out.squeeze(0) if unbatched else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    if input.ndim not in (2, 3):
        raise ShapeError(
            f"fold: expected a 2-D (C·kh·kw, L) or 3-D (N, C·kh·kw, L) input, got shape {tuple(input.shape)}"
        )
    size = pair(output_size, "output_size", "fold")
    kernel, dilation, padding, stride = _fold_pairs("fold", kernel_size, dilation, padding, stride)
    win = windows("fold", size, kernel, stride, padding, dilation)
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    per_block = kernel[0] * kernel[1]
    if x.shape[1] % per_block or x.shape[2] != win.out[0] * win.out[1]:
        raise ShapeError(
            f"fold: input of shape {tuple(input.shape)} does not fit kernel_size={kernel} and "
            f"output_size={size}: dim -2 must be a multiple of {per_block} (C·kh·kw) and dim -1 must be "
            f"{win.out[0] * win.out[1]}, the number of sliding blocks ({win.out[0]}x{win.out[1]})"
        )
    out = Fold.apply(x, win, x.shape[1] // per_block)
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(
    input,  # noqa: A002
    weight,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,
):
    check_ranks("conv_transpose2d", input, weight, groups, "(in_channels, out_channels, kH, kW)")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    in_channels, out_channels, kh, kw = weight.shape
    out_channels *= groups
    if groups != 1:
        check_groups("conv_transpose2d", x, weight, groups, in_channels, out_channels, in_channels)
    elif x.shape[1] != in_channels:
        raise ShapeError(
            f"conv_transpose2d: input has {x.shape[1]} channels but weight expects {in_channels} (weight "
            f"shape {tuple(weight.shape)}, input shape {tuple(input.shape)})"
        )
    check_bias_and_dtypes("conv_transpose2d", input, weight, bias, out_channels)
    op = "conv_transpose2d"
    stride, padding = pair(stride, "stride", op), pair(padding, "padding", op)
    output_padding, dilation = pair(output_padding, "output_padding", op), pair(dilation, "dilation", op)
    if any(o >= max(s, d) or o < 0 for o, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(
            f"conv_transpose2d: output_padding {output_padding} must be non-negative and smaller than "
            f"stride {stride} or dilation {dilation}"
        )
    size = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + o + 1
        for n, s, p, d, k, o in zip(x.shape[2:], stride, padding, dilation, (kh, kw), output_padding)
    )
    if min(size) < 1:
        raise ShapeError(
            f"conv_transpose2d: the output size {size} is not positive (input {tuple(input.shape)}, kernel "
            f"{(kh, kw)}, stride {stride}, padding {padding}); use less padding"
        )
    win = windows(op, size, (kh, kw), stride, padding, dilation, out=tuple(x.shape[2:]))
    out = grouped(lambda x, w: ConvInputGrad.apply(x, w, win), x, weight, bias, groups)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    """``conv_transpose2d`` over a height of 1."""
    op = "conv_transpose1d"
    _check_1d(op, input)
    if weight.ndim != 3:
        raise ShapeError(
            f"{op}: expected a 3-D weight (in_channels, out_channels, kW), got shape {tuple(weight.shape)}"
        )
    stride, padding = single(stride, "stride", op), single(padding, "padding", op)
    output_padding, dilation = single(output_padding, "output_padding", op), single(dilation, "dilation", op)
    out = conv_transpose2d(
        input.unsqueeze(-2),
        weight.unsqueeze(-2),
        bias,
        (1, stride),
        (0, padding),
        (0, output_padding),
        groups,
        (1, dilation),
    )
    return out.squeeze(-2)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """The ``norm_type``-norm of each window: (Σ xᵖ)^(1/p), as PyTorch computes it (from the window
    average of xᵖ, times the window size)."""
    kernel = pair(kernel_size, "kernel_size", "lp_pool2d")
    mean = avg_pool2d(input**norm_type, kernel, stride, 0, ceil_mode)
    return _lp_root(mean, norm_type, kernel[0] * kernel[1])


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    size = single(kernel_size, "kernel_size", "lp_pool1d")
    mean = avg_pool1d(input**norm_type, size, stride, 0, ceil_mode)
    return _lp_root(mean, norm_type, size)


def _lp_root(mean, norm_type, count):
    """(count · mean)^(1/p), with PyTorch's sign · relu(|·|) guard before the root."""
    return (sign(mean) * relu(magnitude(mean)) * count) ** (1.0 / norm_type)


METHODS = {}
