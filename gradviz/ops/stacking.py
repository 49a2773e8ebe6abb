"""Tensors assembled from others: the stacks (``hstack``, ``vstack``/``row_stack``, ``dstack``,
``column_stack``), ``atleast_1d``/``2d``/``3d``, ``block_diag``, ``diag_embed``, ``diagflat``,
``meshgrid``, ``cartesian_prod`` and ``take``. Each is made of reshapes, concatenation, expansion,
indexing and the diagonal embedding, so its gradient is theirs."""

from ..errors import DtypeError, ShapeError
from .arguments import normalize_dim
from .broadcast import expand
from .rearrange import diag
from .shape import _checked_tensors, cat, flatten, reshape, stack
from .tensor_first import require_tensor
from .views import DiagonalEmbed

__all__ = [
    "hstack",
    "vstack",
    "row_stack",
    "dstack",
    "column_stack",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "block_diag",
    "diag_embed",
    "diagflat",
    "meshgrid",
    "cartesian_prod",
    "take",
]


def hstack(tensors):
    """Concatenate along dim 1 (dim 0 for 1-D tensors); 0-D tensors count as 1-D."""
    tensors = [t if t._data.ndim else reshape(t, (1,)) for t in _checked_tensors("hstack", tensors)]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    """Concatenate along dim 0, 0-D and 1-D tensors made into one-row matrices first."""
    tensors = _checked_tensors("vstack", tensors)
    return cat([t if t._data.ndim >= 2 else reshape(t, (1, -1)) for t in tensors], 0)


row_stack = vstack


def dstack(tensors):
    """Concatenate along dim 2, each tensor made at least 3-D first (``atleast_3d``)."""
    return cat(atleast_3d(*_checked_tensors("dstack", tensors)), 2)


def column_stack(tensors):
    """Each 0-D or 1-D tensor as a column, then concatenated along dim 1."""
    tensors = _checked_tensors("column_stack", tensors)
    return cat([reshape(t, (-1, 1)) if t._data.ndim < 2 else t for t in tensors], 1)


def _at_least(op, tensors, shape_of):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    out = tuple(reshape(t, shape_of(tuple(t._data.shape))) for t in _checked_tensors(op, tensors))
    return out[0] if len(out) == 1 else out


def atleast_1d(*tensors):
    return _at_least("atleast_1d", tensors, lambda s: s or (1,))


def atleast_2d(*tensors):
    return _at_least("atleast_2d", tensors, lambda s: s if len(s) >= 2 else (1, *(s or (1,))))


def atleast_3d(*tensors):
    """As numpy and PyTorch: a vector (n) becomes (1, n, 1), a matrix (m, n) becomes (m, n, 1)."""
    return _at_least(
        "atleast_3d", tensors, lambda s: s if len(s) >= 3 else ((1, 1, 1), (1, *s, 1), (*s, 1))[len(s)]
    )


def block_diag(*tensors):
    """The tensors (0-D, 1-D as one row, or 2-D) down the diagonal of a matrix, zeros elsewhere."""
    tensors = [
        t if t._data.ndim == 2 else reshape(t, (1, -1)) for t in _checked_tensors("block_diag", tensors)
    ]
    if any(t._data.ndim > 2 for t in tensors):
        shapes = ", ".join(str(tuple(t._data.shape)) for t in tensors)
        raise ShapeError(f"block_diag: expects tensors of at most 2 dimensions, got shapes {shapes}")
    width = sum(t._data.shape[1] for t in tensors)
    rows, start = [], 0
    for t in tensors:
        height, cols = t._data.shape
        rows.append(cat([t.new_zeros(height, start), t, t.new_zeros(height, width - start - cols)], 1))
        start += cols
    return cat(rows, 0)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):  # noqa: A002
    """Each vector along ``input``'s last dim put on a diagonal (``offset`` above the main one) of the
    matrices along the new dims ``dim1`` and ``dim2`` of the result, zeros elsewhere."""
    shape = tuple(input._data.shape)
    ndim = len(shape) + 1
    dim1, dim2 = normalize_dim(dim1, ndim, "diag_embed"), normalize_dim(dim2, ndim, "diag_embed")
    if dim1 == dim2:
        raise ShapeError(f"diag_embed: dim1 and dim2 must differ, both are {dim1}")
    size = (shape[-1] if shape else 1) + abs(offset)
    out_shape = list(shape[:-1])
    for d in sorted((dim1, dim2)):
        out_shape.insert(d, size)
    return DiagonalEmbed.apply(input, tuple(out_shape), offset, dim1, dim2)


def diagflat(input, offset=0):  # noqa: A002
    """The elements of ``input``, flattened, on a diagonal of a square matrix."""
    return diag(flatten(input), offset)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids: output ``i`` holds ``tensors[i]`` along dim ``i`` (dims 0 and 1 swapped with
    ``indexing='xy'``), expanded over the others. PyTorch's default is ``'ij'`` (it warns when
    ``indexing`` is not given; gradviz does not)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    tensors = _checked_tensors("meshgrid", tensors)
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise DtypeError(
            "meshgrid: expects all tensors to have the same dtype, got "
            + ", ".join(str(t.dtype) for t in tensors)
        )
    for i, t in enumerate(tensors):
        if t._data.ndim > 1:
            raise ShapeError(
                f"meshgrid: expects 0-D or 1-D tensors, but tensor {i} has shape {tuple(t.shape)}"
            )
    positions = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        positions[0], positions[1] = 1, 0
    shape = [tensors[p]._data.size for p in positions]  # the swap is its own inverse
    ones = [1] * len(tensors)
    return tuple(
        expand(reshape(t, ones[:pos] + [-1] + ones[pos + 1 :]), shape) for t, pos in zip(tensors, positions)
    )


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, one per row (in order, the last varying
    fastest); one tensor is returned as it is."""
    tensors = _checked_tensors("cartesian_prod", tensors)
    if len(tensors) == 1:
        return tensors[0]
    return stack([flatten(grid) for grid in meshgrid(*tensors, indexing="ij")], 1)


def take(input, index):  # noqa: A002
    """The elements of ``input`` at ``index`` as if it were flattened (the result has ``index``'s
    shape)."""
    require_tensor("take", "index", index)
    return flatten(input)[index]


METHODS = {name: globals()[name] for name in ("diag_embed", "diagflat", "take")}
