"""Activations and normalised exponentials: gelu, leaky_relu, softplus, logsigmoid, softmax, log_softmax.

The backwards of GELU, softmax and log_softmax are ops of their own (``gelu_backward``,
``softmax_backward``, ``log_softmax_backward``, as in PyTorch), fused on arrays, whose backwards in turn
are written with gradviz ops: a first derivative is one node of array passes instead of several op
calls, and higher ones stay exact.
"""

import math
import warnings
from types import SimpleNamespace

from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
from ..autograd.tensor import wrap
from ..backend import array_module, special
from ..errors import DtypeError
from .arguments import normalize_dim
from .promotion import to_floating
from .unary import exp, sigmoid, tanh, where

__all__ = ["erf", "gelu", "leaky_relu", "softplus", "logsigmoid", "softmax", "log_softmax"]

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_TANH_SCALE = math.sqrt(2 / math.pi)
_CUBIC = 0.044715


class Erf(Function):
    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else to_floating(x)
        ctx.save_for_backward(x)
        return special.erf(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (_TWO_OVER_SQRT_PI * exp(-x * x))


def _array_math(xp):
    return SimpleNamespace(exp=xp.exp, tanh=xp.tanh, erf=special.erf)


_TENSOR_MATH = SimpleNamespace(exp=exp, tanh=tanh, erf=Erf.apply)


def _gelu_slope(x, approximate, m):
    """d gelu / dx, written once for arrays and tensors: ``m`` supplies exp, tanh and erf for either."""
    if approximate == "tanh":
        t = m.tanh(_TANH_SCALE * (x + _CUBIC * x * x * x))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * (_TANH_SCALE * (1 + 3 * _CUBIC * x * x))
    return 0.5 * (1 + m.erf(x * _SQRT_HALF)) + x * (_INV_SQRT_2PI * m.exp(-0.5 * x * x))


def _gelu_curvature(x, approximate):
    """d² gelu / dx² with gradviz ops (only second and higher derivatives need it)."""
    if approximate == "tanh":
        t = tanh(_TANH_SCALE * (x + _CUBIC * x * x * x))
        sech2 = 1 - t * t
        inner_slope = _TANH_SCALE * (1 + 3 * _CUBIC * x * x)
        return sech2 * (inner_slope - x * t * inner_slope * inner_slope + (3 * _TANH_SCALE * _CUBIC) * x * x)
    return (_INV_SQRT_2PI * exp(-0.5 * x * x)) * (2 - x * x)


class Gelu(Function):
    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        xp = array_module(x)
        if approximate == "tanh":
            cdf = xp.tanh(_TANH_SCALE * (x + _CUBIC * x * x * x))
        else:
            cdf = special.erf(x * _SQRT_HALF)
        cdf += 1
        cdf *= 0.5
        return x * cdf

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return GeluBackward.apply(grad, x, ctx.inputs[1]), None


class GeluBackward(Function):
    @staticmethod
    def forward(ctx, grad, x, approximate):
        ctx.save_for_backward(grad, x)
        return grad * _gelu_slope(x, approximate, _array_math(array_module(x)))

    @staticmethod
    def backward(ctx, grad_grad):
        grad, x = ctx.saved_tensors
        approximate = ctx.inputs[2]
        need_grad, need_x, _ = ctx.needs_input_grad
        d_grad = grad_grad * _gelu_slope(x, approximate, _TENSOR_MATH) if need_grad else None
        d_x = grad_grad * grad * _gelu_curvature(x, approximate) if need_x else None
        return d_grad, d_x, None


class LeakyRelu(Function):
    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.scale = array_module(x).where(x > 0, 1, negative_slope).astype(x.dtype)
        return x * ctx.scale

    @staticmethod
    def backward(ctx, grad):
        return grad * wrap(ctx.scale), None


class Softplus(Function):
    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = array_module(x)
        ctx.save_for_backward(x)
        scaled = x * beta
        ctx.linear = scaled > threshold
        return xp.where(ctx.linear, x, xp.log1p(xp.exp(xp.minimum(scaled, threshold))) / beta)

    @staticmethod
    def backward(ctx, grad):
        (x,), beta = ctx.saved_tensors, ctx.inputs[1]
        return where(wrap(ctx.linear), grad, grad * sigmoid(x * beta)), None, None


class Logsigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        xp = array_module(x)
        ctx.save_for_backward(x)
        return -(xp.maximum(-x, 0) + xp.log1p(xp.exp(-abs(x))))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sigmoid(-x)


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        xp = array_module(x)
        out = x - x.max(axis=dim, keepdims=True)
        xp.exp(out, out=out)
        out /= out.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return SoftmaxBackward.apply(grad, out, ctx.inputs[1]), None


class SoftmaxBackward(Function):
    """``out * (grad - sum(grad * out))`` along ``dim``: softmax's gradient as one op."""

    @staticmethod
    def forward(ctx, grad, out, dim):
        ctx.save_for_backward(grad, out)
        return out * (grad - (grad * out).sum(axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx, grad_grad):
        grad, out = ctx.saved_tensors
        dim = ctx.inputs[2]
        need_grad, need_out, _ = ctx.needs_input_grad
        weighted = (grad_grad * out).sum(dim, keepdim=True)
        d_grad = out * (grad_grad - weighted) if need_grad else None
        if not need_out:
            return d_grad, None, None
        return d_grad, grad_grad * (grad - (grad * out).sum(dim, keepdim=True)) - grad * weighted, None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        xp = array_module(x)
        out = x - x.max(axis=dim, keepdims=True)
        out -= xp.log(xp.exp(out).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return LogSoftmaxBackward.apply(grad, out, ctx.inputs[1]), None


class LogSoftmaxBackward(Function):
    """``grad - exp(out) * sum(grad)`` along ``dim``: log_softmax's gradient as one op."""

    @staticmethod
    def forward(ctx, grad, out, dim):
        ctx.save_for_backward(grad, out)
        return grad - array_module(out).exp(out) * grad.sum(axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx, grad_grad):
        grad, out = ctx.saved_tensors
        dim = ctx.inputs[2]
        need_grad, need_out, _ = ctx.needs_input_grad
        probabilities = exp(out)
        d_grad = grad_grad - (grad_grad * probabilities).sum(dim, keepdim=True) if need_grad else None
        d_out = -grad_grad * probabilities * grad.sum(dim, keepdim=True) if need_out else None
        return d_grad, d_out, None


def erf(input):  # noqa: A002 - PyTorch's argument name
    return Erf.apply(input)


def gelu(input, approximate="none"):  # noqa: A002
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(_floating("gelu", input), approximate)


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    out = LeakyRelu.apply(_floating("leaky_relu", input), negative_slope)
    return assign_back("leaky_relu", input, out, inplace)


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    return Softplus.apply(_floating("softplus", input), beta, threshold)


def logsigmoid(input):  # noqa: A002
    return Logsigmoid.apply(_floating("logsigmoid", input))


def assign_back(op, input, out, inplace):  # noqa: A002
    """PyTorch's ``inplace=True``: ``out`` (computed out of place) is written into ``input``, which is
    returned, where that is safe (``input`` needs no recorded gradient: it does not require grad, or
    gradients are off). Where it is not (PyTorch would record an in-place node), ``out`` is returned as
    a new tensor and ``input`` is left as it was."""
    if not inplace or (grad_state.enabled and input._requires_grad):
        return out
    input._check_inplace(op + "_")
    input._data[...] = out._data
    return input


def _floating(op, input, fix="convert it with .float()"):  # noqa: A002
    """``input``, if it is floating point: like PyTorch, these ops have no integer version."""
    if input._data.dtype.kind != "f":
        raise DtypeError(f"{op}: expected a floating point input, got {input.dtype}; {fix}")
    return input


def _normalized(op, input, dim, dtype):  # noqa: A002
    if dtype is not None:
        input = input.to(dtype)
    _floating(op, input, "convert it with .float() or pass dtype=gradviz.float32")
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {op} has been deprecated. Change the call to include dim=X "
            "as an argument.",
            stacklevel=3,
        )
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return input, normalize_dim(dim, input.ndim, op)


def softmax(input, dim=None, dtype=None):  # noqa: A002
    return Softmax.apply(*_normalized("softmax", input, dim, dtype))


def log_softmax(input, dim=None, dtype=None):  # noqa: A002
    return LogSoftmax.apply(*_normalized("log_softmax", input, dim, dtype))


METHODS = {"erf": erf, "softmax": softmax, "log_softmax": log_softmax}
