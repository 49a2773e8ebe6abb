"""Gradient clipping: cap the gradients' total norm, or each gradient value, in place before a step.

Clipping tames the huge steps a steep cliff in the loss surface would otherwise cause.
"""

from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ...creation import tensor
from ...ops.norms import vector_norm
from ...ops.shape import stack

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of ``tensors`` taken as one long vector: ‖(‖t₁‖, ‖t₂‖, ...)‖, a 0-d tensor
    (the first half of ``clip_grad_norm_``, as in PyTorch)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else [t for t in tensors if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        return tensor(0.0)
    with no_grad():
        device = tensors[0].device
        total = vector_norm(stack([vector_norm(t, norm_type).to(device) for t in tensors]), norm_type)
    if error_if_nonfinite and not bool(total.isfinite()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
            "anyway, set `error_if_nonfinite=False`"
        )
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients by min(1, max_norm / (total_norm + 1e-6)): the second half of
    ``clip_grad_norm_``, for a total norm computed elsewhere (``get_total_norm``)."""
    grads = _grads(parameters)
    if not grads:
        return
    with no_grad():
        scale = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for grad in grads:
            grad.mul_(scale.to(grad.device))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their total ``norm_type``-norm is at most ``max_norm``.

    The total norm treats the gradients as one long vector: ‖(‖g₁‖, ‖g₂‖, ...)‖. Each gradient is
    multiplied by min(1, max_norm / (total + 1e-6)), which keeps its direction. Returns the total norm
    (before clipping) as a 0-d tensor; ``norm_type`` is any order of ``linalg.vector_norm`` (``float('inf')``
    for the largest absolute value, 0 for the count of non-zeros). ``foreach`` picks PyTorch's batched
    kernels; there is one implementation here, so it is accepted and changes nothing.
    """
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = get_total_norm(_grads(parameters), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient value into [-clip_value, clip_value], in place (``foreach``: as above)."""
    clip_value = float(clip_value)
    with no_grad():
        for grad in _grads(parameters):
            grad.clamp_(min=-clip_value, max=clip_value)


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]
