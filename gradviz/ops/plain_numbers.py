"""``gradviz.add(1, 2)`` as ``torch.add(1, 2)``: PyTorch's arithmetic functions take two plain numbers and
compute as if the first were a 0-d tensor (``tensor(3)``, ``div(5, 2)`` is ``tensor(2.5)``). Only these
module-level functions do; the Tensor operators keep their own path, which never meets two numbers."""

import numbers
from functools import wraps

from ..autograd.tensor import Tensor
from . import arithmetic, rounding

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide"]


def _number_first(op):
    @wraps(op)
    def function(input, other, **kwargs):  # noqa: A002 - PyTorch's argument name
        if isinstance(input, numbers.Number) and not isinstance(other, Tensor):
            from ..creation import tensor  # gradviz.creation imports the ops

            input = tensor(input)
        return op(input, other, **kwargs)

    return function


add, sub, mul, div, divide, true_divide = (
    _number_first(getattr(arithmetic, name)) for name in ("add", "sub", "mul", "div", "divide", "true_divide")
)
subtract, multiply = sub, mul
floor_divide = _number_first(rounding.floor_divide)
