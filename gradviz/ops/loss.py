"""Losses: ``cross_entropy`` (= ``log_softmax`` + ``nll_loss``, as the course teaches), ``nll_loss``,
``mse_loss``, ``l1_loss`` and ``binary_cross_entropy_with_logits``, with PyTorch's reductions, class
weights, ``ignore_index`` and label smoothing.

``nll_loss`` is one fused op (it is a weighted pick of one log-probability per sample); the rest are
composed from gradviz ops, so every input gets its gradient and second derivatives come for free.
"""

import warnings

from ..autograd.function import Function
from ..autograd.tensor import wrap
from ..backend import array_module
from ..errors import DtypeError, IndexOutOfRangeError, ShapeError
from .activation import log_softmax, logsigmoid
from .unary import abs

__all__ = ["nll_loss", "cross_entropy", "mse_loss", "l1_loss", "binary_cross_entropy_with_logits"]

_REDUCTIONS = ("none", "mean", "sum")


def _class_dim(input):  # noqa: A002 - PyTorch's argument name
    return 0 if input.ndim == 1 else 1


def _sample_weights(target, weight, ignore_index, dtype):
    """Per-sample weight ``weight[target]`` (1 without weights), 0 where the target is ignored, and the
    target with ignored entries replaced by class 0 so that it can index."""
    xp = array_module(target)
    valid = target != ignore_index
    safe = xp.where(valid, target, 0)
    weights = valid.astype(dtype) if weight is None else weight[safe] * valid
    return weights, safe


class NllLoss(Function):
    @staticmethod
    def forward(ctx, logp, target, weight, ignore_index, reduction):
        xp = array_module(logp)
        weights, safe = _sample_weights(target, weight, ignore_index, logp.dtype)
        ctx.index = _target_entries(xp, safe)
        losses = -(logp[ctx.index] * weights)
        if reduction == "mean":
            total = weights.sum()
            weights = weights / xp.where(total == 0, 1, total)  # all ignored: NaN loss, zero gradient
        ctx.weights = weights
        if reduction == "none":
            return losses
        return losses.sum() / total if reduction == "mean" else losses.sum()

    @staticmethod
    def backward(ctx, grad):
        logp = ctx.inputs[0]
        xp = array_module(grad._data)
        picks = xp.zeros(logp._data.shape, dtype=logp._data.dtype)
        picks[ctx.index] = -ctx.weights
        if grad.ndim:
            grad = grad.reshape(_with_class_dim(grad.shape))
        return wrap(picks) * grad, None, None, None, None


def _target_entries(xp, safe):
    """The advanced index of each sample's (and position's) target-class entry of the log-probabilities:
    ``logp[index]`` has the target's shape. Cheaper than ``take_along_axis`` by a factor of four."""
    if safe.ndim == 0:
        return (safe,)
    grids = [
        xp.arange(size).reshape((size,) + (1,) * (safe.ndim - 1 - d)) for d, size in enumerate(safe.shape)
    ]
    return (grids[0], safe, *grids[1:])


def _with_class_dim(shape):
    """A per-sample shape with a size-1 class dimension, to broadcast along the classes."""
    return shape[:1] + (1,) + shape[1:]


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{reduction} is not a valid value for reduction (expected 'none', 'mean' or 'sum')"
            )
        return reduction
    warnings.warn(
        "size_average and reduce args will be deprecated, please use reduction= instead.", stacklevel=3
    )
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _check_class_target(op, input, target, weight, ignore_index):  # noqa: A002
    shape, target_shape = input._data.shape, target._data.shape
    if not shape:
        raise ShapeError(
            f"{op}: expected an input of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor"
        )
    expected = () if len(shape) == 1 else shape[:1] + shape[2:]
    if target._data.dtype.name not in ("int64", "uint8"):
        raise DtypeError(
            f"{op}: class-index targets must be int64 (or uint8, as PyTorch's Long or Byte), got "
            f"{target.dtype} with shape {target_shape}; convert with target.long(), or for class "
            f"probabilities pass a float target of the input's shape {shape} to cross_entropy"
        )
    if target_shape != expected:
        raise ShapeError(
            f"{op}: input of shape {shape} needs a class-index target of shape {expected}, got {target_shape}"
        )
    classes = shape[_class_dim(input)]
    if weight is not None and weight._data.shape != (classes,):
        raise ShapeError(
            f"{op}: weight has shape {weight._data.shape}; expected one weight per class, shape ({classes},)"
        )
    t = target._data
    bad = ((t < 0) | (t >= classes)) & (t != ignore_index)
    if bad.any():
        raise IndexOutOfRangeError(
            f"{op}: target {int(t[bad][0])} is out of bounds for {classes} classes; class indices must be in "
            f"[0, {classes - 1}] (or equal ignore_index={ignore_index})"
        )


