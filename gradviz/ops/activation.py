"""Activations and normalised exponentials: gelu, leaky_relu, softmax, log_softmax."""

__all__ = []

METHODS = {}
