"""pad."""

__all__ = []

METHODS = {}
