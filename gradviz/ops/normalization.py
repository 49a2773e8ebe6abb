"""``layer_norm``, ``rms_norm`` and ``batch_norm``.

Both standardise ``x`` over some dims with one fused op (``x̂ = (x - mean) / sqrt(var + eps)``, biased
variance), then scale and shift with ordinary ``mul``/``add`` ops. The fused backward,
``rstd · (g - mean(g) - x̂ · mean(g · x̂))``, is written with gradviz ops on the saved output ``x̂``; under
``create_graph`` it also recomputes ``rstd`` from ``x`` with gradviz ops, so second derivatives see how
``rstd`` depends on ``x``. ``rms_norm`` (``x / sqrt(mean(x²) + eps)``, no centring) is a composition
of ops, differentiable to any order.
"""

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.tensor import wrap
from ..backend import array_module
from ..dtypes import float16, float32
from ..errors import DtypeError, ShapeError

__all__ = ["layer_norm", "rms_norm", "batch_norm", "local_response_norm"]


def _standardize(ctx, x, dims, eps):
    """x̂, mean and biased variance over ``dims`` (kept as size 1); saves what backward needs."""
    xp = array_module(x)
    mean = x.mean(axis=dims, keepdims=True)
    xhat = x - mean
    var = xp.square(xhat).mean(axis=dims, keepdims=True)
    ctx.rstd = 1 / xp.sqrt(var + eps)
    xhat *= ctx.rstd
    ctx.dims, ctx.eps = dims, eps
    ctx.save_for_backward(xhat, x)
    return xhat, mean, var


class Standardize(Function):
    @staticmethod
    def backward(ctx, grad):
        xhat = ctx.saved_tensors[0]
        dims = ctx.dims
        centered = grad - grad.mean(dims, keepdim=True) - xhat * (grad * xhat).mean(dims, keepdim=True)
        return (_rstd(ctx) * centered,) + (None,) * (len(ctx.inputs) - 1)


def _rstd(ctx):
    if not is_grad_enabled():
        return wrap(ctx.rstd)
    x = ctx.saved_tensors[1]
    centered = x - x.mean(ctx.dims, keepdim=True)
    return ((centered * centered).mean(ctx.dims, keepdim=True) + ctx.eps) ** -0.5


class LayerNorm(Standardize):
    @staticmethod
    def forward(ctx, x, dims, eps):
        return _standardize(ctx, x, dims, eps)[0]


class BatchNorm(Standardize):
    """Training mode: batch statistics, and the running statistics updated in place (as PyTorch's kernel
    does) with the unbiased variance."""

    @staticmethod
    def forward(ctx, x, dims, eps, running_mean, running_var, momentum):
        xhat, mean, var = _standardize(ctx, x, dims, eps)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean.reshape(running_mean.shape)
        if running_var is not None:
            count = x.size // var.size
            running_var *= 1 - momentum
            running_var += (momentum * count / (count - 1)) * var.reshape(running_var.shape)
        return xhat


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002 - PyTorch's name
    dims = _normalized_dims("layer_norm", input, normalized_shape, {"weight": weight, "bias": bias})
    mixed = _mixed_dtypes("layer_norm", input, {"weight": weight, "bias": bias})
    out = _affine(LayerNorm.apply(input, dims, eps), weight, bias)
    return out.to(input.dtype) if mixed else out


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    """``input / sqrt(mean(input²) + eps) · weight`` over the last dims (``normalized_shape``);
    ``eps`` defaults to the dtype's machine epsilon, as in PyTorch."""
    dims = _normalized_dims("rms_norm", input, normalized_shape, {"weight": weight})
    mixed = _mixed_dtypes("rms_norm", input, {"weight": weight})
    if eps is None:
        eps = float(array_module(input._data).finfo(input._data.dtype).eps)
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    out = _affine(out, weight, None)
    return out.to(input.dtype) if mixed else out


