"""Rprop: each coordinate keeps its own step size, grown while its gradient keeps its sign and shrunk
when the sign flips; only the gradient's sign is used, not its size."""

from ..creation import full_like, zeros_like
from .optimizer import Optimizer, check_non_negative, step_counter

__all__ = ["Rprop", "rprop_update"]


class Rprop(Optimizer):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False):
        check_non_negative("Rprop", lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Rprop: invalid eta values: {etas[0]}, {etas[1]} (need 0 < eta- < 1 < eta+)")
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        return {"step": step_counter(), "prev": zeros_like(param), "step_size": full_like(param, group["lr"])}

    def _update(self, param, grad, state, group):
        rprop_update(param, grad, state, *group["etas"], *group["step_sizes"])


def rprop_update(param, grad, state, eta_minus, eta_plus, step_size_min, step_size_max):
    """One Rprop step for one parameter θ with gradient g, per coordinate::

    s ← s·η+ if g·g_prev > 0,  s·η− if g·g_prev < 0,  s if either is 0;  s clamped to [s_min, s_max]
    g ← 0 where the sign flipped (no step there this time)
    θ ← θ − sign(g)·s,   g_prev ← g            (s: state['step_size'], g_prev: state['prev'])
    """
    state["step"] += 1
    agreement = (grad * state["prev"]).sign()
    factor = agreement.clone()
    factor[agreement > 0] = eta_plus
    factor[agreement < 0] = eta_minus
    factor[agreement == 0] = 1.0
    step_size = state["step_size"].mul_(factor).clamp_(step_size_min, step_size_max)
    grad = grad.clone()
    grad[agreement < 0] = 0
    param.addcmul_(grad.sign(), step_size, value=-1)
    state["prev"].copy_(grad)
