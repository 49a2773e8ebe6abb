"""Tensor statistics, computed on the tensor's own device and brought to the host once per step.

A :class:`Batch` collects what to measure during a step and computes it at the end without
synchronising per statistic, so a GPU run is not slowed by a round trip per number.
"""

import math

import numpy as np

from .. import backend

_HOST_TYPES = (np.ndarray, np.generic, float, int)
SATURATION = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
SATURATION_MARGIN = 0.01

SQUARES, SUM, ZEROS, ABS_SUM, ABS_MAX = "squares", "sum", "zeros", "abs_sum", "abs_max"
_JUST_SQUARES = {SQUARES}


class Batch:
    """The tensors to measure this step, computed at its end and fetched in one transfer.

    Every statistic is finished on the host from a few device reductions per tensor (sum of squares,
    sum, count of zeros, sum and max of magnitudes, count near the asymptotes), each a BLAS dot product
    or a single pass over the tensor, with no copies and no float64 conversion. A tensor asked for under
    several keys (an op's output that is also a module's output; an edge's gradient that became a
    parameter's ``.grad``) is reduced once. NaN/Inf are not counted in a pass of their own
    (:func:`_finite_or_count`).
    """

    def __init__(self):
        self.requests = []
        self.tensors = {}
        self.aliases = []
        self.all_finite = True

    def _request(self, finish, key, data, reductions, op=None):
        measured = self.tensors.get(id(data))
        if measured is None:
            measured = self.tensors[id(data)] = _Measured(data)
        measured.wanted.update(reductions)
        self.requests.append((finish, key, measured, op))

    def norm(self, key, data):
        """The L2 norm under ``key``."""
        self._request(_norm, key, data, (SQUARES,))

    def gradient(self, prefix, data):
        """``grad_norm``, ``grad_mean_abs``, ``grad_max_abs`` under ``prefix``."""
        self._request(_gradient, prefix, data, (SQUARES, ABS_SUM, ABS_MAX))

    def activation(self, prefix, data, op=None):
        """``mean``, ``std``, ``zeros`` (fraction exactly zero: dead ReLU units), ``nonfinite`` (count)
        and, for sigmoid/tanh (``op``), ``saturated``: the fraction near their asymptotes."""
        reductions = (SUM, SQUARES, ZEROS, op) if op in SATURATION else (SUM, SQUARES, ZEROS)
        self._request(_activation, prefix, data, reductions, op)

    def nonfinite(self, key, data):
        self._request(_nonfinite, key, data, (SQUARES,))

    def alias(self, prefix, measured_prefix):
        """Report the statistics requested under ``measured_prefix`` under ``prefix`` too (a module's
        output is often an op's output: measure once)."""
        self.aliases.append((prefix, measured_prefix))

    def compute(self):
        """Every requested statistic as a host float, keyed as requested: the reductions run on the
        device, are fetched together, and the few scalar operations that finish each statistic (a
        square root, a division by the size) run on the host. ``all_finite`` then says whether every
        reduction was finite (if not, a NaN/Inf, or an overflow, is somewhere in the step)."""
        slots, reduced = [], []
        for measured in self.tensors.values():
            data, wanted, into = measured.data, measured.wanted, measured.reduced
            if not data.size:
                continue
            flat = data.reshape(-1)
            if wanted == _JUST_SQUARES:  # most tensors (edges, parameters): one dot product
                slots.append((into, SQUARES))
                reduced.append(flat.dot(flat))
                continue
            for name, value in _reductions(flat, wanted):
                slots.append((into, name))
                reduced.append(value)
        host = _to_host(reduced)
        self.all_finite = all(map(math.isfinite, host))
        for (into, name), value in zip(slots, host):
            into[name] = value
        result, spans = {}, {}
        for finish, key, measured, op in self.requests:
            if measured.data.size:
                spans[key] = finish(result, key, measured.reduced, measured.data, op)
        for prefix, measured_prefix in self.aliases:
            depth = len(measured_prefix)
            result.update({(*prefix, *k[depth:]): result[k] for k in spans.get(measured_prefix, ())})
        return result


