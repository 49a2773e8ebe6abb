"""More activations: the ELU family (elu, selu, celu), the hard ones (hardtanh, relu6, hardsigmoid,
hardswish), threshold, silu, mish, softsign, tanhshrink, glu, prelu, softmin; and the in-place
``relu_``, ``sigmoid_``, ``tanh_`` methods (``inplace.in_place``: their op's kernel, written back).

Three are Functions of their own, because their gradient at a kink is not what composing gives: ``elu``
takes the negative branch's slope at exactly 0 (``alpha · scale · input_scale``, as PyTorch does),
``hardtanh`` passes the gradient only strictly inside ``(min_val, max_val)`` (0 at the bounds, so relu6
and hardsigmoid too), ``threshold`` only where ``x > threshold``. The others are compositions, which
give PyTorch's values at their kinks as well (hardswish: 0 at -3, 1 at 3; prelu: ``weight`` at 0) and
are differentiable twice for free.

``inplace=True`` follows ``activation.assign_back``: the result is written into the input when no
gradient has to be recorded for it, and returned as a new tensor otherwise.

These are reached as ``gradviz.nn.functional.<name>`` (which lists them), the methods through ``METHODS``.
"""

from ..autograd.function import Function
from ..autograd.tensor import Tensor, wrap
from ..backend import array_module
from ..errors import DtypeError, ShapeError
from .activation import Softmax, _floating, _normalized, assign_back, leaky_relu, softplus
from .arguments import normalize_dim
from .inplace import in_place
from .shape import chunk
from .unary import Relu, Sigmoid, Tanh, clamp, exp, sigmoid, tanh, where
from .unary import abs as _abs
from .unary import relu as _relu

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class Elu(Function):
    """``scale · x`` for x > 0, else ``scale · alpha · (exp(x · input_scale) - 1)`` (PyTorch's elu kernel,
    which selu and celu share). At x = 0 the slope is the negative branch's, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        xp = array_module(x)
        ctx.save_for_backward(x)
        ctx.positive = x > 0
        negative = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)
        return xp.where(ctx.positive, x * scale, negative)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.inputs[1:]
        negative_slope = exp(clamp(x, max=0) * input_scale) * (alpha * scale * input_scale)
        return grad * where(wrap(ctx.positive), scale, negative_slope), None, None, None


class Hardtanh(Function):
    """``clip(x, min_val, max_val)``; the gradient passes strictly inside the bounds (0 on them)."""

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.inside = ((x > low) & (x < high)).astype(x.dtype)
        return array_module(x).clip(x, low, high).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad * wrap(ctx.inside), None, None


class Threshold(Function):
    """``x`` where ``x > threshold``, else ``value``; the gradient passes where x was kept."""

    @staticmethod
    def forward(ctx, x, threshold, value):
        kept = x > threshold
        ctx.kept = kept.astype(x.dtype)
        return array_module(x).where(kept, x, value).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad * wrap(ctx.kept), None, None


def relu(input, inplace=False):  # noqa: A002 - PyTorch's argument names
    return assign_back("relu", input, _relu(input), inplace)


def silu(input, inplace=False):  # noqa: A002
    x = _floating("silu", input)
    return assign_back("silu", input, x * sigmoid(x), inplace)


def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    return assign_back("elu", input, Elu.apply(_floating("elu", input), alpha, 1.0, 1.0), inplace)


def selu(input, inplace=False):  # noqa: A002
    out = Elu.apply(_floating("selu", input), _SELU_ALPHA, _SELU_SCALE, 1.0)
    return assign_back("selu", input, out, inplace)


def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    if alpha == 0:
        raise ZeroDivisionError("celu: alpha cannot be 0 (it divides the input)")
    return assign_back("celu", input, Elu.apply(_floating("celu", input), alpha, 1.0, 1.0 / alpha), inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got {min_val} > {max_val}")
    return assign_back("hardtanh", input, Hardtanh.apply(input, min_val, max_val), inplace)


def relu6(input, inplace=False):  # noqa: A002
    return assign_back("relu6", input, Hardtanh.apply(input, 0, 6), inplace)


def hardsigmoid(input, inplace=False):  # noqa: A002
    x = _floating("hardsigmoid", input)
    return assign_back("hardsigmoid", input, Hardtanh.apply(x + 3, 0, 6) / 6, inplace)


def hardswish(input, inplace=False):  # noqa: A002
    x = _floating("hardswish", input)
    return assign_back("hardswish", input, x * (Hardtanh.apply(x + 3, 0, 6) / 6), inplace)


def mish(input, inplace=False):  # noqa: A002
    x = _floating("mish", input)
    return assign_back("mish", input, x * tanh(softplus(x)), inplace)


def relu_(input):  # noqa: A002 - the functional in-place forms, as F.relu_ (see assign_back)
    return relu(input, inplace=True)


def elu_(input, alpha=1.0):  # noqa: A002
    return elu(input, alpha, inplace=True)


def selu_(input):  # noqa: A002
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):  # noqa: A002
    return celu(input, alpha, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):  # noqa: A002
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):  # noqa: A002
    return assign_back("threshold", input, Threshold.apply(input, threshold, value), True)


def leaky_relu_(input, negative_slope=0.01):  # noqa: A002
    return leaky_relu(input, negative_slope, inplace=True)


def hardshrink(input, lambd=0.5):  # noqa: A002
    """``x`` where ``|x| > lambd``, else 0."""
    return where(_abs(input) > lambd, input, 0.0)


def softshrink(input, lambd=0.5):  # noqa: A002
    """``x`` moved ``lambd`` towards 0, and 0 within ``lambd`` of it."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be non-negative, got {lambd}")
    return where(input > lambd, input - lambd, where(input < -lambd, input + lambd, 0.0))


