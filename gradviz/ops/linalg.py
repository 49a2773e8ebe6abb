"""Matrix products: matmul in its 2-D, batched, broadcast-batch and vector forms."""

__all__ = []

METHODS = {}
