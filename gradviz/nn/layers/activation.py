"""Activation layers: each forward is one functional op.

``inplace`` (ReLU, LeakyReLU) is accepted and shown in the repr, but the result is computed out of
place: gradviz records no in-place ops on tensors that take part in the graph, and ``x = relu(x)``
gives the same values either way.
"""

from .. import functional as F
from ..module import Module


class _Pointwise(Module):
    """An activation whose forward is ``function(input)`` and nothing else."""

    function = None

    def forward(self, input):  # noqa: A002 - PyTorch's argument name
        return self.function(input)


class Sigmoid(_Pointwise):
    function = staticmethod(F.sigmoid)


class Tanh(_Pointwise):
    function = staticmethod(F.tanh)


class ReLU(_Pointwise):
    function = staticmethod(F.relu)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class _AlongDim(Module):
    """Softmax and LogSoftmax: ``function(input, dim)``; dim=None keeps PyTorch's deprecated guess."""

    function = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return self.function(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    function = staticmethod(F.softmax)


class LogSoftmax(_AlongDim):
    function = staticmethod(F.log_softmax)
