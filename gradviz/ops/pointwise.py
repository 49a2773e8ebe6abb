"""Pointwise combinations: clamp_min, clamp_max, lerp, addcmul, addcdiv, nan_to_num (out of place; the
in-place ``lerp_``, ``addcmul_``, ``addcdiv_`` optimizers use live in ``inplace``).

Dtypes as in PyTorch: lerp wants floating ``input`` and ``end`` of one dtype (a weight tensor with
dimensions too); addcmul and addcdiv promote their three tensors, an integer result takes ``value``
truncated to an integer, and addcdiv refuses integer ``tensor1`` and ``tensor2`` together; nan_to_num
returns integer and bool tensors unchanged (a copy).
"""

import numbers

from ..autograd.function import Function
from ..autograd.tensor import Tensor, wrap
from ..backend import array_module
from ..errors import DtypeError
from .broadcast import sum_to
from .promotion import promote, result_dtype
from .tensor_first import require_tensor
from .unary import Clamp

__all__ = ["clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv", "nan_to_num"]


class ClampMin(Clamp):
    """``clamp(x, min=...)`` under PyTorch's name (its node is ``ClampMinBackward``)."""


class ClampMax(Clamp):
    pass


class Lerp(Function):
    """``input + weight · (end - input)``, computed as PyTorch does (from ``end`` when ``|weight| >= 0.5``,
    so that weight 1 gives ``end`` exactly)."""

    @staticmethod
    def forward(ctx, x, end, weight):
        xp = array_module(x)
        ctx.save_for_backward(x, end, weight)
        diff = end - x
        if isinstance(weight, numbers.Number):
            return x + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
        weight = weight.astype(x.dtype, copy=False)
        return xp.where(xp.abs(weight) < 0.5, x + weight * diff, end - diff * (1 - weight))

    @staticmethod
    def backward(ctx, grad):
        x, end, weight = ctx.saved_tensors
        need_x, need_end, need_weight = ctx.needs_input_grad
        gx = sum_to(grad * (1 - weight), x._data.shape) if need_x else None
        gend = sum_to(grad * weight, end._data.shape) if need_end else None
        gweight = sum_to(grad * (end - x), weight._data.shape) if need_weight else None
        return gx, gend, gweight


class Addcmul(Function):
    """``input + value · tensor1 · tensor2`` (``Addcdiv``: ``input + value · tensor1 / tensor2``)."""

    divides = False

    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.save_for_backward(t1, t2)
        x, a, b = promote(x, t1, t2)
        return x + (value * a / b if ctx.divides else value * a * b)

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        value = ctx.inputs[3]
        need_x, need_1, need_2 = ctx.needs_input_grad[:3]
        gx = sum_to(grad, ctx.inputs[0]._data.shape) if need_x else None
        if ctx.divides:
            scaled = grad * value / t2
            g1, g2 = scaled, -scaled * t1 / t2
        else:
            g1, g2 = grad * t2 * value, grad * t1 * value
        g1 = sum_to(g1, t1._data.shape) if need_1 else None
        g2 = sum_to(g2, t2._data.shape) if need_2 else None
        return gx, g1, g2, None


class Addcdiv(Addcmul):
    divides = True


class NanToNum(Function):
    """NaN, +inf and -inf replaced (by default with 0 and the dtype's largest and smallest values); the
    gradient flows where ``x`` was finite, 0 where a value was replaced, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        if x.dtype.kind != "f":
            return x.copy()
        xp = array_module(x)
        ctx.finite = xp.isfinite(x)
        return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        return grad * wrap(ctx.finite), None, None, None


def clamp_min(input, min):  # noqa: A002 - PyTorch's argument names
    if min is None:
        raise TypeError("clamp_min(): argument 'min' must be a number or a Tensor, not None")
    return ClampMin.apply(input, min, None)


def clamp_max(input, max):  # noqa: A002
    if max is None:
        raise TypeError("clamp_max(): argument 'max' must be a number or a Tensor, not None")
    return ClampMax.apply(input, None, max)


def lerp(input, end, weight):  # noqa: A002
    require_tensor("lerp", "end", end)
    if not input.is_floating_point():
        raise DtypeError(
            f"lerp: input must be a floating point tensor (as in PyTorch), got {input.dtype} of shape "
            f"{tuple(input.shape)}; convert it first, e.g. input.float()"
        )
    weighted = isinstance(weight, Tensor) and weight.ndim > 0
    for name, value in [("end", end)] + ([("weight", weight)] if weighted else []):
        if value.dtype != input.dtype:
            raise DtypeError(
                f"lerp: {name} must have input's dtype {input.dtype}, got {value.dtype} (input shape "
                f"{tuple(input.shape)}, {name} shape {tuple(value.shape)}); convert it with .to(input.dtype)"
            )
    if not isinstance(weight, (Tensor, numbers.Real)):
        raise TypeError(
            f"lerp(): argument 'weight' must be a number or a Tensor, not {type(weight).__name__}"
        )
    return Lerp.apply(input, end, weight)


def _combined(op, input, tensor1, tensor2, value):  # noqa: A002
    """The checks addcmul and addcdiv share; returns ``value`` as the result dtype takes it."""
    require_tensor(op, "tensor1", tensor1)
    require_tensor(op, "tensor2", tensor2)
    arrays = [t._data if isinstance(t, Tensor) else t for t in (input, tensor1, tensor2)]
    dtype = result_dtype(*arrays)
    described = ", ".join(f"{tuple(a.shape)} {a.dtype.name}" for a in arrays if hasattr(a, "shape"))
    if dtype.kind == "b":
        raise DtypeError(f"{op}: not defined for bool tensors (as in PyTorch), got {described}")
    if op == "addcdiv" and tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise DtypeError(
            f"addcdiv: integer division is not supported (as in PyTorch), got tensor1 and tensor2 "
            f"{tensor1.dtype} and {tensor2.dtype} (input, tensor1, tensor2: {described}); use "
            "input + value * (tensor1 / tensor2).trunc() for the old integer result, or convert them first "
            "with .float()"
        )
    return int(value) if dtype.kind != "f" else value


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002
    return Addcmul.apply(input, tensor1, tensor2, _combined("addcmul", input, tensor1, tensor2, value))


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    return Addcdiv.apply(input, tensor1, tensor2, _combined("addcdiv", input, tensor1, tensor2, value))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    return NanToNum.apply(input, nan, posinf, neginf)


METHODS = {name: globals()[name] for name in __all__}
