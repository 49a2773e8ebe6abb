"""Adadelta: steps scaled by the ratio of two running RMS values, of past updates and of past gradients,
so the step has the units of the parameter and needs almost no learning rate tuning."""

from ..creation import zeros_like
from .optimizer import Optimizer, check_non_negative, step_counter

__all__ = ["Adadelta", "adadelta_update"]


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        check_non_negative("Adadelta", lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho value: {rho} (must be in [0, 1])")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        return {"step": step_counter(), "square_avg": zeros_like(param), "acc_delta": zeros_like(param)}

    def _update(self, param, grad, state, group):
        adadelta_update(
            param,
            grad,
            state,
            lr=group["lr"],
            rho=group["rho"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
        )


def adadelta_update(param, grad, state, lr, rho, eps, weight_decay):
    """One Adadelta step for one parameter θ with gradient g (λ = weight_decay)::

    g ← g + λ·θ
    v ← ρ·v + (1 − ρ)·g²                 (state['square_avg'])
    Δ ← √(u + ε) / √(v + ε) · g          (u: state['acc_delta'], the running mean of Δ²)
    u ← ρ·u + (1 − ρ)·Δ²
    θ ← θ − lr·Δ
    """
    state["step"] += 1
    if weight_decay != 0:
        grad = grad.add(param, alpha=weight_decay)
    square_avg = state["square_avg"].mul_(rho).addcmul_(grad, grad, value=1 - rho)
    delta = state["acc_delta"].add(eps).sqrt_().div_(square_avg.add(eps).sqrt_()).mul_(grad)
    state["acc_delta"].mul_(rho).addcmul_(delta, delta, value=1 - rho)
    param.add_(delta, alpha=-lr)
