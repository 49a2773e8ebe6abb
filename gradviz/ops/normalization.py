"""layer_norm and batch_norm (with running statistics)."""

__all__ = []

METHODS = {}
