"""Attach the ops to ``Tensor`` as methods and operators (``x.exp()``, ``x @ w``, ``x[mask]``).

Each op module lists its methods in ``METHODS``; this is the one place they meet the class.
"""

from ..autograd.tensor import Tensor
from . import (
    activation,
    arithmetic,
    binary_math,
    broadcast,
    bucketing,
    comparison,
    contraction,
    conversion,
    derived,
    dropout,
    elementary,
    factories,
    index_writes,
    indexing,
    inplace,
    linalg,
    matrix_algebra,
    more_activations,
    norms,
    pointwise,
    products,
    quantiles,
    rearrange,
    reduction,
    rounding,
    sampling,
    scan,
    scattering,
    shape,
    sorting,
    stacking,
    statistics,
    totals,
    unary,
    views,
)
from .recorded_in_place import recorded_in_place

OP_MODULES = (
    activation,
    arithmetic,
    binary_math,
    broadcast,
    bucketing,
    comparison,
    contraction,
    conversion,
    derived,
    dropout,
    elementary,
    factories,
    index_writes,
    indexing,
    inplace,
    linalg,
    matrix_algebra,
    more_activations,
    norms,
    pointwise,
    products,
    quantiles,
    rearrange,
    reduction,
    rounding,
    sampling,
    scan,
    scattering,
    shape,
    sorting,
    statistics,
    stacking,
    totals,
    unary,
    views,
)


# in-place methods that change a tensor's shape, not its values, or that draw random values
_NOT_REBASED = {"t_", "transpose_", "unsqueeze_", "squeeze_", "requires_grad_", "detach_", "retain_grad"}


def install():
    for module in OP_MODULES:
        for name, method in module.METHODS.items():
            setattr(Tensor, name, method)
    for module in OP_MODULES:
        for name, method in module.METHODS.items():
            if not name.endswith("_") or name.startswith("_") or name in _NOT_REBASED:
                continue
            out_of_place = getattr(Tensor, name[:-1], None)
            if out_of_place is not None:
                setattr(Tensor, name, recorded_in_place(name, method, out_of_place))


install()
