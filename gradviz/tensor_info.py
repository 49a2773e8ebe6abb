"""Questions about a tensor as functions, as PyTorch has them: ``is_tensor``, ``numel``,
``is_floating_point``."""

from .autograd.tensor import Tensor


def is_tensor(obj):
    """True if ``obj`` is a gradviz tensor (a ``Parameter`` too); a numpy array is not."""
    return isinstance(obj, Tensor)


def _tensor(op, input):  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(input).__name__}")
    return input


def numel(input):  # noqa: A002 - PyTorch's argument name
    """The number of elements of ``input``."""
    return _tensor("numel", input).numel()


def is_floating_point(input):  # noqa: A002
    """True if ``input``'s dtype is a floating point type (float16, float32, float64)."""
    return _tensor("is_floating_point", input).is_floating_point()
