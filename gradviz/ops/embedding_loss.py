"""Margin and embedding losses, composed as PyTorch's ATen composes them: ``margin_ranking_loss``,
``hinge_embedding_loss``, ``cosine_embedding_loss`` and ``triplet_margin_loss``. Targets are ±1."""

from ..errors import ShapeError
from .distance import common_shape, pairwise_distance
from .loss import _legacy_reduction, _reduce
from .pointwise import clamp_min
from .unary import minimum, sqrt, where

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss"]

_EPSILON = 1e-12  # PyTorch's, added to the squared magnitudes of cosine_embedding_loss


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -target·(input1 - input2) + margin)``: target 1 asks input1 to rank higher, -1 lower."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise ShapeError(
            "margin_ranking_loss: all input tensors should have the same number of dimensions, got input1 "
            f"{tuple(input1.shape)}, input2 {tuple(input2.shape)}, target {tuple(target.shape)}"
        )
    common_shape("margin_ranking_loss", input1=input1, input2=input2, target=target)
    return _reduce(clamp_min(-target * (input1 - input2) + margin, 0.0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """``input`` where target is 1, ``max(0, margin - input)`` where it is -1 (input: a distance)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    common_shape("hinge_embedding_loss", input=input, target=target)
    margin_part = where(target != 1, clamp_min(margin - input, 0.0), 0.0)
    return _reduce(margin_part + where(target != -1, input, 0.0), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos(x1, x2) - margin)`` where it is -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    dim = target.ndim
    if dim > 1:
        raise ShapeError(
            f"cosine_embedding_loss: expected a 0-d or 1-d target, got shape {tuple(target.shape)} "
            "(multi-target is not supported)"
        )
    if input1.ndim != dim + 1 or input2.ndim != dim + 1:
        raise ShapeError(
            f"cosine_embedding_loss: a {dim}-d target expects {dim + 1}-d inputs, got input1 "
            f"{tuple(input1.shape)} and input2 {tuple(input2.shape)}"
        )
    common_shape("cosine_embedding_loss", input1=input1, input2=input2)
    dot = (input1 * input2).sum(dim)
    magnitudes = ((input1 * input1).sum(dim) + _EPSILON) * ((input2 * input2).sum(dim) + _EPSILON)
    cos = dot / sqrt(magnitudes)
    common_shape("cosine_embedding_loss", cosine=cos, target=target)
    loss = where(target == 1, 1 - cos, 0.0) + where(target == -1, clamp_min(cos - margin, 0.0), 0.0)
    return _reduce(loss, reduction)


def triplet_margin_loss(
    anchor,
    positive,
    negative,
    margin=1.0,
    p=2,
    eps=1e-6,
    swap=False,
    size_average=None,
    reduce=None,
    reduction="mean",
):
    """``max(0, d(anchor, positive) - d(anchor, negative) + margin)`` with d the pairwise p-distance;
    ``swap`` uses the smaller of d(anchor, negative) and d(positive, negative)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ShapeError(
            "triplet_margin_loss: the anchor, positive and negative tensors are expected to have the same "
            f"number of dimensions, got anchor {tuple(anchor.shape)}, positive {tuple(positive.shape)} and "
            f"negative {tuple(negative.shape)}"
        )
    common_shape("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(clamp_min(margin + d_pos - d_neg, 0.0), reduction)


METHODS = {}
