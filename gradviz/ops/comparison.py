"""Comparisons and logical tests (no gradient): eq, ne, lt, le, gt, ge, isnan, isfinite..."""

__all__ = []

METHODS = {}