def _normalized_dims(op, input, normalized_shape, parameters):  # noqa: A002
    """The input's last dims that ``normalized_shape`` names, checked against the input and the
    parameters' shapes."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or tuple(input.shape[input.ndim - len(shape) :]) != shape or len(shape) > input.ndim:
        raise ShapeError(
            f"{op}: normalized_shape={list(shape)} expects an input of shape [*, "
            f"{', '.join(map(str, shape))}], but got an input of shape {list(input.shape)}; pass the "
            "sizes of the input's last dimensions"
        )
    for name, param in parameters.items():
        if param is not None and tuple(param.shape) != shape:
            raise ShapeError(
                f"{op}: {name} has shape {tuple(param.shape)} but normalized_shape is {shape}; they must be "
                "equal"
            )
    return tuple(range(input.ndim - len(shape), input.ndim))


def _affine(x, weight, bias):
    if weight is not None:
        x = x * weight
    return x if bias is None else x + bias


def _per_channel(t, ndim):
    """A (C,) tensor shaped (C, 1, ...) to broadcast over an (N, C, ...) input."""
    return t if t is None or ndim == 2 else t.reshape((-1,) + (1,) * (ndim - 2))


def _check_batch_norm(input, tensors, training):  # noqa: A002
    if input.ndim < 2:
        raise ShapeError(
            f"batch_norm: expected an input of shape (N, C) or (N, C, ...), got {tuple(input.shape)}; "
            "add a batch dimension with unsqueeze(0)"
        )
    channels = input.shape[1]
    for name, t in tensors.items():
        if t is not None and tuple(t.shape) != (channels,):
            raise ShapeError(
                f"batch_norm: {name} has shape {tuple(t.shape)} but the input {tuple(input.shape)} has "
                f"{channels} channels (dim 1); expected shape ({channels},)"
            )
    if training and input.numel() // channels == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {list(input.shape)}"
        )
    if not training and (tensors["running_mean"] is None or tensors["running_var"] is None):
        raise ValueError(
            "batch_norm: running_mean and running_var must be given in evaluation mode (training=False); "
            "pass training=True to normalise with the batch statistics"
        )


def _mixed_dtypes(op, input, tensors):  # noqa: A002
    """True for a float16 input with float32 parameters and statistics, PyTorch's one allowed mix (the
    output is float16); a non-floating input, or any other dtype that differs from the input's, is
    refused, as PyTorch does."""
    if not input.is_floating_point():
        raise DtypeError(
            f"{op}: expected a floating-point input, got {input.dtype}; convert it with input.float()"
        )
    dtypes = {t.dtype for t in tensors.values() if t is not None}
    if dtypes <= {input.dtype}:
        return False
    if input.dtype == float16 and dtypes == {float32}:
        return True
    name, t = next((n, t) for n, t in tensors.items() if t is not None and t.dtype != input.dtype)
    raise DtypeError(
        f"{op}: {name} is {t.dtype} but the input is {input.dtype}; {', '.join(tensors)} must have the "
        f"input's dtype (or all be float32 for a float16 input): convert with "
        f"{name}.to({input.dtype}), or the module with .to({input.dtype})"
    )


def batch_norm(
    input,  # noqa: A002
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training=False,
    momentum=0.1,
    eps=1e-5,
):
    tensors = {"running_mean": running_mean, "running_var": running_var, "weight": weight, "bias": bias}
    _check_batch_norm(input, tensors, training)
    mixed = _mixed_dtypes("batch_norm", input, tensors)
    ndim = input.ndim
    if training:
        dims = (0,) + tuple(range(2, ndim))
        out = BatchNorm.apply(input, dims, eps, running_mean, running_var, momentum)
        out = _affine(out, _per_channel(weight, ndim), _per_channel(bias, ndim))
    else:
        scale = (running_var + eps) ** -0.5
        scale = scale if weight is None else scale * weight
        shift = -running_mean * scale
        shift = shift if bias is None else shift + bias
        out = _affine(input, _per_channel(scale, ndim), _per_channel(shift, ndim))
    return out.to(input.dtype) if mixed else out


METHODS = {}


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):  # noqa: A002
    """AlexNet's normalisation across channels: each value divided by
    (k + alpha / size · Σ x² over the ``size`` neighbouring channels)^beta (zeros past the edges)."""
    if input.ndim < 3:
        raise ShapeError(
            f"local_response_norm: expects an input (N, C, *) of 3 or more dims, got {tuple(input.shape)}"
        )
    from .padding import pad  # padding builds on the shape ops this module's callers use

    squares = (input * input).unsqueeze(1)  # (N, 1, C, *): the channels as a dim to slide along
    before, after = size // 2, (size - 1) // 2
    padded = pad(squares, (0, 0) * (input.ndim - 2) + (before, after))
    windows = padded.unfold(2, size, 1).mean(-1).squeeze(1)
    return input / (windows * alpha + k) ** beta
