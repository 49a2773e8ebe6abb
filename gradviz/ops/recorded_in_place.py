"""In-place methods on tensors that take part in the graph, recorded as PyTorch records them.

``y = x * 2; y.mul_(3)`` (or ``h.relu_()``, ``acc.add_(w)`` with ``w`` requiring grad): the op runs out
of place on a stand-in for ``y`` as it was (its node and id, and a copy of its values, so an op whose
gradient needs them, ``pow_``, ``clamp_``, keeps them, as PyTorch's saved original does), its result is
written back into ``y``'s buffer, and ``y`` is rebound to the new node, so later ops and the backward
see the new values and differentiate through both ops (PyTorch's history rebase). Another op that
saved ``y`` itself (``z = y * y; y.exp_()``, or ``y.mul_(y)``) then fails in backward with the in-place
error, as in PyTorch. Refused, with the reason and the fix: a leaf that requires grad (optimizers
write under ``no_grad``) and a view of another tensor (write into the tensor it comes from).

Where nothing needs recording (gradients off, or neither the tensor nor an operand requires grad) the
method runs as before, at the cost of one test.
"""

from ..autograd.grad_mode import state as grad_state
from ..autograd.tensor import Tensor, mark_written
from ..backend import is_view
from ..errors import GraphError
from .indexing import _before_write


def recorded_in_place(name, method, out_of_place):
    """``method`` (the in-place ``name``), recording itself through ``out_of_place`` when needed."""

    def in_place(self, *args, **kwargs):
        if grad_state.enabled and _recorded(self, args, kwargs):
            return _rebased(self, name, out_of_place, args, kwargs)
        return method(self, *args, **kwargs)

    in_place.__name__ = in_place.__qualname__ = name
    in_place.__doc__ = method.__doc__
    return in_place


def _recorded(self, args, kwargs):
    """Whether the write must enter the graph: a float tensor in the graph (not a leaf, which the
    method itself refuses), or an operand that requires grad."""
    if self._data.dtype.kind != "f" or (self._requires_grad and self.grad_fn is None):
        return False
    if self._requires_grad:
        return True
    return any(isinstance(a, Tensor) and a._requires_grad for a in (*args, *kwargs.values()))


def _rebased(self, name, out_of_place, args, kwargs):
    if is_view(self._data):
        raise GraphError(
            f"{name}: writing in place into a view of another tensor is not recorded; apply it to the "
            "tensor the view comes from, or use the out-of-place op"
        )
    before = _before_write(self)
    before._data = self._data.copy()
    result = out_of_place(before, *args, **kwargs)
    if result._data.shape != self._data.shape or result._data.dtype != self._data.dtype:
        raise GraphError(
            f"{name}: the result (shape {tuple(result._data.shape)}, {result.dtype}) does not fit the tensor "
            f"(shape {tuple(self._data.shape)}, {self.dtype}); use the out-of-place op"
        )
    mark_written(self)
    self._data[...] = result._data
    self.grad_fn, self._output_nr, self._id = result.grad_fn, result._output_nr, result._id
    self._requires_grad = True
    # the node's saved output and the recorder's weak references point at ``result``: kept alive by the
    # tensor, with the results of its earlier in-place ops
    previous = getattr(self, "_rebased", None)
    if previous is not None:
        result._rebased = previous
    self._rebased = result
    return self
