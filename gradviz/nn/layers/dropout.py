"""``Dropout``: zeroes elements with probability ``p`` in training mode; the identity in eval mode."""

from .. import functional as F
from ..module import Module


class Dropout(Module):
    """``inplace`` is accepted and shown, but the result is computed out of place: gradviz records no
    in-place ops on tensors that take part in the graph, and ``x = dropout(x)`` is the same either way."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):  # noqa: A002 - PyTorch's argument name
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
