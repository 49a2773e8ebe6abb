"""Transformer layers and stacks, PyTorch's names, submodules, arguments and semantics.

An encoder layer is self-attention then a feed-forward block, each wrapped in a residual connection and
layer norm (after the sum by default, before the block with ``norm_first``). A decoder layer adds, between
the two, cross-attention whose queries come from the decoder and keys/values from the encoder's memory.
"""

import copy
import math

from ...creation import arange, zeros
from ...ops.activation import gelu
from ...ops.unary import relu
from .. import init
from ..containers import ModuleList
from ..module import Module
from .attention import MultiheadAttention
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm

__all__ = [
    "Transformer",
    "TransformerEncoder",
    "TransformerDecoder",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
    "generate_square_subsequent_mask",
]


def generate_square_subsequent_mask(sz, device=None, dtype=None):
    """A float (sz, sz) mask: 0 on and below the diagonal, -inf above it (position i cannot see j > i)."""
    positions = arange(sz, device=device)
    future = positions.unsqueeze(0) > positions.unsqueeze(1)
    return zeros(sz, sz, dtype=dtype, device=device).masked_fill(future, -math.inf)


def _activation(activation):
    if activation == "relu":
        return relu
    if activation == "gelu":
        return gelu
    if callable(activation):
        return activation
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class _TransformerLayer(Module):
    """What both layers share, registered in PyTorch's order (so state_dict keys come out the same): the
    attentions, the feed-forward block, one norm and one dropout per residual block, the activation."""

    def __init__(
        self,
        attentions,
        d_model,
        nhead,
        dim_feedforward,
        dropout,
        activation,
        layer_norm_eps,
        batch_first,
        norm_first,
        bias,
        device,
        dtype,
    ):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        for name in attentions:
            attention = MultiheadAttention(
                d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **factory
            )
            self.add_module(name, attention)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        for block in range(1, len(attentions) + 2):
            self.add_module(f"norm{block}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        for block in range(1, len(attentions) + 2):
            self.add_module(f"dropout{block}", Dropout(dropout))
        self.activation = _activation(activation)

    def _residual(self, x, norm, block):
        """``x + block(norm(x))`` with ``norm_first``, else ``norm(x + block(x))`` (post-norm)."""
        if self.norm_first:
            return x + block(norm(x))
        return norm(x + block(x))

    @staticmethod
    def _attention_block(attention, dropout, memory, mask, key_padding_mask, is_causal):
        """``x ↦ dropout(attention(x, memory, memory))``; self-attention when ``memory`` is None."""

        def block(x):
            source = x if memory is None else memory
            options = {"key_padding_mask": key_padding_mask, "attn_mask": mask, "is_causal": is_causal}
            return dropout(attention(x, source, source, need_weights=False, **options)[0])

        return block

    def _feed_forward_block(self, dropout):
        return lambda x: dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_TransformerLayer):
    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation=relu,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        options = (dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias)
        super().__init__(("self_attn",), d_model, nhead, *options, device, dtype)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        attend = self._attention_block(
            self.self_attn, self.dropout1, None, src_mask, src_key_padding_mask, is_causal
        )
        x = self._residual(src, self.norm1, attend)
        return self._residual(x, self.norm2, self._feed_forward_block(self.dropout2))


class TransformerDecoderLayer(_TransformerLayer):
    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation=relu,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        options = (dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias)
        super().__init__(("self_attn", "multihead_attn"), d_model, nhead, *options, device, dtype)

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=False,
        memory_is_causal=False,
    ):
        """Masked self-attention over the target, then cross-attention: queries from the target, keys
        and values from the encoder's ``memory``; then the feed-forward block."""
        attend_self = self._attention_block(
            self.self_attn, self.dropout1, None, tgt_mask, tgt_key_padding_mask, tgt_is_causal
        )
        attend_memory = self._attention_block(
            self.multihead_attn, self.dropout2, memory, memory_mask, memory_key_padding_mask, memory_is_causal
        )
        x = self._residual(tgt, self.norm1, attend_self)
        x = self._residual(x, self.norm2, attend_memory)
        return self._residual(x, self.norm3, self._feed_forward_block(self.dropout3))


def _clones(layer, num_layers):
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` in ``layers``, then ``norm`` if given.

    ``enable_nested_tensor`` and ``mask_check`` select PyTorch fast paths gradviz does not have; they are
    accepted and kept so that PyTorch code runs unchanged.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """``is_causal`` is PyTorch's hint that ``mask`` is the causal mask: the mask is always what is
        applied, so the hint only asks that a mask be given (as PyTorch's attention does)."""
        output = src
        for layer in self.layers:
            output = layer(
                output, src_mask=mask, is_causal=bool(is_causal), src_key_padding_mask=src_key_padding_mask
            )
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Module):
    """``num_layers`` deep copies of ``decoder_layer`` in ``layers``, then ``norm`` if given."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        output = tgt
        for layer in self.layers:
            output = layer(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """The encoder-decoder of "Attention is all you need": ``encoder`` and ``decoder`` stacks, each ending
    in a LayerNorm; every weight matrix Xavier-uniform initialised, as PyTorch."""

    def __init__(
        self,
        d_model=512,
        nhead=8,
        num_encoder_layers=6,
        num_decoder_layers=6,
        dim_feedforward=2048,
        dropout=0.1,
        activation=relu,
        custom_encoder=None,
        custom_decoder=None,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        options = (dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias)
        if custom_encoder is None:
            layer = TransformerEncoderLayer(d_model, nhead, *options, **factory)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            custom_encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is None:
            layer = TransformerDecoderLayer(d_model, nhead, *options, **factory)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            custom_decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self.encoder = custom_encoder
        self.decoder = custom_decoder
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first
        self._reset_parameters()

    def _reset_parameters(self):
        for param in self.parameters():
            if param.ndim > 1:
                init.xavier_uniform_(param)

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)

    def forward(
        self,
        src,
        tgt,
        src_mask=None,
        tgt_mask=None,
        memory_mask=None,
        src_key_padding_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        src_is_causal=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )
