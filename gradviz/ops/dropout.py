"""``dropout``: zero each element with probability ``p`` and scale the rest by ``1/(1-p)``; and the
alpha dropouts of self-normalising (SELU) networks, which set the dropped values to SELU's negative
saturation instead of 0 and then rescale and shift so that a zero-mean, unit-variance input keeps its
mean and variance (``alpha_dropout`` per element, ``feature_alpha_dropout`` per channel).

The mask is drawn on the host from ``gradviz.random`` (so a seed gives the same mask on every device)
and moved to the input's device.
"""

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import wrap
from ..random import rng

__all__ = ["dropout", "alpha_dropout", "feature_alpha_dropout"]

_SELU_SATURATION = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717  # -scale·alpha


class Dropout(Function):
    deterministic = False  # a fresh mask per call: graph passes must never fold or merge it

    @staticmethod
    def forward(ctx, x, p):
        scale = (rng().random(x.shape, dtype="float32") >= p).astype(x.dtype)
        if p < 1:
            scale *= 1 / (1 - p)
        ctx.scale = backend.to_device(scale, backend.device_of(x))
        return x * ctx.scale

    @staticmethod
    def backward(ctx, grad):
        return grad * wrap(ctx.scale), None


def dropout(input, p=0.5, training=True):  # noqa: A002 - PyTorch's argument name
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    return Dropout.apply(input, p)


def alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """a·(x where kept, α′ where dropped) + b, with α′ SELU's negative saturation and a, b chosen so the
    mean and variance of a standardised input are kept."""
    return _alpha_dropout("alpha_dropout", input, p, training, input.shape)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """``alpha_dropout`` of whole channels (dim 1 of a batch (N, C, ...))."""
    return _alpha_dropout(
        "feature_alpha_dropout", input, p, training, (*input.shape[:2], *(1,) * (input.ndim - 2))
    )


def _alpha_dropout(op, input, p, training, mask_shape):  # noqa: A002
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    keep = (rng().random(tuple(mask_shape), dtype="float32") >= p).astype(input._data.dtype)
    keep = wrap(backend.to_device(keep, backend.device_of(input._data)))
    a = ((1 - p) * (1 + p * _SELU_SATURATION**2)) ** -0.5
    b = -a * _SELU_SATURATION * p
    return (input * keep + (1 - keep) * _SELU_SATURATION) * a + b


METHODS = {}