def softsign(input):  # noqa: A002
    return input / (1 + _abs(input))


def tanhshrink(input):  # noqa: A002
    return input - tanh(input)


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    return assign_back("threshold", input, Threshold.apply(input, threshold, value), inplace)


def glu(input, dim=-1):  # noqa: A002
    """``a · sigmoid(b)``, ``a`` and ``b`` the two halves of ``input`` along ``dim``."""
    x = _floating("glu", input)
    if x.ndim == 0:
        raise ShapeError("glu: does not support scalars because halving size must be even")
    dim = normalize_dim(dim, x.ndim, "glu")
    if x.shape[dim] % 2:
        raise ShapeError(
            f"glu: halving dimension must be even, but dimension {dim} is size {x.shape[dim]} "
            f"(input shape {tuple(x.shape)})"
        )
    a, b = chunk(x, 2, dim)
    return a * sigmoid(b)


def prelu(input, weight):  # noqa: A002
    """``max(0, x) + weight · min(0, x)``, ``weight`` one number or one per channel (dim 1)."""
    x = _floating("prelu", input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu(): argument 'weight' must be Tensor, not {type(weight).__name__}")
    if weight.ndim > 1:
        raise ShapeError(
            f"prelu: expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}"
        )
    if weight.dtype != x.dtype:
        raise DtypeError(
            f"prelu: type promoting is not supported, got input {x.dtype} and weight {weight.dtype}"
        )
    count = weight.numel()
    if count == 1:
        weight = weight.reshape(())
    else:
        channels = x.shape[1] if x.ndim >= 2 else 1
        if count != channels:
            raise ShapeError(
                f"prelu: mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{count} and channel size = {channels} (input shape {tuple(x.shape)})"
            )
        weight = weight.reshape(count, *(1,) * (x.ndim - 2))
    return _relu(x) + weight * clamp(x, max=0)


def softmin(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    x, dim = _normalized("softmin", input, dim, dtype)
    return Softmax.apply(-x, dim)


METHODS = {
    "relu_": in_place("relu_", Relu),
    "sigmoid_": in_place("sigmoid_", Sigmoid),
    "tanh_": in_place("tanh_", Tanh),
    "hardshrink": hardshrink,
}
