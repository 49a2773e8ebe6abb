"""Multi-class and multi-label losses on scores, as PyTorch defines them: ``multi_margin_loss`` (the
multi-class hinge: every wrong class should score ``margin`` below the right one),
``multilabel_margin_loss`` (every label of a sample above every non-label) and
``multilabel_soft_margin_loss`` (one logistic loss per class). Compositions of ops, so gradients (and
their subgradients at the hinge) are those of PyTorch."""

from ..autograd.tensor import wrap
from ..backend import array_module
from ..errors import DtypeError, ShapeError
from .activation import logsigmoid
from .loss import _legacy_reduction, _reduce
from .unary import relu, where

__all__ = ["multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss"]


def _scores(op, input, target, target_dims):  # noqa: A002
    """``input`` as (N, C) and ``target`` checked: a (N,) class index (``target_dims`` 1) or a (N, C)
    tensor; a single sample (C,) is a batch of one."""
    one = input.ndim == 1
    scores = input.unsqueeze(0) if one else input
    labels = target.unsqueeze(0) if one and target.ndim == target_dims - 1 else target
    if scores.ndim != 2 or labels.ndim != target_dims or labels.shape[0] != scores.shape[0]:
        raise ShapeError(
            f"{op}: expects an input (N, C) or (C,) and a matching target, got shapes {tuple(input.shape)} "
            f"and {tuple(target.shape)}"
        )
    return scores, labels, one


def multi_margin_loss(
    input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"
):  # noqa: A002
    """Σ over the wrong classes i of w[y] · max(0, margin − x[y] + x[i])^p, divided by C."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p!r}")
    if target._data.dtype.kind not in "iu":
        raise DtypeError(f"multi_margin_loss: the target must hold class indices (int64), got {target.dtype}")
    scores, labels, one = _scores("multi_margin_loss", input, target, 1)
    right = scores.gather(1, labels.unsqueeze(1))
    hinge = relu(scores - right + margin) ** p
    xp = array_module(scores._data)
    is_right = xp.arange(scores.shape[1]) == labels._data[:, None]
    hinge = where(wrap(is_right), 0.0, hinge)
    if weight is not None:
        hinge = hinge * weight[labels].unsqueeze(1)
    loss = hinge.sum(1) / scores.shape[1]
    return _reduce(loss[0] if one else loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """Σ over the labels j and the other classes i of max(0, 1 − (x[j] − x[i])), divided by C; the
    labels of a sample are the class indices in ``target`` before its first −1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if target._data.dtype.kind not in "iu":
        raise DtypeError(
            f"multilabel_margin_loss: the target must hold class indices (int64), got {target.dtype}"
        )
    scores, labels, one = _scores("multilabel_margin_loss", input, target, 2)
    xp = array_module(scores._data)
    indices = labels._data
    listed = xp.cumprod(indices >= 0, axis=1).astype(bool)  # up to the first -1
    classes = scores.shape[1]
    is_label = xp.zeros(scores.shape, dtype=bool)
    rows = xp.broadcast_to(xp.arange(scores.shape[0])[:, None], indices.shape)
    is_label[rows[listed], indices[listed]] = True
    gaps = relu(1 - (scores.unsqueeze(2) - scores.unsqueeze(1)))  # (N, label j, other i)
    counted = wrap(is_label[:, :, None] & ~is_label[:, None, :])
    loss = where(counted, gaps, 0.0).sum((1, 2)) / classes
    return _reduce(loss[0] if one else loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """−mean over classes of w · (y · log σ(x) + (1 − y) · log σ(−x)), one value per sample."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    per_class = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        per_class = per_class * weight
    return _reduce(per_class.mean(-1), reduction)


METHODS = {}
