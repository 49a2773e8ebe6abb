"""``gradviz.linalg``, as ``torch.linalg``: vector norms and the cross product (along the last dim by
default, where ``gradviz.cross`` takes the first dim of size 3, as ``torch.cross``)."""

from .ops import products
from .ops.norms import vector_norm

__all__ = ["vector_norm", "cross"]


def cross(input, other, *, dim=-1):  # noqa: A002 - PyTorch's argument names
    return products.cross(input, other, dim)
