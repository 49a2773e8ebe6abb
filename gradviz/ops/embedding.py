"""embedding lookup (padding_idx)."""

__all__ = []

METHODS = {}
