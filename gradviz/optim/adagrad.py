"""Adagrad: each coordinate's step shrinks with the sum of all its past squared gradients."""

from ..creation import full_like
from .optimizer import Optimizer, check_non_negative, step_counter

__all__ = ["Adagrad", "adagrad_update"]


class Adagrad(Optimizer):
    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        *,
        maximize=False,
    ):
        check_non_negative(
            "Adagrad",
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            maximize=maximize,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                self.state[param] = self._init_state(param, group)

    def _init_state(self, param, group):
        """Created for every parameter in the constructor already, as PyTorch does."""
        return {"step": step_counter(), "sum": full_like(param, group["initial_accumulator_value"])}

    def _update(self, param, grad, state, group):
        adagrad_update(
            param,
            grad,
            state,
            lr=group["lr"],
            lr_decay=group["lr_decay"],
            weight_decay=group["weight_decay"],
            eps=group["eps"],
        )


def adagrad_update(param, grad, state, lr, lr_decay, weight_decay, eps):
    """One Adagrad step for one parameter θ with gradient g (λ = weight_decay)::

    t ← t + 1
    g ← g + λ·θ
    η ← lr / (1 + (t − 1)·lr_decay)      (decayed step size)
    s ← s + g²                           (state['sum'], starts at initial_accumulator_value)
    θ ← θ − η · g / (√s + ε)
    """
    state["step"] += 1
    step = state["step"].item()
    if weight_decay != 0:
        grad = grad.add(param, alpha=weight_decay)
    step_size = lr / (1 + (step - 1) * lr_decay)
    state["sum"].addcmul_(grad, grad, value=1)
    param.addcdiv_(grad, state["sum"].sqrt().add_(eps), value=-step_size)
