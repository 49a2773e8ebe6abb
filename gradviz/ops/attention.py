"""``scaled_dot_product_attention``, composed from gradviz ops so that every step (scores, mask,
softmax, dropout, weighted sum) is a node in the graph a student can look at."""

import math

from ..autograd.tensor import wrap
from ..backend import array_module
from ..errors import DtypeError, ShapeError
from .activation import softmax
from .dropout import dropout
from .unary import where

__all__ = ["scaled_dot_product_attention"]


def _masked(scores, keep):
    """``scores`` with -inf wherever the bool array ``keep`` is False (True = takes part, as PyTorch)."""
    return where(wrap(keep), scores, -math.inf)


def _safe_softmax(scores):
    """Softmax over the keys; a query whose every score is -inf attends to nothing and gets zeros (as
    PyTorch), with no NaN in the forward or the backward."""
    dead = (scores._data == -math.inf).all(axis=-1, keepdims=True)
    if not dead.any():
        return softmax(scores, -1)
    dead = wrap(dead)
    return where(dead, 0.0, softmax(where(dead, 0.0, scores), -1))


def _check(query, key, value, attn_mask, is_causal):
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ShapeError("scaled_dot_product_attention: query, key and value need shape (..., L or S, E)")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ShapeError(
            f"scaled_dot_product_attention: query {tuple(query.shape)}, key {tuple(key.shape)} and value "
            f"{tuple(value.shape)} do not fit: query and key need the same last dim E, key and value the "
            "same number of positions S (dim -2)"
        )
    if attn_mask is not None and is_causal:
        raise ValueError(
            "scaled_dot_product_attention: explicit attn_mask should not be set when is_causal=True; "
            "pass one or the other (combine them into one mask yourself if you need both)"
        )
    if attn_mask is not None and attn_mask.dtype.name != "bool" and attn_mask.dtype != query.dtype:
        raise DtypeError(
            f"scaled_dot_product_attention: attn_mask must be bool (True = take part) or a float mask of the "
            f"query's dtype {query.dtype}, got {attn_mask.dtype}"
        )


def _check_mask(attn_mask, scores):
    mask, target = tuple(attn_mask.shape), tuple(scores.shape)
    if len(mask) > len(target) or any(m not in (1, t) for m, t in zip(mask[::-1], target[::-1])):
        raise ShapeError(
            f"scaled_dot_product_attention: attn_mask of shape {mask} does not broadcast to the attention "
            f"scores' shape {target} (batch dims, L queries, S keys); pass a mask of shape "
            f"{target[-2:]} or one whose dims are 1 or equal to the scores' dims"
        )


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None
):
    _check(query, key, value, attn_mask, is_causal)
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale
    if is_causal:
        xp = array_module(query._data)
        scores = _masked(scores, xp.tril(xp.ones(scores.shape[-2:], dtype=bool)))
    if attn_mask is not None:
        _check_mask(attn_mask, scores)
        scores = _masked(scores, attn_mask._data) if attn_mask.dtype.name == "bool" else scores + attn_mask
    weights = _safe_softmax(scores)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights @ value


METHODS = {}
