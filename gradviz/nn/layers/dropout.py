"""``Dropout``: zeroes elements with probability ``p`` in training mode; the identity in eval mode."""

from .. import functional as F
from ..module import Module


class Dropout(Module):
    """``inplace`` is accepted and shown, but the result is computed out of place (as the activation
    layers do where a gradient is recorded): ``x = dropout(x)`` is the same either way."""

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


class Dropout1d(Dropout):
    """Zeroes whole channels of an (N, C, L) or (C, L) input with probability ``p`` in training mode."""

    def forward(self, input):  # noqa: A002
        return F.dropout1d(input, self.p, self.training)


class Dropout2d(Dropout):
    """Zeroes whole channels of an (N, C, H, W) input with probability ``p`` in training mode (a 3-D
    input is read as (N, C, L), with PyTorch's warning)."""

    def forward(self, input):  # noqa: A002
        return F.dropout2d(input, self.p, self.training)


class AlphaDropout(Dropout):
    """Dropout for SELU networks: keeps a standardised input's mean and variance (see
    ``F.alpha_dropout``)."""

    def forward(self, input):  # noqa: A002
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(Dropout):
    def forward(self, input):  # noqa: A002
        return F.feature_alpha_dropout(input, self.p, self.training)
