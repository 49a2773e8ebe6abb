"""``PositionalEncoding``: the sinusoidal position signal of "Attention is all you need".

Self-attention has no notion of order; adding a different, fixed pattern to each position gives it one.
PyTorch has no such layer (its tutorials define one); this follows the tutorial's, with ``batch_first``.
"""

import math

from ...creation import arange
from ...dtypes import get_default_dtype
from ...ops.shape import stack
from ...ops.unary import cos, exp, sin
from ..module import Module
from .dropout import Dropout

__all__ = ["PositionalEncoding"]


def sinusoidal_table(max_len, d_model, device=None, dtype=None):
    """(max_len, d_model): PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(same angle)."""
    dtype = get_default_dtype() if dtype is None else dtype
    position = arange(max_len, dtype=dtype, device=device).unsqueeze(1)
    frequency = exp(arange(0, d_model, 2, dtype=dtype, device=device) * (-math.log(10000.0) / d_model))
    angle = position * frequency
    return stack([sin(angle), cos(angle)], -1).reshape(max_len, -1)[:, :d_model]


class PositionalEncoding(Module):
    """Adds ``pe[:L]`` to an input of shape (L, N, d_model), (N, L, d_model) with ``batch_first``, or
    unbatched (L, d_model), then applies dropout. ``pe`` is a non-persistent buffer: it moves with
    ``.to()`` but is not saved in the state_dict."""

    def __init__(self, d_model, max_len=5000, dropout=0.0, batch_first=False, device=None, dtype=None):
        super().__init__()
        self.d_model = d_model
        self.max_len = max_len
        self.batch_first = batch_first
        self.dropout = Dropout(dropout)
        self.register_buffer("pe", sinusoidal_table(max_len, d_model, device, dtype), persistent=False)

    def forward(self, x):
        sequence_first = x.ndim == 3 and not self.batch_first
        length = x.shape[0] if sequence_first else x.shape[-2]
        if length > self.max_len or x.shape[-1] != self.d_model:
            raise ValueError(
                f"PositionalEncoding: input of shape {tuple(x.shape)} needs at most {self.max_len} positions "
                f"and last dim d_model={self.d_model}"
            )
        table = self.pe[:length]
        return self.dropout(x + (table.unsqueeze(1) if sequence_first else table))

    def extra_repr(self):
        return f"d_model={self.d_model}, max_len={self.max_len}, batch_first={self.batch_first}"
