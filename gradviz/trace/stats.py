"""Tensor statistics, computed on the tensor's own device and brought to the host once per step.

A :class:`Batch` collects what to measure during a step and computes it at the end without
synchronising per statistic, so a GPU run is not slowed by a round trip per number.
"""

import math
from functools import partial

import numpy as np

from .. import backend

_HOST_TYPES = (np.ndarray, np.generic, float, int)
SATURATION = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
SATURATION_MARGIN = 0.01

SQUARES, SUM, ZEROS, MAGNITUDE = 1, 2, 4, 8
# E[x²] - E[x]² is trusted while the variance is at least this fraction of E[x²] (a relative error of
# about eps32 / CANCELLATION in the variance); below it the variance is measured around the mean
CANCELLATION = 1e-2


class Batch:
    """The tensors to measure this step, computed at its end and fetched in one transfer.

    Every statistic is finished on the host from a few device reductions per tensor (sum of squares,
    sum, count of zeros, sum and max of magnitudes, count near the asymptotes), each a BLAS dot product
    or a single pass over the tensor, with no float64 conversion. A std computed as E[x²] - E[x]²
    cancels in float32 when the mean is large next to the std (a saturated sigmoid, an output with a
    large offset): only those tensors are measured again around their mean (:func:`_centred`), in a
    second transfer. A tensor asked for under several keys
    (an op's output that is also a module's output; an edge's gradient that became a parameter's
    ``.grad``) is reduced once. NaN/Inf are not counted in a pass of their own
    (:func:`_finite_or_count`).
    """

    def __init__(self):
        self.requests = []
        self.tensors = {}
        self.all_finite = True

    def _request(self, finish, key, data, wanted, saturation=None):
        self.requests.append((finish, key, self._measured(data, wanted, saturation)))

    def _measured(self, data, wanted, saturation=None):
        measured = self.tensors.get(id(data))
        if measured is None:
            measured = self.tensors[id(data)] = _Measured(data)
        measured.wanted |= wanted
        if saturation is not None:
            measured.saturation = saturation
        return measured

    def norm(self, key, data):
        """The L2 norm under ``key``."""
        self._request(_norm, key, data, SQUARES)

    def ratio(self, key, data, reference):
        """``|data| / |reference|`` (L2 norms) under ``key``: the update-to-weight ratio."""
        self._request(partial(_ratio, reference=self._measured(reference, SQUARES)), key, data, SQUARES)

    def gradient(self, prefix, data):
        """``grad_norm``, ``grad_mean_abs``, ``grad_max_abs`` under ``prefix``."""
        self._request(_gradient, prefix, data, SQUARES | MAGNITUDE)

    def activation(self, prefix, data, op=None):
        """``mean``, ``std``, ``zeros`` (fraction exactly zero: dead ReLU units), ``nonfinite`` (count)
        and, for the output of a sigmoid or tanh (``op``), ``saturated``: the fraction near their
        asymptotes. Asking again for the same tensor under another prefix costs no new reduction."""
        self._request(_activation, prefix, data, SQUARES | SUM | ZEROS, SATURATION.get(op))

    def nonfinite(self, key, data):
        self._request(_nonfinite, key, data, SQUARES)

    def compute(self):
        """Every requested statistic as a host float, keyed as requested: the reductions run on the
        device, are fetched together, and the few scalar operations that finish each statistic (a
        square root, a division by the size) run on the host. ``all_finite`` then says whether every
        reduction was finite (if not, a NaN/Inf, or an overflow, is somewhere in the step)."""
        measured = [m for m in self.tensors.values() if m.data.size]
        reduced = []
        for m in measured:
            flat = m.data.reshape(-1)
            if m.wanted == SQUARES:  # most tensors (edges, parameters): one dot product
                reduced.append(flat.dot(flat))
            else:
                reduced.extend(_reductions(flat, m.wanted, m.saturation))
        host = fetch(reduced)
        self.all_finite = math.isfinite(sum(host))
        values = iter(host)
        for m in measured:
            m.squares = next(values)
            if m.wanted != SQUARES:
                m.receive(values)
        _centred([m for m in measured if m.wanted & SUM])
        result = {}
        for finish, key, m in self.requests:
            if m.data.size:
                finish(result, key, m)
        return result


class _Measured:
    """A tensor to measure: the reductions asked of it (``wanted``, and the asymptotes to count values
    near, ``saturation``, for a sigmoid's or tanh's output), and their host values once computed."""

    __slots__ = (
        "data",
        "wanted",
        "saturation",
        "squares",
        "total",
        "mean",
        "variance",
        "zeros",
        "abs_sum",
        "abs_max",
        "saturated",
    )

    def __init__(self, data):
        self.data = data
        self.wanted = 0
        self.saturation = None

    def receive(self, values):
        """Take the host values of the reductions after the sum of squares, in :func:`_reductions`'s
        order."""
        wanted = self.wanted
        if wanted & SUM:
            self.total = next(values)
        if wanted & ZEROS:
            self.zeros = next(values)
        if wanted & MAGNITUDE:
            self.abs_sum = next(values)
            self.abs_max = next(values)
        if self.saturation is not None:
            self.saturated = next(values)


