"""``MultiheadAttention``, PyTorch's parameters and semantics, computed with explicit gradviz ops.

Scores ``q @ kᵀ · scale``, masking, softmax, dropout and ``@ v`` are each a node in the graph, so the
attention weights are an ordinary tensor a student can inspect, and they are kept on the module for the
attention widget (``last_attn_weights``).
"""

import math

from ...creation import zeros
from ...errors import DtypeError, ShapeError
from ...ops.activation import softmax
from ...ops.dropout import dropout
from ...ops.indexing import masked_fill
from ...ops.linear import linear
from ...ops.padding import pad
from ...ops.shape import cat, chunk
from .. import init
from ..module import Module
from ..parameter import Parameter
from .linear import Linear

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size ``embed_dim // num_heads``.

    Masks follow PyTorch: a bool ``attn_mask`` or ``key_padding_mask`` is True where attention is
    *not* allowed; a float mask is added to the scores. ``attn_mask`` is (L, S) or (N·num_heads, L, S),
    ``key_padding_mask`` (N, S).

    After every forward, ``last_attn_weights`` holds the attention weights of every head, detached, shape
    (N, num_heads, L, S) (N = 1 for unbatched input), after masking and softmax and before dropout. This
    attribute is what the attention widget (``gradviz.widgets.AttentionView``) and the recorder read.
    """

    def __init__(
        self,
        embed_dim,
        num_heads,
        dropout=0.0,
        bias=True,
        add_bias_kv=False,
        add_zero_attn=False,
        kdim=None,
        vdim=None,
        batch_first=False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(
                f"embed_dim ({embed_dim}) and num_heads ({num_heads}) must be positive, and embed_dim "
                "must be divisible by num_heads"
            )
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        self.add_zero_attn = add_zero_attn
        factory = {"device": device, "dtype": dtype}
        self._register_projections(bias, add_bias_kv, factory)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **factory)
        self.last_attn_weights = None
        self._reset_parameters()

    def _register_projections(self, bias, add_bias_kv, factory):
        e = self.embed_dim
        packed = self._qkv_same_embed_dim
        self.register_parameter("in_proj_weight", Parameter(zeros(3 * e, e, **factory)) if packed else None)
        for name, width in (("q_proj_weight", e), ("k_proj_weight", self.kdim), ("v_proj_weight", self.vdim)):
            self.register_parameter(name, None if packed else Parameter(zeros(e, width, **factory)))
        self.register_parameter("in_proj_bias", Parameter(zeros(3 * e, **factory)) if bias else None)
        for name in ("bias_k", "bias_v"):
            self.register_parameter(name, Parameter(zeros(1, 1, e, **factory)) if add_bias_kv else None)

    def _reset_parameters(self):
        """PyTorch's: Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v."""
        for weight in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if weight is not None:
                init.xavier_uniform_(weight)
        for bias in (self.in_proj_bias, self.out_proj.bias):
            if bias is not None:
                init.zeros_(bias)
        for bias in (self.bias_k, self.bias_v):
            if bias is not None:
                init.xavier_normal_(bias)

    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights=True,
        attn_mask=None,
        average_attn_weights=True,
        is_causal=False,
    ):
        """``is_causal`` is, as in PyTorch, a hint that ``attn_mask`` is the causal mask; the mask is
        what is applied, so it must be given."""
        batched = self._check_inputs(query, key, value, is_causal, attn_mask)
        q, k, v = (self._batch_major(x, batched) for x in self._in_projection(query, key, value))
        if not batched and key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
        if self.bias_k is not None:
            k, v = _with_learned_key(k, self.bias_k), _with_learned_key(v, self.bias_v)
            attn_mask, key_padding_mask = _with_extra_key(attn_mask), _with_extra_key(key_padding_mask)
        q, k, v = (self._split_heads(x) for x in (q, k, v))
        if self.add_zero_attn:
            k, v = _with_zero_key(k), _with_zero_key(v)
            attn_mask, key_padding_mask = _with_extra_key(attn_mask), _with_extra_key(key_padding_mask)
        weights = self._attention_weights(q, k, attn_mask, key_padding_mask)
        self.last_attn_weights = weights.detach()
        weights = dropout(weights, self.dropout, self.training)
        output = self._layout_of_input(self.out_proj(self._merge_heads(weights @ v)), batched)
        if not need_weights:
            return output, None
        if average_attn_weights:
            weights = weights.mean(1)
        return output, weights if batched else weights.squeeze(0)

    # ---- steps ----
    def _in_projection(self, query, key, value):
        """q, k, v projected; self-attention with packed weights is one ``linear`` cut in three."""
        bias = (None,) * 3 if self.in_proj_bias is None else chunk(self.in_proj_bias, 3)
        if not self._qkv_same_embed_dim:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        elif query is key and key is value:
            return chunk(linear(query, self.in_proj_weight, self.in_proj_bias), 3, -1)
        else:
            weights = chunk(self.in_proj_weight, 3)
        return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), weights, bias))

    def _batch_major(self, x, batched):
        """(N, L, E) from (L, N, E), (N, L, E) with batch_first, or unbatched (L, E)."""
        if not batched:
            return x.unsqueeze(0)
        return x if self.batch_first else x.transpose(0, 1)

    def _layout_of_input(self, x, batched):
        """The inverse of ``_batch_major``."""
        if not batched:
            return x.squeeze(0)
        return x if self.batch_first else x.transpose(0, 1)

    def _split_heads(self, x):
        """(N, L, E) to (N, num_heads, L, head_dim)."""
        return x.reshape(x.shape[0], x.shape[1], self.num_heads, self.head_dim).transpose(1, 2)

    def _merge_heads(self, x):
        """(N, num_heads, L, head_dim) back to (N, L, E)."""
        return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], self.embed_dim)

    def _attention_weights(self, q, k, attn_mask, key_padding_mask):
        n, heads, length, keys = q.shape[0], q.shape[1], q.shape[2], k.shape[2]
        scores = (q @ k.transpose(-2, -1)) * (1 / math.sqrt(self.head_dim))
        if attn_mask is not None:
            per_head = attn_mask.ndim == 3
            _check_mask("attn_mask", attn_mask, (n * heads, length, keys) if per_head else (length, keys))
            scores = _apply_mask(scores, attn_mask.reshape(n, heads, length, keys) if per_head else attn_mask)
        if key_padding_mask is not None:
            _check_mask("key_padding_mask", key_padding_mask, (n, keys))
            scores = _apply_mask(scores, key_padding_mask.reshape(n, 1, 1, keys))
        return softmax(scores, -1)

    def _check_inputs(self, query, key, value, is_causal, attn_mask):
        """Whether the input is batched; refuses inconsistent shapes and a causal hint with no mask."""
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                "method `generate_square_subsequent_mask` to create this mask."
            )
        batched = query.ndim == 3
        dims = (self.embed_dim, self.kdim, self.vdim)
        for name, x, dim in zip(("query", "key", "value"), (query, key, value), dims):
            if x.ndim != query.ndim or x.ndim not in (2, 3) or x.shape[-1] != dim:
                layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
                raise ShapeError(
                    f"MultiheadAttention: {name} of shape {tuple(x.shape)} does not fit: expected {layout} "
                    f"batched or (L, E) unbatched for all three, with last dim {dim}"
                )
        if key.shape[:-1] != value.shape[:-1]:
            raise ShapeError(
                f"MultiheadAttention: key {tuple(key.shape)} and value {tuple(value.shape)} must have "
                "the same batch and sequence dims"
            )
        return batched

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"


