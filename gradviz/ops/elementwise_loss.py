"""Element-by-element losses with PyTorch's reductions: ``smooth_l1_loss``, ``huber_loss``,
``binary_cross_entropy``, ``kl_div``, ``poisson_nll_loss``, ``gaussian_nll_loss``, ``soft_margin_loss``.

All are composed from gradviz ops except ``binary_cross_entropy``, one Function because PyTorch's
gradient is not the derivative of its clamped logs: it is ``(x - t) / max(x·(1 - x), 1e-12)``, finite at
x = 0 and 1 where the composed chain would give 0·∞ = NaN.

Input and target shapes follow PyTorch: where it warns about a broadcast (smooth_l1_loss, huber_loss)
gradviz warns the same way, where it raises (binary_cross_entropy) gradviz raises, and shapes that
cannot broadcast at all are refused with an error naming the op and both shapes.
"""

import math
import warnings

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import array_module
from ..errors import GradvizError
from .activation import logsigmoid
from .distance import common_shape
from .loss import _check_pointwise, _legacy_reduction, _reduce, l1_loss
from .pointwise import clamp_min
from .unary import abs, exp, log, where

__all__ = [
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "kl_div",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "soft_margin_loss",
]


class LossValueError(GradvizError, RuntimeError, ValueError):
    """A loss argument out of its range; PyTorch raises RuntimeError for these, Python code expects
    ValueError: it is both."""


def _warned_broadcast(op, input, target):  # noqa: A002 - PyTorch's argument name
    """PyTorch's warning for a target of another shape, then the broadcast (or a clear error)."""
    common_shape(op, input=input, target=target)
    _check_pointwise(op, input, target, None)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):  # noqa: A002
    """``0.5·d²/beta`` where ``|d| < beta``, else ``|d| - 0.5·beta`` (d = input - target); beta 0 is L1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise LossValueError(f"smooth_l1_loss does not support negative values for beta, got beta={beta}")
    _warned_broadcast("smooth_l1_loss", input, target)
    if beta == 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # already warned above
            return l1_loss(input, target, reduction=reduction)
    d = input - target
    ad = abs(d)
    return _reduce(where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    """``0.5·d²`` where ``|d| < delta``, else ``delta·(|d| - 0.5·delta)``; ``weight`` scales each element
    (and, as in PyTorch, 'mean' divides by the element count, not by the total weight)."""
    reduction = _legacy_reduction(None, None, reduction)
    if delta <= 0:
        raise LossValueError(f"huber_loss does not support non-positive values for delta, got delta={delta}")
    _warned_broadcast("huber_loss", input, target)
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError(
            f"huber_loss: weight of shape {tuple(weight.shape)} and input of shape {tuple(input.shape)} must "
            "have the same size"
        )
    d = input - target
    ad = abs(d)
    loss = where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
    return _reduce(loss if weight is None else loss * weight, reduction)


def _clamped_log_array(xp, x):
    """``max(log x, -100)``, computed without taking the log of 0."""
    positive = x > 0
    return xp.where(positive, xp.maximum(xp.log(xp.where(positive, x, 1)), -100), -100).astype(x.dtype)


class BinaryCrossEntropy(Function):
    @staticmethod
    def forward(ctx, x, t):
        xp = array_module(x)
        ctx.save_for_backward(x, t)
        return -(t * _clamped_log_array(xp, x) + (1 - t) * _clamped_log_array(xp, 1 - x))

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad
        gx = grad * (x - t) / clamp_min(x * (1 - x), 1e-12) if need_x else None
        gt = grad * (log(1 - x) - log(x)) if need_t else None  # -logit(x), unclamped as in PyTorch
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """``-w·(t·log x + (1 - t)·log(1 - x))`` for probabilities ``x`` in [0, 1]; each log is clamped at
    -100, as PyTorch does, so that x = 0 or 1 gives a finite loss."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"binary_cross_entropy: using a target size ({tuple(target.shape)}) that is different to the "
            f"input size ({tuple(input.shape)}) is deprecated. Please ensure they have the same size."
        )
    for name, t in (("input", input), ("target", target)):
        data = t._data
        if not ((data >= 0) & (data <= 1)).all():
            raise LossValueError(
                f"binary_cross_entropy: all elements of {name} should be between 0 and 1 (got values from "
                f"{float(data.min())} to {float(data.max())}); for raw scores (logits) use "
                "binary_cross_entropy_with_logits"
            )
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        common_shape("binary_cross_entropy", target=target, weight=weight)
        loss = loss * weight
    return _reduce(loss, reduction)


def _xlogx(t):
    """``t·log t`` with 0·log 0 = 0 (PyTorch's ``xlogy(t, t)``; NaN for t < 0)."""
    zero = t == 0
    return where(zero, 0.0, t * log(where(zero, 1.0, t)))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):  # noqa: A002
    """``target·(log target - input)`` with ``input`` log-probabilities (and ``target`` too when
    ``log_target``); 'batchmean' divides the sum by the batch size, the KL divergence proper."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    elif reduction != "batchmean":
        _legacy_reduction(None, None, reduction)
    common_shape("kl_div", input=input, target=target)
    loss = exp(target) * (target - input) if log_target else _xlogx(target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)


def poisson_nll_loss(
    input,
    target,
    log_input=True,
    full=False,
    size_average=None,
    eps=1e-8,
    reduce=None,
    reduction="mean",
):
    """``exp(input) - target·input`` (``input - target·log(input + eps)`` when not ``log_input``); ``full``
    adds Stirling's ``t·log t - t + 0.5·log(2πt)`` where the target is above 1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    common_shape("poisson_nll_loss", input=input, target=target)
    loss = exp(input) - target * input if log_input else input - target * log(input + eps)
    if full:
        above = target > 1
        safe = where(above, target, 2.0)  # keeps the masked-out entries' gradient 0, not NaN
        stirling = safe * log(safe) - safe + 0.5 * log(2 * math.pi * safe)
        loss = loss + where(above, stirling, 0.0)
    return _reduce(loss, reduction)


def _variance(input, var):  # noqa: A002
    """``var`` shaped to broadcast with ``input`` by PyTorch's rules (one dim short, or one size-1 dim)."""
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError(f"gaussian_nll_loss: var has negative entry/entries (var={var})")
        return input.new_full(tuple(input.shape), float(var))
    if (var._data < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    shape, var_shape = tuple(input.shape), tuple(var.shape)
    if var_shape == shape:
        return var
    if shape[:-1] == var_shape:
        return var.unsqueeze(-1)
    if len(var_shape) == len(shape) and sum(v for s, v in zip(shape, var_shape) if s != v) == 1:
        return var
    raise ValueError(
        f"gaussian_nll_loss: var is of incorrect size {var_shape} for input of shape {shape}; expected "
        f"{shape}, {shape[:-1]} or the input's shape with one dimension of size 1"
    )


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    """``0.5·(log var + (input - target)²/var)`` (+ 0.5·log 2π when ``full``), ``var`` clamped below at
    ``eps``. As in PyTorch, the clamp happens outside autograd: var's gradient ignores it."""
    var = _variance(input, var)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"gaussian_nll_loss: {reduction} is not valid (expected 'none', 'mean' or 'sum')")
    common_shape("gaussian_nll_loss", input=input, target=target, var=var)
    var = where(var >= eps, var, var - var.detach() + eps)
    d = input - target
    loss = 0.5 * (log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """``log(1 + exp(-target·input))`` for targets ±1, computed as ``-logsigmoid(target·input)``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    common_shape("soft_margin_loss", input=input, target=target)
    return _reduce(-logsigmoid(target * input), reduction)


METHODS = {}
