"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from ..creation import zeros_like
from .optimizer import Optimizer, check_non_negative, step_counter

__all__ = ["RMSprop", "rmsprop_update"]


class RMSprop(Optimizer):
    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        *,
        maximize=False,
    ):
        check_non_negative(
            "RMSprop", lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha
        )
        defaults = dict(
            lr=lr,
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        state = {"step": step_counter(), "square_avg": zeros_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = zeros_like(param)
        return state

    def _update(self, param, grad, state, group):
        rmsprop_update(
            param,
            grad,
            state,
            lr=group["lr"],
            alpha=group["alpha"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum=group["momentum"],
            centered=group["centered"],
        )


def rmsprop_update(param, grad, state, lr, alpha, eps, weight_decay, momentum, centered):
    """One RMSprop step for one parameter θ with gradient g (λ = weight_decay, μ = momentum)::

        t ← t + 1
        g ← g + λ·θ
        v ← α·v + (1 − α)·g²               (state['square_avg'])
        m ← α·m + (1 − α)·g                (state['grad_avg'], only if centered)
        r ← √(v − m²) + ε  if centered  else  √v + ε
        b ← μ·b + g / r;   θ ← θ − lr·b    (with momentum, state['momentum_buffer'])
        θ ← θ − lr · g / r                 (without)

    Centering divides by an estimate of the gradient's standard deviation instead of its RMS.
    """
    state["step"] += 1
    if weight_decay != 0:
        grad = grad.add(param, alpha=weight_decay)
    square_avg = state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    if centered:
        grad_avg = state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
        rms = (square_avg - grad_avg * grad_avg).sqrt_().add_(eps)
    else:
        rms = square_avg.sqrt().add_(eps)
    if momentum > 0:
        buffer = state["momentum_buffer"].mul_(momentum).addcdiv_(grad, rms)
        param.add_(buffer, alpha=-lr)
    else:
        param.addcdiv_(grad, rms, value=-lr)
