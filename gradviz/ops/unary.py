"""Elementwise math: each forward is one array call, each backward the derivative from the textbook.

Ops defined on reals only (exp, log, sqrt, sin, cos, tanh, sigmoid) compute integer and bool inputs in
the default dtype, as PyTorch does; clamp's bounds, maximum/minimum and where's values promote with
the input (``promotion``)."""

import warnings

from ..autograd.function import Function
from ..autograd.tensor import Tensor, wrap
from ..backend import array_module
from ..errors import DtypeError
from .broadcast import sum_to
from .promotion import cast, promote, result_dtype, to_floating

__all__ = [
    "exp",
    "log",
    "sqrt",
    "abs",
    "absolute",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "clamp",
    "clip",
    "maximum",
    "minimum",
    "where",
]


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else to_floating(x)
        out = array_module(x).exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else to_floating(x)
        ctx.save_for_backward(x)
        return array_module(x).log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else to_floating(x)
        out = array_module(x).sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        xp = array_module(x)
        ctx.sign = xp.sign(x)
        return xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * wrap(ctx.sign)


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else to_floating(x)
        ctx.save_for_backward(x)
        return array_module(x).sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else to_floating(x)
        ctx.save_for_backward(x)
        return array_module(x).cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * sin(x)


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else to_floating(x)
        out = array_module(x).tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return TanhBackward.apply(grad, out)


class TanhBackward(Function):
    """grad · (1 − tanh²) as one op (a recurrent step runs it for every gate), differentiable again."""

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(grad, out)
        return grad * (1 - out * out)

    @staticmethod
    def backward(ctx, upstream):
        grad, out = ctx.saved_tensors
        need_grad, need_out = ctx.needs_input_grad
        return (
            upstream * (1 - out * out) if need_grad else None,
            upstream * grad * out * -2 if need_out else None,
        )


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else to_floating(x)
        out = array_module(x).tanh(x * 0.5)
        out += 1
        out *= 0.5
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return SigmoidBackward.apply(grad, out)


class SigmoidBackward(Function):
    """grad · σ · (1 − σ) as one op, differentiable again."""

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(grad, out)
        return grad * out * (1 - out)

    @staticmethod
    def backward(ctx, upstream):
        grad, out = ctx.saved_tensors
        need_grad, need_out = ctx.needs_input_grad
        return (
            upstream * out * (1 - out) if need_grad else None,
            upstream * grad * (1 - 2 * out) if need_out else None,
        )


class Relu(Function):
    @staticmethod
    def forward(ctx, x):
        out = array_module(x).maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return ReluBackward.apply(grad, out)


class ReluBackward(Function):
    """``grad`` where the output is positive, else 0 (PyTorch's ``threshold_backward``). An op of its
    own so that a gradient taken with ``create_graph`` depends on ``x`` (with derivative 0), as in
    PyTorch. It multiplies by the mask: numpy's ``where`` is about 10x slower on a random mask, at the
    price that an infinite ``grad`` gives NaN where the unit is off (PyTorch gives 0)."""

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(out)
        return grad * (out > 0)

    @staticmethod
    def backward(ctx, grad_grad):
        (out,) = ctx.saved_tensors
        need_grad, need_out = ctx.needs_input_grad
        d_grad = ReluBackward.apply(grad_grad, out) if need_grad else None
        d_out = wrap(array_module(grad_grad._data).zeros_like(grad_grad._data)) if need_out else None
        return d_grad, d_out


class Clamp(Function):
    """Bounds may be tensors (broadcast with ``x``). Gradients follow PyTorch's ties: ``x`` gets its
    gradient where min <= x <= max, min where x < min < max, max where x > max or max < min."""

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x, low, high)
        return array_module(x).clip(*promote(x, low, high))

    @staticmethod
    def backward(ctx, grad):
        x, low, high = ctx.saved_tensors
        need_x, need_low, need_high = ctx.needs_input_grad
        gx = glow = ghigh = None
        if need_x:
            inside = x <= high if low is None else x >= low if high is None else (x >= low) & (x <= high)
            gx = sum_to(where(inside, grad, 0.0), x._data.shape)
        if need_low:
            below = x < low if high is None else (x < low) & (low < high)
            glow = sum_to(where(below, grad, 0.0), low._data.shape)
        if need_high:
            above = x > high if low is None else (x > high) | (high < low)
            ghigh = sum_to(where(above, grad, 0.0), high._data.shape)
        return gx, glow, ghigh