def _apply_mask(scores, mask):
    """True in a bool mask forbids attention (score -inf); a float mask is added to the scores."""
    return masked_fill(scores, mask, -math.inf) if mask.dtype.name == "bool" else scores + mask


def _with_extra_key(mask):
    """``mask`` with one more key column that takes part (for bias_k/bias_v and add_zero_attn)."""
    return None if mask is None else pad(mask, (0, 1))


def _with_learned_key(x, bias):
    """(N, S, E) with the learned ``bias_k``/``bias_v`` appended as one more position."""
    return cat([x, bias.expand(x.shape[0], 1, -1)], 1)


def _with_zero_key(x):
    """(N, heads, S, head_dim) with one more key of zeros appended (``add_zero_attn``)."""
    return cat([x, zeros(*x.shape[:2], 1, x.shape[3], dtype=x.dtype, device=x.device)], 2)


def _check_mask(name, mask, shape):
    if mask.dtype.name != "bool" and not mask.is_floating_point():
        raise DtypeError(
            f"MultiheadAttention: only bool and floating types of {name} are supported (bool True = not "
            f"allowed to attend; a float mask is added to the scores), got {mask.dtype}"
        )
    if tuple(mask.shape) != shape:
        raise ShapeError(f"MultiheadAttention: {name} should have shape {shape}, got {tuple(mask.shape)}")
