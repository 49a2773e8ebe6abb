"""Parameters as one flat vector and back, as ``torch.nn.utils``: the view of a model as a single point
in weight space, which loss-landscape plots and optimizer trajectories are drawn in."""

from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ...errors import DeviceError, ShapeError
from ...ops.shape import cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """One 1-D tensor of every parameter's values, flattened and concatenated in order; differentiable,
    like any ``cat``."""
    flat = [p.reshape(-1) for p in _checked(parameters, "parameters_to_vector")]
    _same_device(flat, "parameters_to_vector")
    return cat(flat)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters (as their data: not recorded)."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        kind = f"a tensor of shape {tuple(vec.shape)}" if isinstance(vec, Tensor) else type(vec).__name__
        raise TypeError(f"vector_to_parameters: expected a 1-D tensor for vec, got {kind}")
    parameters = _checked(parameters, "vector_to_parameters")
    needed = sum(p.numel() for p in parameters)
    if vec.numel() != needed:
        raise ShapeError(
            f"vector_to_parameters: vec has {vec.numel()} elements but the parameters hold {needed}"
        )
    _same_device([vec, *parameters], "vector_to_parameters")
    start = 0
    with no_grad():
        for p in parameters:
            p.copy_(vec[start : start + p.numel()].reshape(p.shape))
            start += p.numel()


def _checked(parameters, op):
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, p in enumerate(parameters):
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: expected tensors, but parameter {i} is {type(p).__name__}")
    return parameters


def _same_device(tensors, op):
    devices = {str(t.device) for t in tensors}
    if len(devices) > 1:
        raise DeviceError(f"{op}: found tensors on {' and '.join(sorted(devices))}; move them to one device")