class Maximum(Function):
    """The gradient goes to the larger input (the smaller for ``Minimum``), split in half on ties."""

    larger = True

    @staticmethod
    def forward(ctx, a, b):
        xp = array_module(a)
        a, b = promote(a, b)
        out = xp.maximum(a, b) if ctx.larger else xp.minimum(a, b)
        wins = (a > b) if ctx.larger else (a < b)
        ctx.share_a = xp.where(a == b, 0.5, wins).astype(out.dtype)
        return out

    @staticmethod
    def backward(ctx, grad):
        share_a = wrap(ctx.share_a)
        a, b = ctx.inputs[0], ctx.inputs[1]
        ga = sum_to(grad * share_a, a._data.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(grad * (1 - share_a), b._data.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Minimum(Maximum):
    larger = False


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        dtype = result_dtype(a, b)
        out = array_module(condition).where(condition, *cast(dtype, a, b))
        return out.astype(dtype, copy=False)  # two scalars: numpy gives int64 or float64

    @staticmethod
    def backward(ctx, grad):
        """Multiplies by the mask (numpy's ``where`` is about 10x slower on a random mask), so an
        infinite gradient gives NaN to the side that was not chosen, where PyTorch gives 0."""
        keep = wrap(ctx.condition)
        _, a, b = ctx.inputs
        ga = sum_to(grad * keep, a._data.shape) if ctx.needs_input_grad[1] else None
        gb = sum_to(grad * ~keep, b._data.shape) if ctx.needs_input_grad[2] else None
        return None, ga, gb


def exp(input):  # noqa: A002 - PyTorch's argument name
    return Exp.apply(input)


def log(input):  # noqa: A002
    return Log.apply(input)


def sqrt(input):  # noqa: A002
    return Sqrt.apply(input)


def abs(input):  # noqa: A001, A002
    return Abs.apply(input)


absolute = abs


def sin(input):  # noqa: A002
    return Sin.apply(input)


def cos(input):  # noqa: A002
    return Cos.apply(input)


def tanh(input):  # noqa: A002
    return Tanh.apply(input)


def sigmoid(input):  # noqa: A002
    return Sigmoid.apply(input)


def relu(input):  # noqa: A002
    return Relu.apply(input)


def clamp(input, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(input, min, max)


clip = clamp


def maximum(input, other):  # noqa: A002
    return Maximum.apply(input, _tensor_operand("maximum", other))


def minimum(input, other):  # noqa: A002
    return Minimum.apply(input, _tensor_operand("minimum", other))


def _tensor_operand(op, other):
    if not isinstance(other, Tensor):
        raise TypeError(
            f"{op}(): argument 'other' must be Tensor, not {type(other).__name__} (as in PyTorch); for a "
            f"number use x.clamp({'min' if op == 'maximum' else 'max'}={other!r}), or wrap it in "
            "gradviz.tensor(...)"
        )
    return other


def where(condition, input, other):  # noqa: A002
    dtype = condition._data.dtype.name if isinstance(condition, Tensor) else "bool"
    if dtype == "uint8":
        warnings.warn(
            "where received a uint8 condition tensor; this is deprecated in PyTorch, use a bool "
            "condition instead (.bool())",
            UserWarning,
            stacklevel=2,
        )
    elif dtype != "bool":
        raise DtypeError(
            f"where: the condition must be a bool tensor, but got {condition.dtype}; build one with a "
            "comparison such as x > 0, or convert with .bool()"
        )
    return Where.apply(condition, input, other)


METHODS = {
    "exp": exp,
    "log": log,
    "sqrt": sqrt,
    "abs": abs,
    "absolute": abs,
    "__abs__": abs,
    "sin": sin,
    "cos": cos,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "clamp": clamp,
    "clip": clamp,
    "maximum": maximum,
    "minimum": minimum,
    "where": lambda self, condition, other: where(condition, self, other),
}