class _Measured:
    """A tensor to measure: the reductions asked of it, and their host values once computed."""

    __slots__ = ("data", "wanted", "reduced")

    def __init__(self, data):
        self.data = data
        self.wanted = set()
        self.reduced = {}


def _reductions(flat, wanted):
    """(name, device scalar) for each wanted reduction of a flat tensor; sums are dot products with a
    vector of ones (BLAS, several times faster than a reduction)."""
    xp = backend.array_module(flat)
    ones = _ones(flat) if SUM in wanted or ABS_SUM in wanted else None
    if SQUARES in wanted:
        yield SQUARES, flat.dot(flat)
    if SUM in wanted:
        yield SUM, flat.dot(ones)
    if ZEROS in wanted:
        yield ZEROS, xp.count_nonzero(flat == 0)
    if ABS_SUM in wanted:
        magnitude = xp.abs(flat)
        yield ABS_SUM, magnitude.dot(ones)
        yield ABS_MAX, magnitude.max()
    for op in wanted & SATURATION.keys():
        low, high = SATURATION[op]
        margin = SATURATION_MARGIN * (high - low)
        yield op, xp.count_nonzero((flat < low + margin) | (flat > high - margin))


_ONES = {}


def _ones(flat):
    """A vector of ones like ``flat`` (same dtype and device), from a cache grown as needed."""
    key = (flat.dtype, str(backend.device_of(flat)))
    ones = _ONES.get(key)
    if ones is None or ones.size < flat.size:
        ones = _ONES[key] = backend.array_module(flat).ones(max(flat.size, 1024), dtype=flat.dtype)
    return ones[: flat.size]


def _finite_or_count(total, flat):
    """NaN/Inf count from a sum or dot the step computed anyway: finite exactly when every value is
    (or it overflowed), so only a tensor whose total is not finite is counted (a second transfer)."""
    return 0.0 if math.isfinite(total) else float(nonfinite_count(flat))


def _norm(result, key, reduced, data, op):
    result[key] = math.sqrt(reduced[SQUARES])
    return (key,)


def _gradient(result, prefix, reduced, data, op):
    keys = [(*prefix, name) for name in ("grad_norm", "grad_mean_abs", "grad_max_abs")]
    values = (math.sqrt(reduced[SQUARES]), reduced[ABS_SUM] / data.size, reduced[ABS_MAX])
    result.update(zip(keys, values))
    return keys


def _activation(result, prefix, reduced, data, op):
    size = data.size
    total = reduced[SUM]
    mean = total / size
    keys = [(*prefix, "mean"), (*prefix, "std"), (*prefix, "zeros"), (*prefix, "nonfinite")]
    result[keys[0]] = mean
    result[keys[1]] = math.sqrt(max(reduced[SQUARES] / size - mean * mean, 0.0))
    result[keys[2]] = reduced[ZEROS] / size
    result[keys[3]] = _finite_or_count(total, data)
    if op in SATURATION:
        keys.append((*prefix, "saturated"))
        result[keys[-1]] = reduced[op] / size
    return keys


def _nonfinite(result, key, reduced, data, op):
    result[key] = _finite_or_count(reduced[SQUARES], data)
    return (key,)


def _to_host(values):
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
    low, high = _to_host([values.min(), values.max()])
    if not (math.isfinite(low) and math.isfinite(high)):
        values = values[xp.isfinite(values)]
        low, high = _to_host([values.min(), values.max()]) if values.size else (0.0, 0.0)
    if low == high:
        low, high = low - 0.5, high + 0.5
    index = ((values - low) * (bins / (high - low))).astype(np.intp)
    xp.minimum(index, bins - 1, out=index)
    counts = xp.bincount(index, minlength=bins)
    return backend.to_host(counts), np.linspace(low, high, bins + 1)
