"""dropout."""

__all__ = []

METHODS = {}
