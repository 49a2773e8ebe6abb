"""Views and rearrangements: reshape/view, transpose/permute, squeeze/unsqueeze, flatten, cat/stack, split."""

__all__ = []

METHODS = {}
