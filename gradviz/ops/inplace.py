"""In-place updates (add_, mul_, copy_, fill_, uniform_, normal_...) for optimizers and initialisers."""

__all__ = []

METHODS = {}
