"""linear: x @ W.T + b as one op (one node per layer in the graph)."""

__all__ = []

METHODS = {}
