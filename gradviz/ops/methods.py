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


def install():
    for module in OP_MODULES:
        for name, method in module.METHODS.items():
            setattr(Tensor, name, method)


install()
