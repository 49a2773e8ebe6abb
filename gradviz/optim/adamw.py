"""AdamW: Adam whose weight decay shrinks the weights directly instead of entering the gradient."""

from .adam import Adam, adam_update

__all__ = ["AdamW", "adamw_update"]


class AdamW(Adam):
    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
    ):
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True
        )

    def _update(self, param, grad, state, group):
        adamw_update(param, grad, state, **self._options(group))


def adamw_update(param, grad, state, lr, beta1, beta2, eps, weight_decay, amsgrad):
    """One AdamW step for one parameter θ with gradient g (λ = weight_decay)::

        θ ← θ − lr·λ·θ                      (decay the weights, outside the adaptive moments)
        then the Adam step with g unchanged (see ``adam_update``):
        m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
        θ ← θ − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)

    Unlike Adam's L2 penalty, the decay is not divided by √v, so every weight shrinks at the same rate.
    """
    adam_update(param, grad, state, lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled_weight_decay=True)
