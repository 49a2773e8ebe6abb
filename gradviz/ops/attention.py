"""scaled_dot_product_attention, composed from differentiable ops so every step shows in the graph."""

__all__ = []

METHODS = {}