def _reductions(flat, wanted, saturation):
    """The device scalars of the wanted reductions of a flat tensor (the sum of squares first, then in
    :meth:`_Measured.receive`'s order); sums are dot products with a vector of ones (BLAS, several
    times faster than a reduction)."""
    xp = backend.array_module(flat)
    reduced = [flat.dot(flat)]
    if wanted & SUM:
        reduced.append(flat.dot(_ones(flat)))
    if wanted & ZEROS:
        reduced.append(xp.count_nonzero(xp.equal(flat, 0, out=_flags(flat))))
    if wanted & MAGNITUDE:
        magnitude = xp.abs(flat, out=_scratch(flat))
        reduced.append(magnitude.dot(_ones(flat)))
        reduced.append(magnitude.max())
    if saturation is not None:
        low, high = saturation
        margin = SATURATION_MARGIN * (high - low)
        flags = _flags(flat)
        near_low = xp.count_nonzero(xp.less(flat, low + margin, out=flags))
        reduced.append(near_low + xp.count_nonzero(xp.greater(flat, high - margin, out=flags)))
    return reduced


_BUFFERS = {}


def _ones(flat):
    """A vector of ones like ``flat`` (same dtype and device), from a cache grown as needed."""
    return _buffer(flat, "ones", flat.dtype)


def _scratch(flat):
    """A scratch vector like ``flat`` for a reduction's temporary, from a cache grown as needed."""
    return _buffer(flat, "empty", flat.dtype)


def _flags(flat):
    """A scratch boolean vector as long as ``flat``, on its device: a comparison's result, counted."""
    return _buffer(flat, "empty", np.bool_)


def _buffer(flat, fill, dtype):
    key = (fill, dtype, flat.__class__, flat.device)  # numpy 2 and CuPy arrays name their device
    buffer = _BUFFERS.get(key)
    if buffer is None or buffer.size < flat.size:
        make = getattr(backend.array_module(flat), fill)
        buffer = _BUFFERS[key] = make(max(flat.size, 1024), dtype=dtype)
    return buffer[: flat.size]


def _centred(measured):
    """Each tensor's ``variance``: from E[x²] - E[x]² where that does not cancel, else from the values
    less their mean (one more pass, and one more transfer for all such tensors together)."""
    again = []
    for m in measured:
        size = m.data.size
        mean = m.mean = m.total / size
        m.variance = m.squares / size - mean * mean
        if math.isfinite(m.variance) and m.variance < CANCELLATION * (m.squares / size):
            again.append(m)
    if not again:
        return
    reduced = []
    for m in again:
        flat = m.data.reshape(-1)
        xp = backend.array_module(flat)
        m.mean = flat.dtype.type(m.mean)  # the shift, as the device subtracts it
        centred = xp.subtract(flat, m.mean, out=_scratch(flat))
        reduced.extend((centred.dot(centred), centred.dot(_ones(flat))))
    host = iter(fetch(reduced))
    for m in again:
        squares, offset = next(host), next(host) / m.data.size  # offset: the mean's rounding
        m.variance = squares / m.data.size - offset * offset
        m.mean = float(m.mean) + offset


def _finite_or_count(total, flat):
    """NaN/Inf count from a sum or dot the step computed anyway: finite exactly when every value is
    (or it overflowed), so only a tensor whose total is not finite is counted (a second transfer)."""
    return 0.0 if math.isfinite(total) else float(nonfinite_count(flat))


def _norm(result, key, m):
    result[key] = math.sqrt(m.squares)


def _ratio(result, key, m, reference):
    result[key] = math.sqrt(m.squares) / (math.sqrt(reference.squares) + 1e-12)


def _gradient(result, prefix, m):
    result[(*prefix, "grad_norm")] = math.sqrt(m.squares)
    result[(*prefix, "grad_mean_abs")] = m.abs_sum / m.data.size
    result[(*prefix, "grad_max_abs")] = m.abs_max


def _activation(result, prefix, m):
    size = m.data.size
    result[(*prefix, "mean")] = m.mean
    result[(*prefix, "std")] = math.sqrt(max(m.variance, 0.0))
    result[(*prefix, "zeros")] = m.zeros / size
    result[(*prefix, "nonfinite")] = _finite_or_count(m.total, m.data)
    if m.saturation is not None:
        result[(*prefix, "saturated")] = m.saturated / size


def _nonfinite(result, key, m):
    result[key] = _finite_or_count(m.squares, m.data)


def fetch(values):
    """The values as host floats, with one device-to-host copy for device data."""
    if not values or isinstance(values[0], _HOST_TYPES):
        return [float(v) for v in values]
    xp = backend.array_module(values[0])
    return backend.to_host(xp.stack([xp.asarray(v, dtype="float64") for v in values])).tolist()


def nonfinite_count(data):
    xp = backend.array_module(data)
    return data.size - xp.count_nonzero(xp.isfinite(data))


def histogram(data, bins):
    """(counts, edges) as host arrays: ``bins`` equal bins over the range of the finite values, as
    ``numpy.histogram`` (the last bin includes its right edge), counted on the device in one pass."""
    xp = backend.array_module(data)
    values = data.reshape(-1)
    if values.size == 0:
        values = xp.zeros(1, dtype=data.dtype)
    low, high = fetch([values.min(), values.max()])
    if not (math.isfinite(low) and math.isfinite(high)):
        values = values[xp.isfinite(values)]
        low, high = fetch([values.min(), values.max()]) if values.size else (0.0, 0.0)
    if low == high:
        low, high = low - 0.5, high + 0.5
    # positions in float32 at least: ``values - low`` in float16 overflows for a range above 65504
    position = xp.subtract(values, low, dtype=np.result_type(values.dtype, np.float32))
    position *= bins / (high - low)
    counts = backend.to_host(xp.bincount(position.astype(np.int32), minlength=bins + 1))
    counts[bins - 1] += counts[bins:].sum()  # the maximum (and what rounds up to it) is in the last bin
    return counts[:bins], np.linspace(low, high, bins + 1)