def nll_loss(
    input,  # noqa: A002
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_class_target("nll_loss", input, target, weight, ignore_index)
    return NllLoss.apply(input, target, weight, ignore_index, reduction)


def _per_class(weight, logp):
    """A (C,) weight shaped to broadcast along the class dim of ``logp``."""
    return weight if logp.ndim <= 2 else weight.reshape((-1,) + (1,) * (logp.ndim - 2))


def _smoothing_term(logp, target, weight, ignore_index, reduction):
    """PyTorch's label-smoothing part: the (weighted) sum of -log p over all classes per sample."""
    dim = _class_dim(logp)
    smooth = -(logp if weight is None else logp * _per_class(weight, logp)).sum(dim)
    weights, _ = _sample_weights(
        target._data, None if weight is None else weight._data, ignore_index, logp._data.dtype
    )
    smooth = smooth * wrap(target._data != ignore_index)
    if reduction != "mean":
        return _reduce(smooth, reduction)
    total = weights.sum()
    # all ignored: nll_loss's part already makes the mean NaN; dividing by 1, not 0, keeps the gradient 0
    return smooth.sum() / wrap(array_module(total).where(total == 0, 1, total))


def _probability_cross_entropy(logp, target, weight, reduction, label_smoothing):
    dim = _class_dim(logp)
    classes = logp.shape[dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = logp * target
    if weight is not None:
        terms = terms * _per_class(weight, logp)
    loss = -terms.sum(dim)
    if reduction == "mean":
        return loss.sum() / (logp.numel() // classes)
    return _reduce(loss, reduction)


def cross_entropy(
    input,  # noqa: A002
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing=0.0,
):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    dim = _class_dim(input)
    if target._data.shape == input._data.shape:
        if target._data.dtype.kind != "f":
            raise DtypeError(
                f"cross_entropy: a target of the input's shape {tuple(input.shape)} holds class "
                f"probabilities and must be floating point, got {target.dtype}; for class indices pass a "
                f"target without the class dimension"
            )
        return _probability_cross_entropy(log_softmax(input, dim), target, weight, reduction, label_smoothing)
    _check_class_target("cross_entropy", input, target, weight, ignore_index)
    logp = log_softmax(input, dim)
    loss = NllLoss.apply(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return loss
    smooth = _smoothing_term(logp, target, weight, ignore_index, reduction)
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / input.shape[dim])


def _check_pointwise(op, input, target, weight):  # noqa: A002
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"{op}: using a target size ({tuple(target.shape)}) that is different to the input size "
            f"({tuple(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError(
            f"{op}: weight of shape {tuple(weight.shape)} and input of shape {tuple(input.shape)} must have "
            "the same size"
        )


def _weighted_reduce(error, weight, reduction):
    if weight is None:
        return _reduce(error, reduction)
    error = error * weight
    return error.sum() / weight.sum() if reduction == "mean" else _reduce(error, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):  # noqa: A002
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_pointwise("mse_loss", input, target, weight)
    diff = input - target
    return _weighted_reduce(diff * diff, weight, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):  # noqa: A002
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_pointwise("l1_loss", input, target, weight)
    return _weighted_reduce(abs(input - target), weight, reduction)


def binary_cross_entropy_with_logits(
    input,  # noqa: A002
    target,
    weight=None,
    size_average=None,
    reduce=None,
    reduction="mean",
    pos_weight=None,
):
    """``(1 - t)·x - (1 + (pos_weight - 1)·t)·log σ(x)``: stable for any logit, since log σ is."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"binary_cross_entropy_with_logits: target size ({tuple(target.shape)}) must be the same as "
            f"input size ({tuple(input.shape)})"
        )
    log_weight = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    loss = (1 - target) * input - log_weight * logsigmoid(input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


METHODS = {}
