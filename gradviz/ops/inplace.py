"""In-place updates: the ones optimizers and initialisers use (add_, mul_, addcdiv_, copy_, fill_,
uniform_...), the elementwise ops' ``exp_``, ``floor_divide_``, ``pow_``..., and the view changes
``t_``, ``transpose_``, ``unsqueeze_``, ``squeeze_``.

They are not graph ops: in-place changes are allowed only where nothing records, on tensors that do not
require grad or under ``no_grad()`` (where optimizers and ``nn.init`` run). Every method stamps the write
first (``Tensor._check_inplace``), so a later backward that needs the overwritten values raises instead
of using the new ones, as PyTorch's version counters do. Each method writes into ``self._data`` (values of
other tensors come from their ``._data``), keeps the tensor's dtype and device, and returns ``self``.

The elementwise ones (``in_place``) run their op's own forward kernel, so they give exactly the
out-of-place values, then write the result back; where that kernel is one ufunc (``exp_``, ``sqrt_``,
``abs_``...), a float tensor gets the ufunc written straight into its buffer (``out=``) instead. A
result of a higher category than the tensor (float into an integer tensor, integer into bool) is
refused, as PyTorch refuses it. The view changes give the
tensor a new view of the same buffer; PyTorch counts them as writes too (a backward that saved the tensor
then raises), and so does gradviz.

``x += y`` is the exception that stays usable inside a recorded graph: when ``x`` is an op's output, or
``y`` requires grad, it computes ``x + y`` out of place (so ``total += loss`` works); otherwise it is
``add_``. ``-=``, ``*=``, ``/=``, ``//=``, ``%=`` and ``**=`` do the same.
"""

from .. import backend
from ..autograd.function import explain_failure
from ..autograd.grad_mode import state as grad_state
from ..autograd.tensor import Tensor
from ..backend import array_module
from ..errors import DeviceError, DtypeError, GradvizError, GraphError, ShapeError
from ..random import rng
from .activation import Erf
from .arguments import int_argument
from .arithmetic import Neg, Pow, add, div, mul, pow, refuse_bool_subtraction, sub
from .binary_math import Copysign, Hypot, Xlogy
from .derived import require_floating
from .elementary import (
    Acos,
    Acosh,
    Asin,
    Asinh,
    Atan,
    Atanh,
    Cosh,
    Deg2rad,
    Erfc,
    Erfinv,
    Exp2,
    Expm1,
    Lgamma,
    Log1p,
    Log2,
    Log10,
    Logit,
    Polygamma,
    Rad2deg,
    Reciprocal,
    Rsqrt,
    Sinc,
    Sinh,
    Tan,
)
from .pointwise import ClampMax, ClampMin
from .promotion import result_dtype
from .rounding import (
    Ceil,
    Floor,
    FloorDivide,
    Fmod,
    Remainder,
    Round,
    Sign,
    Trunc,
    floor_divide,
    remainder,
    rounded_division,
)
from .shape import squeezed_shape, swaps_matrix, transposed_dims, unsqueezed_shape
from .unary import Abs, Cos, Exp, Log, Sin, Sqrt

__all__ = []

_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}


def _value_kind(value):
    if isinstance(value, bool):
        return "b"
    return "f" if isinstance(value, float) else "i"


def _operand(self, op, other):
    """``other``'s array (or ``other`` itself, a number), checked to fit into ``self`` in place."""
    if isinstance(other, Tensor):
        _refuse_recorded(op, other)
        if other.device != self.device:
            raise DeviceError(
                f"{op}: the tensor is on {self.device} but the operand is on {other.device}; "
                "move it with .to(device) first"
            )
        value, kind = other._data, other._data.dtype.kind
        if value.ndim == 0 and value.dtype != self._data.dtype:
            # a 0-d operand takes part in the tensor's dtype, as in PyTorch (x32.sub_(tensor(1.0,
            # float64)) subtracts in float32), where numpy would compute in float64
            value = value.astype(result_dtype(self._data, value))
    else:
        value, kind = other, _value_kind(other)
    if _KIND_RANK[kind] > _KIND_RANK[self._data.dtype.kind]:
        _refuse_cast(self, op, "a float operand" if kind == "f" else "an integer operand")
    return value


