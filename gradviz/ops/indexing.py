"""Indexing with ints, slices, integer tensors and boolean masks; masked_fill; gather and index_select."""

__all__ = []

METHODS = {}
