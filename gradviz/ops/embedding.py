"""``embedding``: rows of a weight matrix picked by integer indices; ``one_hot``: the same indices as
rows of an identity matrix (what an embedding multiplies, written out).

Its backward is an op of its own (``embedding_backward``, a scatter-add of the gradient rows into a
zero matrix), whose backward is the pick again: both directions stay differentiable.
"""

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import wrap
from ..backend import array_module
from ..errors import DtypeError, IndexOutOfRangeError, ShapeError

__all__ = ["embedding", "one_hot"]


class Embedding(Function):
    @staticmethod
    def forward(ctx, indices, weight, padding_idx):
        ctx.save_for_backward(indices)
        return array_module(weight).take(weight, indices, axis=0)

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_tensors
        weight, padding_idx = ctx.inputs[1:]
        return None, EmbeddingBackward.apply(grad, indices, weight.shape[0], padding_idx), None


class EmbeddingBackward(Function):
    """The padding row's gradient stays zero, as in PyTorch."""

    @staticmethod
    def forward(ctx, grad, indices, num_embeddings, padding_idx):
        xp = array_module(grad)
        out = xp.zeros((num_embeddings,) + grad.shape[indices.ndim :], dtype=grad.dtype)
        backend.scatter_add(out, indices, grad)
        if padding_idx is not None:
            out[padding_idx] = 0
        return out

    @staticmethod
    def backward(ctx, grad_grad):
        indices, padding_idx = ctx.inputs[1], ctx.inputs[3]
        picked = Embedding.apply(indices, grad_grad, padding_idx)
        if padding_idx is not None:
            picked = picked * wrap((indices._data != padding_idx)[..., None])
        return picked, None, None, None


def _first_out_of_range(indices, size):
    """The first index outside ``[0, size)``, or None."""
    out_of_range = (indices < 0) | (indices >= size)
    return int(indices[out_of_range][0]) if out_of_range.any() else None


def _checked_padding_idx(padding_idx, rows):
    if padding_idx is None:
        return None
    if not -rows <= padding_idx < rows:
        raise IndexOutOfRangeError(
            f"embedding: padding_idx={padding_idx} must be within the {rows} rows of weight"
        )
    return padding_idx % rows


def embedding(input, weight, padding_idx=None):  # noqa: A002 - PyTorch's argument name
    if input._data.dtype.kind not in "iu":
        raise DtypeError(
            f"embedding: indices must be an integer tensor (int64 or int32), got {input.dtype}; "
            "convert them with .long()"
        )
    if weight.ndim != 2:
        raise ShapeError(
            f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape {tuple(weight.shape)}"
        )
    rows = weight.shape[0]
    bad = _first_out_of_range(input._data, rows)
    if bad is not None:
        raise IndexOutOfRangeError(
            f"embedding: index {bad} is out of range for a weight with {rows} rows "
            f"(indices must be in [0, {rows - 1}])"
        )
    return Embedding.apply(input, weight, _checked_padding_idx(padding_idx, rows))


class OneHot(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, indices, num_classes):
        xp = array_module(indices)
        return (indices[..., None] == xp.arange(num_classes)).astype(xp.int64)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot rows for integer ``tensor``, with ``num_classes`` columns (-1: its largest
    value + 1), as ``torch.nn.functional.one_hot``."""
    if tensor._data.dtype.kind not in "iu":
        raise DtypeError(
            f"one_hot: needs an integer tensor of class indices, got {tensor.dtype}; use .long()"
        )
    indices = tensor._data
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    bad = _first_out_of_range(indices, num_classes)
    if bad is not None:
        raise IndexOutOfRangeError(
            f"one_hot: class index {bad} is out of range for "
            f"num_classes={num_classes} (indices must be in [0, {num_classes - 1}])"
        )
    return OneHot.apply(tensor, num_classes)


METHODS = {}
