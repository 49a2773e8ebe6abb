"""``dropout``: zero each element with probability ``p`` and scale the rest by ``1/(1-p)``.

The mask is drawn on the host from ``gradviz.random`` (so a seed gives the same mask on every device)
and moved to the input's device.
"""

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import wrap
from ..random import rng

__all__ = ["dropout"]


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


METHODS = {}
