"""Losses: cross_entropy, nll_loss, mse_loss, l1_loss, binary_cross_entropy_with_logits."""

__all__ = []

METHODS = {}
