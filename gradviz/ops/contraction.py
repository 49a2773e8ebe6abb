"""Einstein summation: ``einsum`` and ``tensordot`` (an einsum whose subscripts are built from ``dims``).

The subscripts are first rewritten with one letter per dimension (``...`` replaced by letters nobody
used, the implicit output made explicit), so forward and backward see the same plain equation. The
gradient of operand ``k`` is again an einsum: the output's gradient contracted with the other operands
onto ``k``'s letters. A letter only ``k`` has was summed away in forward, so its gradient is broadcast
back along it; a letter repeated within ``k`` (``'ii->i'``, a diagonal) gets the gradient put on that
diagonal, zeros elsewhere; a size-1 dimension that was broadcast is summed back.
"""

import string
from collections import Counter

from ..autograd.function import Function
from ..backend import array_module
from ..errors import DtypeError, ShapeError
from .arguments import normalize_dim
from .broadcast import expand, sum_to
from .indexing import IndexPutAdd
from .shape import permute, reshape

__all__ = ["einsum", "tensordot"]


class Einsum(Function):
    """``equation`` is explicit: ``'ij,jk->ik'``, one letter per dimension of every operand."""

    @staticmethod
    def forward(ctx, equation, *arrays):
        dtypes = {a.dtype for a in arrays}
        if len(dtypes) > 1:
            raise DtypeError(
                f"{ctx.name}: all operands must have the same dtype, but got "
                f"{', '.join(str(a.dtype) for a in arrays)}; convert them first, e.g. with .double()"
            )
        ctx.equation = equation
        ctx.save_for_backward(*arrays)
        if len(arrays) == 2:  # each operand serves only the other's gradient, as in matmul
            ctx.saved_for_input = (2, 1)
        return array_module(arrays[0]).einsum(equation, *arrays, optimize=len(arrays) > 1)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        lhs, out = ctx.equation.split("->")
        terms = lhs.split(",")
        sizes = _letter_sizes(terms, [o._data.shape for o in operands])
        grads = [None]
        for k in range(len(terms)):
            needed = ctx.needs_input_grad[k + 1]
            grads.append(_operand_grad(grad, out, terms, operands, k, sizes) if needed else None)
        return tuple(grads)


class Tensordot(Einsum):
    pass


def _operand_grad(grad, out, terms, operands, k, sizes):
    term, shape = terms[k], tuple(operands[k]._data.shape)
    unique = "".join(dict.fromkeys(term))
    others = [j for j in range(len(terms)) if j != k]
    available = set(out).union(*(terms[j] for j in others))
    kept = "".join(c for c in unique if c in available)
    equation = ",".join([out, *(terms[j] for j in others)]) + "->" + kept
    g = Einsum.apply(equation, grad, *(operands[j] for j in others))
    if kept != unique:  # letters only this operand had: the gradient is the same along them
        g = reshape(g, tuple(g._data.shape[kept.index(c)] if c in kept else 1 for c in unique))
    g = expand(g, tuple(sizes[c] for c in unique))
    own = {c: n for c, n in zip(term, shape)}
    g = sum_to(g, tuple(own[c] for c in unique))
    if len(unique) == len(term):
        return g if unique == term else _permuted(g, unique, term)
    # a repeated letter: the gradient sits on the diagonal of those dims, zeros elsewhere
    xp = array_module(g._data)
    ranges = {c: xp.arange(own[c]).reshape([-1 if d == c else 1 for d in unique]) for c in unique}
    return IndexPutAdd.apply(g, shape, tuple(ranges[c] for c in term), False)


def _permuted(g, source, target):
    return permute(g, tuple(source.index(c) for c in target))


def _letter_sizes(terms, shapes):
    """Each letter's size: the largest of its dims (the others must equal it or be 1, broadcast)."""
    sizes = {}
    for term, shape in zip(terms, shapes):
        for c, n in zip(term, shape):
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    return sizes


