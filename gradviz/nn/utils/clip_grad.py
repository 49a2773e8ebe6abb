"""Gradient clipping: cap the gradients' total norm, or each gradient value, in place before a step.

Clipping tames the huge steps a steep cliff in the loss surface would otherwise cause.
"""

from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ...creation import tensor
from ...ops.norms import vector_norm
from ...ops.shape import stack

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their total ``norm_type``-norm is at most ``max_norm``.

    The total norm treats the gradients as one long vector: ‖(‖g₁‖, ‖g₂‖, ...)‖. Each gradient is
    multiplied by min(1, max_norm / (total + 1e-6)), which keeps its direction. Returns the total norm
    (before clipping) as a 0-d tensor; ``norm_type`` is any order of ``linalg.vector_norm`` (``float('inf')``
    for the largest absolute value, 0 for the count of non-zeros). ``foreach`` picks PyTorch's batched
    kernels; there is one implementation here, so it is accepted and changes nothing.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return tensor(0.0)
    with no_grad():
        device = grads[0].device
        total = vector_norm(stack([vector_norm(g, norm_type).to(device) for g in grads]), norm_type)
        if error_if_nonfinite and not bool(total.isfinite()):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                "anyway, set `error_if_nonfinite=False`"
            )
        scale = (float(max_norm) / (total + 1e-6)).clamp(max=1.0)
        for grad in grads:
            grad.mul_(scale.to(grad.device))
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