def _refuse_recorded(op, other):
    if grad_state.enabled and other.requires_grad:
        raise GraphError(
            f"{op}: an operand requires grad, and an in-place update is not recorded; wrap the "
            "update in `with gradviz.no_grad():` or use the out-of-place op"
        )


def _refuse_cast(self, op, what):
    raise DtypeError(
        f"{op}: {what} cannot be written in place into a {self.dtype} tensor; convert the tensor "
        "first (e.g. x = x.float()) or use the out-of-place op"
    )


def require_result_fits(self, op, result):
    """Refuse writing ``result`` (an array) into ``self`` where its dtype kind ranks higher (float into
    an integer tensor), which would truncate silently."""
    kind = result.dtype.kind
    if _KIND_RANK[kind] > _KIND_RANK[self._data.dtype.kind]:
        _refuse_cast(self, op, "a floating point result" if kind == "f" else "an integer result")


def _require_float(self, op):
    if self._data.dtype.kind != "f":
        _refuse_cast(self, op, "a floating point result")


def _update(self, op, ufunc, value):
    """``self._data = ufunc(self._data, value)``, written into self's buffer."""
    data = self._data
    try:
        getattr(array_module(data), ufunc)(data, value, out=data)
    except ValueError:
        raise _not_broadcast(self, op, value) from None
    return self


def _not_broadcast(self, op, value):
    return ShapeError(
        f"{op}: an operand of shape {tuple(getattr(value, 'shape', ()))} does not broadcast to the "
        f"tensor's shape {tuple(self._data.shape)}; an in-place op cannot change the tensor's shape"
    )


def _rewrite(self, op, function, *args):
    """Write ``function``'s forward kernel on self's data and ``args`` (as the out-of-place op computes
    it, recording nothing) into self's buffer. The kernel's own errors name ``op`` (its ``ctx.name``)."""
    data = self._data
    ctx = function.__new__(function)
    ctx.name = op
    try:
        out = function.forward(ctx, data, *args)
    except GradvizError:
        raise
    except Exception as exc:
        raise explain_failure(op, (self, *args), exc) from exc
    if out.shape != data.shape:  # an operand broadcast the result beyond self's shape
        raise _not_broadcast(self, op, next(a for a in args if getattr(a, "shape", out.shape) != data.shape))
    require_result_fits(self, op, out)
    data[...] = out
    return self


def in_place(name, function, *fixed, ufunc=None):
    """The ``Tensor`` method ``name`` (``exp_``, ``relu_``...): ``function``'s result on the tensor (with
    the arguments ``fixed``, e.g. square's exponent) written into it.

    ``ufunc`` names the array module's ufunc that is ``function``'s whole kernel on float data (``"exp"``
    for ``Exp``): a float tensor then gets it written straight into its buffer with ``out=``, with no
    result array to allocate and copy back; other dtypes take the kernel's path (and its refusals)."""

    def method(self):
        self._check_inplace(name)
        data = self._data
        if ufunc is not None and data.dtype.kind == "f":
            getattr(array_module(data), ufunc)(data, out=data)
            return self
        return _rewrite(self, name, function, *fixed)

    method.__name__ = method.__qualname__ = name
    return method


def _with_operand(name, function):
    """The method ``name(self, other)`` (``fmod_``...): ``function`` of the tensor and ``other``."""

    def method(self, other):
        self._check_inplace(name)
        return _rewrite(self, name, function, _operand(self, name, other))

    method.__name__ = method.__qualname__ = name
    return method


def _scaled(value, factor):
    return value if factor == 1 else value * factor


def add_(self, other, *, alpha=1):
    self._check_inplace("add_")
    return _update(self, "add_", "add", _scaled(_operand(self, "add_", other), alpha))


def _subtraction(op):
    def method(self, other, *, alpha=1):
        self._check_inplace(op)
        value = _operand(self, op, other)
        refuse_bool_subtraction(op, self._data, value)
        return _update(self, op, "subtract", _scaled(value, alpha))

    method.__name__ = method.__qualname__ = op
    return method


def _multiplication(op):
    def method(self, other):
        self._check_inplace(op)
        return _update(self, op, "multiply", _operand(self, op, other))

    method.__name__ = method.__qualname__ = op
    return method