def _explicit(equation, shapes):
    """``equation`` rewritten with one letter per dimension and an explicit output."""
    text = equation.replace(" ", "")
    bad = set(text) - set(string.ascii_letters) - set(",.->")
    if bad:
        raise ValueError(
            f"einsum: subscripts must be letters a-z, A-Z (with ',', '->' and '...'), but {equation!r} "
            f"contains {''.join(sorted(bad))!r}"
        )
    lhs, arrow, rhs = text.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: the equation {equation!r} has {len(terms)} operand subscripts, but {len(shapes)} "
            "operands were given"
        )
    used = set(text) & set(string.ascii_letters)
    ellipsis = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        letters = len(term) - 3 if "..." in term else len(term)
        if term.count(".") not in (0, 3) or "..." not in term and "." in term:
            raise ValueError(f"einsum: operand {i} subscripts {term!r} have a '.' that is not part of '...'")
        if letters > len(shape) or "..." not in term and letters != len(shape):
            raise ShapeError(
                f"einsum: operand {i} has shape {tuple(shape)} ({len(shape)} dimensions), but its subscripts "
                f"{term!r} name {letters}{' or more' if '...' in term else ''}"
            )
        ellipsis.append(len(shape) - letters if "..." in term else 0)
    spare = [c for c in string.ascii_letters if c not in used][: max(ellipsis, default=0)]
    width = len(spare)
    terms = [t.replace("...", "".join(spare[width - n :])) for t, n in zip(terms, ellipsis)]
    if arrow:
        if rhs.count(".") not in (0, 3):
            raise ValueError(f"einsum: the output subscripts {rhs!r} have a '.' that is not part of '...'")
        out = rhs.replace("...", "".join(spare))
        counts = Counter(out)
        for c in out:
            if counts[c] > 1:
                raise ValueError(f"einsum: output subscript {c!r} appears more than once in {equation!r}")
            if not any(c in t for t in terms):
                raise ValueError(f"einsum: output subscript {c!r} in {equation!r} appears in no operand")
    else:
        counts = Counter("".join(lhs.split(",")).replace(".", ""))
        out = "".join(spare) + "".join(sorted(c for c, n in counts.items() if n == 1))
    _check_sizes(equation, terms, shapes)
    return ",".join(terms) + "->" + out


def _check_sizes(equation, terms, shapes):
    sizes = {}
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        own = {}
        for c, n in zip(term, shape):
            if own.setdefault(c, n) != n:
                raise ShapeError(
                    f"einsum: subscript {c!r} is repeated for operand {i} (shape {tuple(shape)}) but the "
                    f"sizes differ ({own[c]} != {n}) in {equation!r}"
                )
            seen = sizes.setdefault(c, n)
            if seen != n and 1 not in (seen, n):
                listed = ", ".join(str(tuple(s)) for s in shapes)
                raise ShapeError(
                    f"einsum: subscript {c!r} has size {seen} in one operand and {n} in operand {i} of "
                    f"{equation!r} (shapes {listed}); sizes must be equal or 1"
                )
            sizes[c] = n if seen == 1 else seen


def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum('bij,bjk->bik', a, b)``; operands may also come as one list.
    Supports ``...``, an implicit output (the letters used once, sorted), repeated letters within an
    operand (diagonals, traces) and size-1 broadcasting."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: give at least one operand")
    if not isinstance(equation, str):
        raise TypeError(
            f"einsum: the first argument must be the subscripts string, got {type(equation).__name__} "
            "(the sublist format is not supported)"
        )
    return Einsum.apply(_explicit(equation, [o._data.shape for o in operands]), *operands)


def tensordot(a, b, dims=2):
    """Contract ``dims`` dimensions: an int (the last ``dims`` of ``a`` with the first ``dims`` of
    ``b``) or a pair of lists ``([a dims], [b dims])``."""
    a_shape, b_shape = tuple(a._data.shape), tuple(b._data.shape)
    if isinstance(dims, int):
        if not 0 <= dims <= min(len(a_shape), len(b_shape)):
            raise ValueError(
                f"tensordot: dims {dims} must be in 0..{min(len(a_shape), len(b_shape))} for shapes "
                f"{a_shape} and {b_shape}"
            )
        a_dims, b_dims = list(range(len(a_shape) - dims, len(a_shape))), list(range(dims))
    else:
        if len(dims) != 2 or any(isinstance(d, int) for d in dims):
            raise TypeError(
                f"tensordot: dims must be an int or a pair of lists of dims, e.g. ([1], [0]), got {dims!r}"
            )
        a_dims, b_dims = (list(d) for d in dims)
        a_dims = [normalize_dim(d, len(a_shape), "tensordot") for d in a_dims]
        b_dims = [normalize_dim(d, len(b_shape), "tensordot") for d in b_dims]
    if len(a_dims) != len(b_dims) or any(a_shape[i] != b_shape[j] for i, j in zip(a_dims, b_dims)):
        raise ShapeError(
            f"tensordot: cannot contract dims {a_dims} of shape {a_shape} with dims {b_dims} of shape "
            f"{b_shape}; the contracted sizes must match pairwise"
        )
    if len(set(a_dims)) != len(a_dims) or len(set(b_dims)) != len(b_dims):
        raise ValueError(f"tensordot: dims {a_dims} and {b_dims} must not repeat a dimension")
    letters = iter(string.ascii_letters)
    a_term = [next(letters) for _ in a_shape]
    b_term = [next(letters) for _ in b_shape]
    for i, j in zip(a_dims, b_dims):
        b_term[j] = a_term[i]
    out = [c for i, c in enumerate(a_term) if i not in a_dims] + [
        c for j, c in enumerate(b_term) if j not in b_dims
    ]
    return Tensordot.apply(f"{''.join(a_term)},{''.join(b_term)}->{''.join(out)}", a, b)


METHODS = {}
