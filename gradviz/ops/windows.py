"""Sliding windows over the last two axes (height, width), shared by convolution and pooling.

``im2col`` turns convolution into one matrix product: every window of the padded input becomes one
column of a (C·kh·kw, N·H'·W') matrix, so ``weight.reshape(O, -1) @ cols`` is the whole convolution.
``col2im`` is its adjoint, the step backward needs: it adds each column back onto the pixels its window
covered, one strided add per kernel position, so pixels shared by overlapping windows accumulate.
"""

import itertools
import math
from typing import NamedTuple

from ..backend import array_module
from ..errors import ShapeError


def pair(value, name, op):
    """``(a, a)`` from an int, ``(a, b)`` from a pair: how PyTorch reads kernel_size, stride, padding."""
    values = (value, value) if isinstance(value, int) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, int) for v in values):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return values


class Windows(NamedTuple):
    """Where the windows of a 2-D op sit; every field is a (height, width) pair."""

    size: tuple
    out: tuple
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple

    @property
    def spans(self):
        """Pixels from a window's first to its last tap, dilation included."""
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, self.kernel))

    @property
    def disjoint(self):
        """Whether no two windows share a pixel (pooling's usual stride = kernel)."""
        return all(s >= span for s, span in zip(self.stride, self.spans))

    @property
    def padded(self):
        """The padded input's size: padding on both sides, more at the end if ceil mode needs it."""
        return tuple(
            max(n + 2 * p, (o - 1) * s + span)
            for n, o, s, p, span in zip(self.size, self.out, self.stride, self.padding, self.spans)
        )


def windows(op, size, kernel, stride, padding, dilation=(1, 1), ceil_mode=False, out=None):
    """The :class:`Windows` of an op on an input of spatial ``size``; ``out`` overrides the output size.

    Output size per axis: ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1, rounded up in
    ceil mode, where PyTorch drops a last window that would start inside the right padding.
    """
    for name, values, low in (("stride", stride, 1), ("padding", padding, 0), ("dilation", dilation, 1)):
        if min(values) < low:
            raise ValueError(f"{op}: {name} must be at least {low}, got {values}")
    spans = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if out is None:
        out = tuple(_out_size(*args, ceil_mode) for args in zip(size, spans, stride, padding))
    if min(out) < 1:
        raise ShapeError(
            f"{op}: the kernel {kernel[0]}x{kernel[1]} (dilation {dilation}, so it spans "
            f"{spans[0]}x{spans[1]}) is larger than the padded input "
            f"{size[0] + 2 * padding[0]}x{size[1] + 2 * padding[1]} (input {size[0]}x{size[1]}, padding "
            f"{padding}); use a smaller kernel or dilation, or more padding"
        )
    return Windows(tuple(size), tuple(out), kernel, stride, padding, dilation)


def _out_size(size, span, stride, padding, ceil_mode):
    room = size + 2 * padding - span
    if room < 0:
        return 0
    out = (math.ceil(room / stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def pad(x, win, fill=0.0):
    """``x`` padded on its last two axes so that every window lies inside it."""
    widths = [(p, total - n - p) for n, p, total in zip(win.size, win.padding, win.padded)]
    if not any(before or after for before, after in widths):
        return x
    xp = array_module(x)
    return xp.pad(x, [(0, 0)] * (x.ndim - 2) + widths, constant_values=fill)


def kernel_slices(win):
    """One (rows, cols) pair of slices per kernel position, row-major: at position (i, j), the pixels of
    the padded input that the windows see, one per window."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = win.kernel, win.stride, win.dilation, win.out
    for i, j in itertools.product(range(kh), range(kw)):
        yield slice(i * dh, i * dh + (oh - 1) * sh + 1, sh), slice(j * dw, j * dw + (ow - 1) * sw + 1, sw)


def im2col(x, win):
    """(N, C, H, W) → (C·kh·kw, N·H'·W'): the windows as columns, built by one copy of a strided view."""
    xp = array_module(x)
    (sh, sw), (dh, dw), (oh, ow) = win.stride, win.dilation, win.out
    view = xp.lib.stride_tricks.sliding_window_view(pad(x, win), win.spans, axis=(2, 3))
    view = view[:, :, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw, ::dh, ::dw]
    return view.transpose(1, 4, 5, 0, 2, 3).reshape(x.shape[1] * win.kernel[0] * win.kernel[1], -1)


def col2im(pieces, win, weights=None):
    """Add windows back onto the image: ``pieces`` yields, per kernel position (row-major), an array
    (..., H', W') of what each window holds there, times its ``weights`` if given (see :func:`weight`).
    Returns (..., H, W), the sum over every window that covers each pixel (padding dropped). Disjoint
    windows (pooling's usual stride = kernel) are written straight into place, without adding."""
    pieces = iter(pieces)
    first = next(pieces)
    xp = array_module(first)
    image = xp.zeros(first.shape[:-2] + win.padded, dtype=first.dtype)
    disjoint = win.disjoint
    for k, ((rows, cols), piece) in enumerate(zip(kernel_slices(win), itertools.chain([first], pieces))):
        target = image[..., rows, cols]
        if weights is None:
            if disjoint:
                target[...] = piece
            else:
                target += piece
        elif disjoint:
            xp.multiply(piece, weight(weights, k), out=target)
        else:
            target += piece * weight(weights, k)
    return unpad(image, win)


def weight(weights, k):
    """The weight of kernel position ``k``: one array shared by all positions, or a tuple of them."""
    return weights[k] if isinstance(weights, tuple) else weights


def unpad(image, win):
    """The image without its padding (a view)."""
    (ph, pw), (h, w) = win.padding, win.size
    return image[..., ph : ph + h, pw : pw + w]