sub_, subtract_ = _subtraction("sub_"), _subtraction("subtract_")
mul_, multiply_ = _multiplication("mul_"), _multiplication("multiply_")


def frac_(self):
    self._check_inplace("frac_")
    require_floating("frac_", self)
    data = self._data
    xp = array_module(data)
    xp.subtract(data, xp.trunc(data), out=data)
    return self


def _division(op):
    """``div_`` (and its alias ``divide_``): true division, or rounded with ``rounding_mode``."""

    def method(self, other, *, rounding_mode=None):
        self._check_inplace(op)
        if rounding_mode is not None:
            return _rewrite(self, op, rounded_division(rounding_mode), _operand(self, op, other))
        _require_float(self, op)
        return _update(self, op, "true_divide", _operand(self, op, other))

    method.__name__ = method.__qualname__ = op
    return method


div_ = _division("div_")
_divide_ = _division("true_divide_")


def true_divide_(self, other):
    return _divide_(self, other)


def pow_(self, exponent):
    self._check_inplace("pow_")
    return _rewrite(self, "pow_", Pow, _operand(self, "pow_", exponent))


def clamp_min_(self, min):  # noqa: A002 - PyTorch's names
    self._check_inplace("clamp_min_")
    return _rewrite(self, "clamp_min_", ClampMin, _operand(self, "clamp_min_", min), None)


def clamp_max_(self, max):  # noqa: A002
    self._check_inplace("clamp_max_")
    return _rewrite(self, "clamp_max_", ClampMax, None, _operand(self, "clamp_max_", max))


floor_divide_ = _with_operand("floor_divide_", FloorDivide)
remainder_ = _with_operand("remainder_", Remainder)


def round_(self, *, decimals=0):
    self._check_inplace("round_")
    return _rewrite(self, "round_", Round, int_argument("round_", "decimals", decimals))


def addcmul_(self, tensor1, tensor2, *, value=1):
    self._check_inplace("addcmul_")
    product = _operand(self, "addcmul_", tensor1) * _operand(self, "addcmul_", tensor2)
    return _update(self, "addcmul_", "add", _scaled(product, value))


def addcdiv_(self, tensor1, tensor2, *, value=1):
    self._check_inplace("addcdiv_")
    _require_float(self, "addcdiv_")
    quotient = _operand(self, "addcdiv_", tensor1) / _operand(self, "addcdiv_", tensor2)
    return _update(self, "addcdiv_", "add", _scaled(quotient, value))


def lerp_(self, end, weight):
    """``self += weight * (end - self)``."""
    self._check_inplace("lerp_")
    _require_float(self, "lerp_")
    step = _operand(self, "lerp_", end) - self._data
    return _update(self, "lerp_", "add", step * _operand(self, "lerp_", weight))


def logit_(self, eps=None):
    self._check_inplace("logit_")
    return _rewrite(self, "logit_", Logit, eps)


def polygamma_(self, n):
    self._check_inplace("polygamma_")
    return _rewrite(self, "polygamma_", Polygamma, n)


def clamp_(self, min=None, max=None):  # noqa: A002 - PyTorch's names
    self._check_inplace("clamp_")
    if min is None and max is None:
        raise ValueError("clamp_: at least one of min and max must be given")
    low = None if min is None else _operand(self, "clamp_", min)
    high = None if max is None else _operand(self, "clamp_", max)
    array_module(self._data).clip(self._data, low, high, out=self._data)
    return self


def copy_(self, src, non_blocking=False):
    """Copy ``src``'s values (any dtype, any device, broadcastable shape) into ``self``."""
    self._check_inplace("copy_")
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_: src must be a Tensor, got {type(src).__name__}; wrap it with gradviz.tensor")
    _refuse_recorded("copy_", src)
    try:
        self._data[...] = backend.to_device(src._data, self.device)
    except ValueError:
        raise ShapeError(
            f"copy_: src of shape {tuple(src.shape)} does not broadcast to the tensor's shape "
            f"{tuple(self.shape)}"
        ) from None
    return self


def _scalar(value):
    return value.item() if isinstance(value, Tensor) else value


def fill_(self, value):
    self._check_inplace("fill_")
    self._data[...] = _scalar(value)
    return self


