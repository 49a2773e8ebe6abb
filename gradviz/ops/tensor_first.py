"""The ``gradviz.`` and ``gradviz.nn.functional`` functions refuse a first argument that is not a
tensor, as PyTorch's do: ``gradviz.exp(1.5)`` is a TypeError naming the function and the argument, not
an AttributeError from inside the op, and ``gradviz.exp(ndarray)`` is refused rather than computed on a
bare array. The Tensor methods and the library's own calls use the functions unchecked."""

import inspect
from functools import wraps

from ..autograd.tensor import Tensor

# PyTorch takes a number as the first operand of these when another operand is a tensor (pow(2, x))
NUMBER_FIRST = frozenset(
    {
        "add",
        "sub",
        "subtract",
        "mul",
        "multiply",
        "div",
        "divide",
        "true_divide",
        "floor_divide",
        "pow",
        "remainder",
        "bitwise_and",
        "bitwise_or",
        "bitwise_xor",
        "xlogy",
        "float_power",
    }
)


# the names a first parameter that must be one tensor goes by (not ``tensors`` or ``equation``)
TENSOR_PARAMETERS = frozenset(
    {"input", "tensor", "x", "y", "a", "A", "logits", "input1", "x1", "query", "anchor"}
)


def tensor_first(name, function):
    """``function`` checking that its first argument is a tensor, or ``function`` itself when that
    argument is something else (``cat(tensors)``, ``einsum(equation, ...)``) or may be a number."""
    parameter = _first_parameter(function)
    if name in NUMBER_FIRST or parameter not in TENSOR_PARAMETERS:
        return function

    @wraps(function)
    def checked(*args, **kwargs):
        if args:
            require_tensor(name, parameter, args[0])
        elif parameter in kwargs:  # else missing: Python's own TypeError says so
            require_tensor(name, parameter, kwargs[parameter])
        return function(*args, **kwargs)

    return checked


def check_exports(namespace):
    """Replace each function ``namespace["__all__"]`` names by :func:`tensor_first`'s checked form."""
    namespace.update({name: tensor_first(name, namespace[name]) for name in namespace["__all__"]})


def require_tensor(op, name, value):
    """``value``, when it is a tensor."""
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__} (as in PyTorch); "
            "make one with gradviz.tensor(...)"
        )
    return value


def _first_parameter(function):
    try:
        return next(iter(inspect.signature(function).parameters), None)
    except (TypeError, ValueError):
        return None
