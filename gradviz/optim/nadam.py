"""NAdam: Adam with Nesterov momentum (each step looks ahead along the momentum it is about to apply),
and a momentum that warms up over the first steps (``momentum_decay``)."""

from ..creation import zeros_like
from .optimizer import Optimizer, adam_family_defaults, check_non_negative, step_counter

__all__ = ["NAdam", "nadam_update"]


class NAdam(Optimizer):
    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        momentum_decay=4e-3,
        decoupled_weight_decay=False,
        *,
        maximize=False,
    ):
        check_non_negative("NAdam", momentum_decay=momentum_decay)
        defaults = adam_family_defaults(
            "NAdam",
            lr,
            betas,
            eps,
            weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        return {
            "step": step_counter(),
            "mu_product": step_counter(1.0),
            "exp_avg": zeros_like(param),
            "exp_avg_sq": zeros_like(param),
        }

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        nadam_update(
            param,
            grad,
            state,
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum_decay=group["momentum_decay"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
        )


def nadam_update(
    param, grad, state, lr, beta1, beta2, eps, weight_decay, momentum_decay, decoupled_weight_decay
):
    """One NAdam step for one parameter θ with gradient g (λ = weight_decay, ψ = momentum_decay)::

        t ← t + 1
        g ← g + λ·θ                         (decoupled: θ ← θ − lr·λ·θ instead)
        μₜ ← β1·(1 − ½·0.96^(t·ψ)),   μₜ₊₁ likewise,   Π ← Π·μₜ   (state['mu_product'])
        m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
        d ← √(v / (1 − β2ᵗ)) + ε
        θ ← θ − lr·(1 − μₜ)/(1 − Π) · g/d − lr·μₜ₊₁/(1 − Π·μₜ₊₁) · m/d

    The last term is the Nesterov look-ahead: the momentum of the next step, applied now.
    """
    state["step"] += 1
    step = state["step"].item()
    if weight_decay != 0:
        if decoupled_weight_decay:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = grad.add(param, alpha=weight_decay)
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
    state["mu_product"] *= mu
    mu_product = state["mu_product"].item()
    exp_avg = state["exp_avg"].lerp_(grad, 1 - beta1)
    exp_avg_sq = state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    denominator = exp_avg_sq.div(1 - beta2**step).sqrt().add_(eps)
    param.addcdiv_(grad, denominator, value=-lr * (1.0 - mu) / (1.0 - mu_product))
    param.addcdiv_(exp_avg, denominator, value=-lr * mu_next / (1.0 - mu_product * mu_next))
