"""``pad`` with PyTorch's pad tuple (last dim first: ``(left, right, top, bottom, ...)``) and modes
``constant`` (negative widths crop), ``reflect``, ``replicate`` and ``circular``.

A constant pad's backward is a constant pad with the widths negated (crop what was added). The other
modes pick source elements by an index per padded dim; their backward sums the gradient back onto the
picked elements (``pad_backward``), whose own backward is the pick again.
"""

from .. import backend
from ..autograd.function import Function
from ..backend import array_module
from ..errors import ShapeError

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(Function):
    name = "pad"

    @staticmethod
    def forward(ctx, x, widths, value):
        kept = tuple(slice(max(-a, 0), n - max(-b, 0)) for n, (a, b) in zip(x.shape, widths))
        placed = tuple(slice(max(a, 0), max(a, 0) + s.stop - s.start) for s, (a, _) in zip(kept, widths))
        shape = tuple(n + a + b for n, (a, b) in zip(x.shape, widths))
        out = array_module(x).full(shape, value, dtype=x.dtype)
        out[placed] = x[kept]
        return out

    @staticmethod
    def backward(ctx, grad):
        return ConstantPad.apply(grad, tuple((-a, -b) for a, b in ctx.inputs[1]), 0), None, None


def _source_index(xp, n, before, after, mode):
    """For each output position along a dim, the input position it copies."""
    j = xp.arange(-before, n + after)
    if mode == "replicate":
        return xp.clip(j, 0, n - 1)
    if mode == "circular":
        return j % n
    j = abs(j)
    return xp.where(j >= n, 2 * (n - 1) - j, j)


class IndexPadBackward(Function):
    """Adjoint of the picks: sum each output position's gradient onto the input position it copied."""

    name = "pad_backward"

    @staticmethod
    def forward(ctx, grad, picks, shape):
        xp = array_module(grad)
        for axis, index in reversed(picks):
            summed = xp.zeros(grad.shape[:axis] + (shape[axis],) + grad.shape[axis + 1 :], dtype=grad.dtype)
            backend.scatter_add(xp.moveaxis(summed, axis, 0), index, xp.moveaxis(grad, axis, 0))
            grad = summed
        return grad

    @staticmethod
    def backward(ctx, grad_grad):
        return IndexPad.apply(grad_grad, ctx.inputs[1]), None, None


class IndexPad(Function):
    """Pad by picking: ``picks`` holds, per padded axis, the input position each output position copies."""

    name = "pad"

    @staticmethod
    def forward(ctx, x, picks):
        xp = array_module(x)
        for axis, index in picks:
            x = xp.take(x, index, axis=axis)
        return x

    @staticmethod
    def backward(ctx, grad):
        return IndexPadBackward.apply(grad, ctx.inputs[1], ctx.inputs[0].shape), None


def _widths(input, pad):  # noqa: A002 - PyTorch's argument name
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ShapeError(
            f"pad: pad={pad} must hold an even number of values, two (before, after) per padded dim "
            f"starting from the last, for at most the input's {input.ndim} dims"
        )
    pairs = [pad[i : i + 2] for i in range(0, len(pad), 2)][::-1]
    return ((0, 0),) * (input.ndim - len(pairs)) + tuple(pairs)


def _check_index_mode(input, widths, mode, padded):  # noqa: A002
    if padded > 3 or input.ndim not in (padded + 1, padded + 2):
        raise ShapeError(
            f"pad: mode '{mode}' pads the last 1-3 dims of an unbatched or batched input (a pad of "
            f"{2 * padded} values needs a {padded + 1}-D or {padded + 2}-D input), got shape "
            f"{tuple(input.shape)}; use mode='constant' or reshape the input"
        )
    for dim, (n, (before, after)) in enumerate(zip(input.shape, widths)):
        limit = {"reflect": n - 1, "circular": n}.get(mode, float("inf"))
        if min(before, after) < 0 or max(before, after) > limit or n == 0:
            raise ShapeError(
                f"pad: mode '{mode}' needs padding in [0, {limit}] for dim {dim} of size {n} (input shape "
                f"{tuple(input.shape)}), got ({before}, {after})"
            )


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    if mode not in _MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; expected one of {', '.join(_MODES)}")
    widths = _widths(input, pad)
    if mode == "constant":
        if any(n + a + b < 0 for n, (a, b) in zip(input.shape, widths)):
            raise ShapeError(
                f"pad: negative pad={tuple(pad)} crops more than the input shape {tuple(input.shape)}"
            )
        return ConstantPad.apply(input, widths, 0 if value is None else value)
    if value:
        raise ValueError(f"pad: value={value} only applies to mode='constant', not '{mode}'")
    _check_index_mode(input, widths, mode, len(pad) // 2)
    xp = array_module(input._data)
    picks = tuple(
        (axis, _source_index(xp, n, before, after, mode))
        for axis, (n, (before, after)) in enumerate(zip(input.shape, widths))
        if before or after
    )
    return IndexPad.apply(input, picks)


METHODS = {}
