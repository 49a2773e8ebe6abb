"""``gradviz.linalg``, as ``torch.linalg``: vector norms."""

from .ops.norms import vector_norm

__all__ = ["vector_norm"]
