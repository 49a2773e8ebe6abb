"""Reductions: sum, mean, max/min (with indices), amax/amin, var/std, logsumexp, argmax/argmin."""

__all__ = []

METHODS = {}
