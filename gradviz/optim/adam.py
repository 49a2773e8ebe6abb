"""Adam: momentum on the gradient plus a per-coordinate step size from its running second moment."""

import math

from ..creation import zeros_like
from ..ops.unary import maximum
from .optimizer import Optimizer, adam_family_defaults, step_counter

__all__ = ["Adam", "adam_update"]


class Adam(Optimizer):
    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        maximize=False,
        decoupled_weight_decay=False,
    ):
        defaults = adam_family_defaults(
            type(self).__name__,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        state = {"step": step_counter(), "exp_avg": zeros_like(param), "exp_avg_sq": zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_like(param)
        return state

    def _update(self, param, grad, state, group):
        adam_update(
            param, grad, state, **self._options(group), decoupled_weight_decay=group["decoupled_weight_decay"]
        )

    @staticmethod
    def _options(group):
        """The arguments of the update rule from one parameter group (``betas`` split into two)."""
        beta1, beta2 = group["betas"]
        return dict(
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            amsgrad=group["amsgrad"],
        )


def adam_update(
    param, grad, state, lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled_weight_decay=False
):
    """One Adam step for one parameter θ with gradient g (λ = weight_decay)::

        t ← t + 1
        g ← g + λ·θ                         (L2 penalty; with decoupled_weight_decay θ ← θ − lr·λ·θ instead)
        m ← β1·m + (1 − β1)·g               (state['exp_avg'])
        v ← β2·v + (1 − β2)·g²              (state['exp_avg_sq'])
        v_max ← max(v_max, v)               (amsgrad only, state['max_exp_avg_sq']; then v_max replaces v)
        θ ← θ − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)

    The two bias corrections undo the pull of the zero-initialised averages towards 0 in early steps.
    """
    state["step"] += 1
    step = state["step"].item()
    if weight_decay != 0:
        if decoupled_weight_decay:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = grad.add(param, alpha=weight_decay)
    exp_avg = state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
    exp_avg_sq = state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    second_moment = exp_avg_sq
    if amsgrad:
        second_moment = state["max_exp_avg_sq"].copy_(maximum(state["max_exp_avg_sq"], exp_avg_sq))
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    denominator = (second_moment.sqrt() / math.sqrt(bias_correction2)).add_(eps)
    param.addcdiv_(exp_avg, denominator, value=-lr / bias_correction1)
