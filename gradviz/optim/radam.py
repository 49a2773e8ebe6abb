"""RAdam: Adam whose adaptive step is switched on gradually, by how reliable the second-moment estimate
is; in the first steps, while it is not, RAdam takes plain momentum steps."""

from ..creation import zeros_like
from .optimizer import Optimizer, adam_family_defaults, step_counter

__all__ = ["RAdam", "radam_update"]


class RAdam(Optimizer):
    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        decoupled_weight_decay=False,
        *,
        maximize=False,
    ):
        defaults = adam_family_defaults(
            "RAdam",
            lr,
            betas,
            eps,
            weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        return {"step": step_counter(), "exp_avg": zeros_like(param), "exp_avg_sq": zeros_like(param)}

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        radam_update(
            param,
            grad,
            state,
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
        )


def radam_update(param, grad, state, lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay):
    """One RAdam step for one parameter θ with gradient g (λ = weight_decay)::

    t ← t + 1
    g ← g + λ·θ                         (decoupled: θ ← θ − lr·λ·θ instead)
    m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
    ρ∞ ← 2/(1 − β2) − 1,   ρₜ ← ρ∞ − 2t·β2ᵗ/(1 − β2ᵗ)   (the length of the average v stands for)
    m̂ ← m / (1 − β1ᵗ)
    if ρₜ > 5:  r ← √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ)),   θ ← θ − lr·m̂·r·√(1 − β2ᵗ)/(√v + ε)
    else:       θ ← θ − lr·m̂
    """
    state["step"] += 1
    step = state["step"].item()
    if weight_decay != 0:
        if decoupled_weight_decay:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = grad.add(param, alpha=weight_decay)
    exp_avg = state["exp_avg"].lerp_(grad, 1 - beta1)
    exp_avg_sq = state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    bias_correction2 = 1 - beta2**step
    corrected = exp_avg / (1 - beta1**step)
    rho_inf = 2 / (1 - beta2) - 1
    rho = rho_inf - 2 * step * beta2**step / bias_correction2
    if rho > 5.0:
        rectification = ((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)) ** 0.5
        adaptive = bias_correction2**0.5 / exp_avg_sq.sqrt().add_(eps)
        param.add_(corrected * lr * adaptive * rectification, alpha=-1.0)
    else:
        param.add_(corrected * lr, alpha=-1.0)
