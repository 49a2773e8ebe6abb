"""``interpolate``, ``pixel_shuffle``/``pixel_unshuffle``, ``group_norm``, ``instance_norm`` and the
channel dropouts, all composed of existing ops (so every gradient, of any order, comes for free).

``interpolate`` resamples one spatial axis at a time: the nearest modes pick input cells
(``index_select``, so integer inputs work too), the linear modes multiply by a small (out, in) matrix
with two weights per row; 'area' is adaptive average pooling. ``group_norm`` and ``instance_norm`` are
``layer_norm`` over the right dims of a reshaped input, then a per-channel scale and shift.
"""

import math
import warnings

from .. import backend
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import wrap
from ..backend import array_module
from ..errors import ShapeError
from ..random import rng
from .normalization import _per_channel, batch_norm, layer_norm
from .pooling import adaptive_avg_pool2d
from .spatial import adaptive_avg_pool1d

__all__ = [
    "interpolate",
    "pixel_shuffle",
    "pixel_unshuffle",
    "group_norm",
    "instance_norm",
    "dropout1d",
    "dropout2d",
]

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}
_MODES = ("nearest", "nearest-exact", "area", *_LINEAR)


def _sizes(input, size, scale_factor, spatial):  # noqa: A002
    """Output sizes, and the scale per axis the source coordinates use (None: in/out)."""
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: pass exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * spatial if isinstance(size, int) else tuple(size)
        if len(sizes) != spatial:
            raise ValueError(
                f"interpolate: size {size!r} must have {spatial} values for an input of shape "
                f"{tuple(input.shape)} ({spatial} spatial dims)"
            )
        return sizes, (None,) * spatial
    factors = (scale_factor,) * spatial if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(factors) != spatial:
        raise ValueError(
            f"interpolate: scale_factor {scale_factor!r} must have {spatial} values for an input of shape "
            f"{tuple(input.shape)} ({spatial} spatial dims)"
        )
    sizes = tuple(math.floor(n * f) for n, f in zip(input.shape[2:], factors))
    return sizes, factors


def _nearest(xp, n, out, factor, exact):
    """For each of the ``out`` output cells, the input cell it copies (PyTorch's rounding)."""
    scale = n / out if factor is None else 1 / factor
    dst = xp.arange(out, dtype="float64") + (0.5 if exact else 0)
    return xp.minimum(xp.floor(dst * scale).astype(xp.int64), n - 1)


def _linear_matrix(xp, n, out, factor, align_corners, dtype):
    """(out, n) matrix of linear interpolation: two weights per row, summing to 1."""
    scale = n / out if factor is None else 1 / factor
    dst = xp.arange(out, dtype="float64")
    if align_corners:
        src = dst * ((n - 1) / (out - 1)) if out > 1 else dst * 0
    else:
        src = xp.maximum((dst + 0.5) * scale - 0.5, 0)
    low = xp.minimum(xp.floor(src).astype(xp.int64), n - 1)
    high = xp.minimum(low + 1, n - 1)
    frac = src - low
    matrix = xp.zeros((out, n), dtype="float64")
    rows = xp.arange(out)
    matrix[rows, low] += 1 - frac
    matrix[rows, high] += frac
    return matrix.astype(dtype)


def interpolate(
    input,  # noqa: A002
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias=False,
):
    if mode not in _MODES:
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not supported; gradviz implements {', '.join(map(repr, _MODES))}"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if input.ndim not in (3, 4, 5):
        raise ShapeError(
            f"interpolate: expected a 3-D, 4-D or 5-D (N, C, *spatial) input, got shape {tuple(input.shape)}"
        )
    if mode in _LINEAR and input.ndim != _LINEAR[mode]:
        raise ShapeError(
            f"interpolate: mode {mode!r} needs a {_LINEAR[mode]}-D input, got shape {tuple(input.shape)}"
        )
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: linear | bilinear | trilinear"
        )
    if mode in (*_LINEAR, "area") and not input.is_floating_point():
        raise TypeError(f"interpolate: mode {mode!r} needs a floating-point input, got {input.dtype}")
    spatial = input.ndim - 2
    sizes, factors = _sizes(input, size, scale_factor, spatial)
    if recompute_scale_factor:
        factors = (None,) * spatial
    if min(sizes) < 1:
        raise ValueError(f"interpolate: output size {sizes} must be positive (input {tuple(input.shape)})")
    if mode == "area":
        if spatial == 3:
            raise NotImplementedError("interpolate: mode 'area' is not supported for 5-D inputs")
        return adaptive_avg_pool2d(input, sizes) if spatial == 2 else adaptive_avg_pool1d(input, sizes)
    xp = array_module(input._data)
    out = input
    for axis, (n, o, f) in enumerate(zip(input.shape[2:], sizes, factors)):
        if n == o and f in (None, 1):
            continue
        dim = axis + 2
        if mode in _LINEAR:
            matrix = wrap(_linear_matrix(xp, n, o, f, bool(align_corners), input._data.dtype))
            out = (out.movedim(dim, -1) @ matrix.T).movedim(-1, dim)
        else:
            out = out.index_select(dim, wrap(_nearest(xp, n, o, f, mode == "nearest-exact")))
    return out


