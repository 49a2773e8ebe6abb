"""``Parameter``: a tensor a Module owns and an optimizer updates."""

from ..autograd.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default; assigning one to a Module attribute registers it."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            from ..creation import zeros

            data = zeros(0)
        super().__init__(data._data if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