def masked_fill_(self, mask, value):
    self._check_inplace("masked_fill_")
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        kind = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise DtypeError(
            f"masked_fill_: the mask must be a bool tensor, got {kind}; build it with a comparison"
        )
    where = _operand(self, "masked_fill_", mask)
    try:
        array_module(self._data).copyto(self._data, _scalar(value), casting="unsafe", where=where)
    except ValueError:
        raise ShapeError(
            f"masked_fill_: a mask of shape {tuple(mask.shape)} does not broadcast to the tensor's shape "
            f"{tuple(self.shape)}"
        ) from None
    return self


def _random_fill(self, op, draw, generator):
    """Values are drawn on the host (so a seed gives the same numbers on every device), then moved."""
    self._check_inplace(op)
    if self._data.dtype.kind != "f":
        raise DtypeError(
            f"{op}: random values need a float tensor, got {self.dtype}; create it with dtype=gradviz.float32"
        )
    self._data[...] = backend.to_device(draw(rng(generator), self._data.shape), self.device)
    return self


def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Uniform on ``[from, to)`` (PyTorch's first argument is named ``from``, a Python keyword)."""
    if from_ > to:
        raise RuntimeError(f"uniform_: expects a [from, to) range, but got from={from_} > to={to}; swap them")
    return _random_fill(self, "uniform_", lambda r, shape: r.uniform(from_, to, shape), generator)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    if std < 0:
        raise RuntimeError(f"normal_: expects std >= 0.0, but got std={std}")
    return _random_fill(self, "normal_", lambda r, shape: r.normal(mean, std, shape), generator)


def exponential_(self, lambd=1.0, *, generator=None):
    """Exponential with rate ``lambd`` (mean 1 / lambd)."""
    if lambd <= 0:
        raise RuntimeError(f"exponential_: expects lambd > 0.0, but got lambd={lambd}")
    return _random_fill(self, "exponential_", lambda r, shape: r.exponential(1 / lambd, shape), generator)


def random_(self, from_=0, to=None, *, generator=None):
    """Integers drawn uniformly from ``[from, to)`` (``random_(to)``: from 0), written in the tensor's
    dtype; PyTorch's default range (the whole mantissa or integer range) is narrowed to [0, 2**24)."""
    if to is None:
        from_, to = (0, 2**24) if from_ == 0 else (0, from_)
    if from_ >= to:
        raise RuntimeError(f"random_: expects from < to, but got from={from_} >= to={to}")
    self._check_inplace("random_")
    draws = rng(generator).integers(from_, to, self._data.shape)
    self._data[...] = backend.to_device(draws.astype(self._data.dtype), self.device)
    return self


def _new_view(self, op, view):
    """``self`` reads its buffer through ``view`` (another shape, the same memory), as PyTorch's ``t_``
    and ``unsqueeze_`` change a tensor's shape and strides in place."""
    self._check_inplace(op)
    self._data = view
    return self


def t_(self):
    data = self._data
    return _new_view(self, "t_", data.swapaxes(0, 1) if swaps_matrix(data.shape, "t_") else data)


def transpose_(self, dim0, dim1):
    dim0, dim1 = transposed_dims(self._data.shape, dim0, dim1, "transpose_")
    return _new_view(self, "transpose_", self._data.swapaxes(dim0, dim1))


def unsqueeze_(self, dim):
    return _new_view(
        self, "unsqueeze_", self._data.reshape(unsqueezed_shape(self._data.shape, dim, "unsqueeze_"))
    )


def squeeze_(self, dim=None):
    return _new_view(self, "squeeze_", self._data.reshape(squeezed_shape(self._data.shape, dim, "squeeze_")))


def _augmented(in_place, out_of_place):
    def operator(self, other):
        if grad_state.enabled and (
            self.grad_fn is not None or (isinstance(other, Tensor) and other.requires_grad)
        ):
            return out_of_place(self, other)
        return in_place(self, other)

    return operator


METHODS = {
    "add_": add_,
    "sub_": sub_,
    "mul_": mul_,
    "multiply_": multiply_,
    "subtract_": subtract_,
    "div_": div_,
    "divide_": _division("divide_"),
    "true_divide_": true_divide_,
    "addcmul_": addcmul_,
    "addcdiv_": addcdiv_,
    "lerp_": lerp_,
    "exp_": in_place("exp_", Exp, ufunc="exp"),
    "log_": in_place("log_", Log, ufunc="log"),
    "sqrt_": in_place("sqrt_", Sqrt, ufunc="sqrt"),
    "rsqrt_": in_place("rsqrt_", Rsqrt),
    "reciprocal_": in_place("reciprocal_", Reciprocal, ufunc="reciprocal"),
    "log1p_": in_place("log1p_", Log1p, ufunc="log1p"),
    "expm1_": in_place("expm1_", Expm1, ufunc="expm1"),
    "log2_": in_place("log2_", Log2, ufunc="log2"),
    "log10_": in_place("log10_", Log10, ufunc="log10"),
    "sin_": in_place("sin_", Sin, ufunc="sin"),
    "cos_": in_place("cos_", Cos, ufunc="cos"),
    "tan_": in_place("tan_", Tan, ufunc="tan"),
    "sinh_": in_place("sinh_", Sinh, ufunc="sinh"),
    "cosh_": in_place("cosh_", Cosh, ufunc="cosh"),
    "erf_": in_place("erf_", Erf),
    "erfc_": in_place("erfc_", Erfc),
    "erfinv_": in_place("erfinv_", Erfinv),
    "lgamma_": in_place("lgamma_", Lgamma),
    "digamma_": in_place("digamma_", Polygamma, 0),
    "polygamma_": polygamma_,
    "exp2_": in_place("exp2_", Exp2, ufunc="exp2"),
    **{
        f"{prefix}{name}_": in_place(f"{prefix}{name}_", function, ufunc=f"arc{name}")
        for name, function in (
            ("sin", Asin),
            ("cos", Acos),
            ("tan", Atan),
            ("sinh", Asinh),
            ("cosh", Acosh),
            ("tanh", Atanh),
        )
        for prefix in ("a", "arc")
    },
    "sinc_": in_place("sinc_", Sinc),
    "logit_": logit_,
    "deg2rad_": in_place("deg2rad_", Deg2rad),
    "rad2deg_": in_place("rad2deg_", Rad2deg),
    "sgn_": in_place("sgn_", Sign),
    "xlogy_": _with_operand("xlogy_", Xlogy),
    "hypot_": _with_operand("hypot_", Hypot),
    "copysign_": _with_operand("copysign_", Copysign),
    "sign_": in_place("sign_", Sign),
    "abs_": in_place("abs_", Abs, ufunc="absolute"),
    "absolute_": in_place("absolute_", Abs, ufunc="absolute"),
    "frac_": frac_,
    "neg_": in_place("neg_", Neg, ufunc="negative"),
    "negative_": in_place("negative_", Neg, ufunc="negative"),
    "square_": in_place("square_", Pow, 2),
    "floor_": in_place("floor_", Floor, ufunc="floor"),
    "ceil_": in_place("ceil_", Ceil, ufunc="ceil"),
    "trunc_": in_place("trunc_", Trunc, ufunc="trunc"),
    "fix_": in_place("fix_", Trunc, ufunc="trunc"),
    "round_": round_,
    "pow_": pow_,
    "floor_divide_": floor_divide_,
    "fmod_": _with_operand("fmod_", Fmod),
    "remainder_": remainder_,
    "clamp_min_": clamp_min_,
    "clamp_max_": clamp_max_,
    "clamp_": clamp_,
    "clip_": clamp_,
    "copy_": copy_,
    "fill_": fill_,
    "masked_fill_": masked_fill_,
    "uniform_": uniform_,
    "normal_": normal_,
    "exponential_": exponential_,
    "random_": random_,
    "__iadd__": _augmented(add_, add),
    "__isub__": _augmented(sub_, sub),
    "__imul__": _augmented(mul_, mul),
    "__itruediv__": _augmented(div_, div),
    "__ifloordiv__": _augmented(floor_divide_, floor_divide),
    "__imod__": _augmented(remainder_, remainder),
    "__ipow__": _augmented(pow_, pow),
    "t_": t_,
    "transpose_": transpose_,
    "swapaxes_": transpose_,
    "swapdims_": transpose_,
    "unsqueeze_": unsqueeze_,
    "squeeze_": squeeze_,
}