def _check_shuffle(op, input, factor, channels_divisor):  # noqa: A002
    if input.ndim < 3:
        raise ShapeError(f"{op}: expected an input of at least 3 dims (*, C, H, W), got {tuple(input.shape)}")
    if not isinstance(factor, int) or factor < 1:
        raise ValueError(f"{op}: the factor must be a positive int, got {factor!r}")
    c, h, w = input.shape[-3:]
    if c % channels_divisor or (op == "pixel_unshuffle" and (h % factor or w % factor)):
        raise ShapeError(
            f"{op}: input of shape {tuple(input.shape)} does not divide by the factor {factor} "
            + ("(channels must divide by factor²)" if op == "pixel_shuffle" else "(height and width must)")
        )
    return tuple(input.shape[:-3]), c, h, w


def pixel_shuffle(input, upscale_factor):  # noqa: A002
    r = upscale_factor
    lead, c, h, w = _check_shuffle("pixel_shuffle", input, r, r * r if isinstance(r, int) and r > 0 else 1)
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):  # noqa: A002
    r = downscale_factor
    lead, c, h, w = _check_shuffle("pixel_unshuffle", input, r, 1)
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    if input.ndim < 2:
        raise ShapeError(f"group_norm: expected an input of shape (N, C, *), got {tuple(input.shape)}")
    n, c = input.shape[:2]
    if num_groups < 1 or c % num_groups:
        raise ValueError(
            f"group_norm: the {c} channels of input {tuple(input.shape)} must divide into num_groups="
            f"{num_groups} groups"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"group_norm: {name} has shape {tuple(t.shape)}, expected ({c},)")
    grouped = input.reshape(n, num_groups, -1)
    out = layer_norm(grouped, grouped.shape[-1:], eps=eps).reshape(input.shape)
    ndim = input.ndim
    if weight is not None:
        out = out * _per_channel(weight, ndim)
    return out if bias is None else out + _per_channel(bias, ndim)


def instance_norm(
    input,  # noqa: A002
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    use_input_stats=True,
    momentum=0.1,
    eps=1e-5,
):
    if input.ndim < 3:
        raise ShapeError(
            f"instance_norm: expected an input of shape (N, C, *spatial), got {tuple(input.shape)}"
        )
    c = input.shape[1]
    tensors = {"running_mean": running_mean, "running_var": running_var, "weight": weight, "bias": bias}
    for name, t in tensors.items():
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"instance_norm: {name} has shape {tuple(t.shape)}, expected ({c},)")
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if input[0, 0].numel() == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {list(input.shape)}"
        )
    spatial = tuple(input.shape[2:])
    out = layer_norm(input, spatial, eps=eps)
    if running_mean is not None or running_var is not None:
        _update_running(input, running_mean, running_var, momentum)
    ndim = input.ndim
    if weight is not None:
        out = out * _per_channel(weight, ndim)
    return out if bias is None else out + _per_channel(bias, ndim)


def _update_running(input, running_mean, running_var, momentum):  # noqa: A002
    """PyTorch's update: the batch average of each instance's mean and unbiased variance."""
    dims = tuple(range(2, input.ndim))
    with no_grad():
        if running_mean is not None:
            running_mean.mul_(1 - momentum).add_(input.detach().mean(dims).mean(0) * momentum)
        if running_var is not None:
            running_var.mul_(1 - momentum).add_(input.detach().var(dims).mean(0) * momentum)


def _channel_dropout(op, input, p, training, batched):  # noqa: A002
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    lead = 2 if batched else 1
    shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    keep = (rng().random(shape, dtype="float32") >= p).astype(input._data.dtype)
    if p < 1:
        keep *= 1 / (1 - p)
    return input * wrap(backend.to_device(keep, backend.device_of(input._data)))


def dropout1d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    if input.ndim not in (2, 3):
        raise ShapeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension"
        )
    return _channel_dropout("dropout1d", input, p, training, input.ndim == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    if input.ndim not in (3, 4):
        raise ShapeError(
            f"dropout2d: Expected 3D or 4D input, but received a {input.ndim}D input. Note that dropout2d "
            "exists to provide channel-wise dropout on inputs with 2 spatial dimensions"
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
            "is desired - input is interpreted as shape (N, C, L), as PyTorch does; use dropout1d instead",
            stacklevel=2,
        )
    return _channel_dropout("dropout2d", input, p, training, True)


METHODS = {}
