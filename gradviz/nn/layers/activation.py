"""Activation layers: each forward is one functional op.

``inplace`` is accepted where PyTorch has it and shown in the repr as PyTorch shows it. The result is
computed out of place and written back into the input only where that is safe (the input needs no
recorded gradient: it does not require grad, or gradients are off, as in evaluation); otherwise the
layer returns a new tensor and leaves its input as it was, so that an op that saved that input as its
output (batch norm's x̂, without affine) keeps it for its backward (``x = layer(x)`` gives the same
values either way). The Tensor methods (``x.relu_()``) do write in place, recorded.
"""

from ... import creation
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


class _Pointwise(Module):
    """An activation whose forward is ``function(input)`` and nothing else."""

    function = None

    def forward(self, input):  # noqa: A002 - PyTorch's argument name
        return self.function(input)


class Sigmoid(_Pointwise):
    function = staticmethod(F.sigmoid)


class Tanh(_Pointwise):
    function = staticmethod(F.tanh)


class _InPlaceable(Module):
    """An activation ``function(input, inplace=...)`` with no other argument."""

    function = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return self.function(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_InPlaceable):
    function = staticmethod(F.relu)


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.leaky_relu(input, self.negative_slope, self.inplace)

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


class Softmax2d(Module):
    """Softmax over the channels of each position: dim -3 of a (C, H, W) or (N, C, H, W) input."""

    def forward(self, input):  # noqa: A002
        if input.ndim not in (3, 4):
            raise ValueError(
                f"Softmax2d: expected a 3-D or 4-D input (C, H, W or N, C, H, W), got {tuple(input.shape)}"
            )
        return F.softmax(input, -3)


class Softmax(_AlongDim):
    function = staticmethod(F.softmax)


class LogSoftmax(_AlongDim):
    function = staticmethod(F.log_softmax)


class SiLU(_InPlaceable):
    function = staticmethod(F.silu)


class SELU(_InPlaceable):
    function = staticmethod(F.selu)


class ReLU6(_InPlaceable):
    function = staticmethod(F.relu6)


class Mish(_InPlaceable):
    function = staticmethod(F.mish)


class Hardsigmoid(_InPlaceable):
    function = staticmethod(F.hardsigmoid)

    def extra_repr(self):  # PyTorch's repr leaves inplace out for these two
        return ""


class Hardswish(Hardsigmoid):
    function = staticmethod(F.hardswish)


class Softsign(_Pointwise):
    function = staticmethod(F.softsign)


class Tanhshrink(_Pointwise):
    function = staticmethod(F.tanhshrink)


class LogSigmoid(_Pointwise):
    function = staticmethod(F.logsigmoid)


class _Configured(Module):
    """An activation ``function(input, *values)``, the values the attributes named in ``arguments`` (PyTorch's
    names, in its order), shown in the repr as PyTorch shows them (``inplace`` only when True)."""

    function = None
    arguments = ()

    def forward(self, input):  # noqa: A002
        return self.function(input, *(getattr(self, name) for name in self.arguments))

    def extra_repr(self):
        shown = ", ".join(f"{name}={getattr(self, name)}" for name in self.arguments if name != "inplace")
        return shown + (", inplace=True" if getattr(self, "inplace", False) else "")


class ELU(_Configured):
    function = staticmethod(F.elu)
    arguments = ("alpha", "inplace")

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace


class CELU(ELU):
    function = staticmethod(F.celu)


class Hardtanh(_Configured):
    function = staticmethod(F.hardtanh)
    arguments = ("min_val", "max_val", "inplace")

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val cannot be greater than max_val, got {min_val} > {max_val}")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace


class Hardshrink(_Configured):
    function = staticmethod(F.hardshrink)
    arguments = ("lambd",)

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    function = staticmethod(F.softshrink)


class Threshold(_Configured):
    function = staticmethod(F.threshold)
    arguments = ("threshold", "value", "inplace")

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace


class Softplus(_Configured):
    function = staticmethod(F.softplus)
    arguments = ("beta", "threshold")

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold


class GLU(_Configured):
    function = staticmethod(F.glu)
    arguments = ("dim",)

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim


class PReLU(Module):
    """``max(0, x) + weight · min(0, x)``: ``weight`` holds one slope, or one per channel (dim 1)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(creation.zeros(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, input):  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Softmin(_AlongDim):
    function = staticmethod(F.softmin)
