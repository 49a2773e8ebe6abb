"""Adamax: Adam with the infinity norm in place of the second moment: each coordinate's step is divided
by a decaying maximum of its past gradient magnitudes."""

from ..creation import zeros_like
from ..ops.unary import maximum
from .optimizer import Optimizer, adam_family_defaults, step_counter

__all__ = ["Adamax", "adamax_update"]


class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False):
        defaults = adam_family_defaults("Adamax", lr, betas, eps, weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        return {"step": step_counter(), "exp_avg": zeros_like(param), "exp_inf": zeros_like(param)}

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        adamax_update(param, grad, state, group["lr"], beta1, beta2, group["eps"], group["weight_decay"])


def adamax_update(param, grad, state, lr, beta1, beta2, eps, weight_decay):
    """One Adamax step for one parameter θ with gradient g (λ = weight_decay)::

    t ← t + 1
    g ← g + λ·θ
    m ← β1·m + (1 − β1)·g               (state['exp_avg'])
    u ← max(β2·u, |g| + ε)              (state['exp_inf'])
    θ ← θ − lr/(1 − β1ᵗ) · m / u
    """
    state["step"] += 1
    step = state["step"].item()
    if weight_decay != 0:
        grad = grad.add(param, alpha=weight_decay)
    exp_avg = state["exp_avg"].lerp_(grad, 1 - beta1)
    exp_inf = state["exp_inf"].copy_(maximum(state["exp_inf"].mul_(beta2), grad.abs().add_(eps)))
    param.addcdiv_(exp_avg, exp_inf, value=-lr / (1 - beta1**step))
