"""conv2d by im2col: one matrix product forward, a strided scatter per kernel position backward."""

__all__ = []

METHODS = {}
