"""Stochastic gradient descent, with optional momentum (heavy ball or Nesterov) and weight decay."""

from .optimizer import Optimizer, check_non_negative

__all__ = ["SGD", "sgd_update"]


class SGD(Optimizer):
    def __init__(
        self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False
    ):
        check_non_negative("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires a momentum > 0 and zero dampening "
                f"(got momentum={momentum}, dampening={dampening})"
            )
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        sgd_update(
            param,
            grad,
            state,
            lr=group["lr"],
            momentum=group["momentum"],
            dampening=group["dampening"],
            weight_decay=group["weight_decay"],
            nesterov=group["nesterov"],
        )


def sgd_update(param, grad, state, lr, momentum, dampening, weight_decay, nesterov):
    """One SGD step for one parameter θ with gradient g (λ = weight_decay, μ = momentum, τ = dampening)::

        g ← g + λ·θ                     (weight decay as an L2 penalty)
        b ← g                           on the first step,
        b ← μ·b + (1 − τ)·g             after it            (momentum buffer, state['momentum_buffer'])
        d ← g + μ·b  if nesterov  else  b                   (with momentum; d = g without)
        θ ← θ − lr·d

    Without momentum there is no state.
    """
    if weight_decay != 0:
        grad = grad.add(param, alpha=weight_decay)
    if momentum != 0:
        buffer = state.get("momentum_buffer")
        if buffer is None:
            buffer = state["momentum_buffer"] = grad.clone()
        else:
            buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
        grad = grad.add(buffer, alpha=momentum) if nesterov else buffer
    param.add_(grad, alpha=-lr)
