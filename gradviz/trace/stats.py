"""Tensor statistics, computed on the tensor's own device and brought to the host once per step.

A :class:`Batch` collects what to measure during a step and computes it at the end without
synchronising per statistic, so a GPU run is not slowed by a round trip per number.
"""

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .. import backend

_HOST_TYPES = (np.ndarray, np.generic, float, int)
SATURATION = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
SATURATION_MARGIN = 0.01


class Batch:
    """The tensors to measure this step, computed at its end and fetched in one transfer.

    Each statistic is a BLAS dot product or a single reduction on the tensor itself (no copies, no
    float64 conversion); nothing is brought to the host until every value is computed, so a GPU run
    does not synchronise per number. NaN/Inf are not counted in a pass of their own
    (:func:`_finite_or_count`).
    """

    def __init__(self):
        self.requests = []
        self.aliases = []

    def norm(self, key, data):
        """The L2 norm under ``key``."""
        self.requests.append((_NORM, key, data, None))

    def gradient(self, prefix, data):
        """``grad_norm``, ``grad_mean_abs``, ``grad_max_abs`` under ``prefix``."""
        self.requests.append((_GRADIENT, prefix, data, None))

    def activation(self, prefix, data, op=None):
        """``mean``, ``std``, ``zeros`` (fraction exactly zero: dead ReLU units), ``nonfinite`` (count)
        and, for sigmoid/tanh (``op``), ``saturated``: the fraction near their asymptotes."""
        self.requests.append((_ACTIVATION, prefix, data, op))

    def nonfinite(self, key, data):
        self.requests.append((_NONFINITE, key, data, None))

    def alias(self, prefix, measured_prefix):
        """Report the statistics requested under ``measured_prefix`` under ``prefix`` too (a module's
        output is often an op's output: measure once)."""
        self.aliases.append((prefix, measured_prefix))

    def compute(self):
        """Every requested statistic as a host float, keyed as requested: the reductions run on the
        device, are fetched together, and the few scalar operations that finish each statistic (a
        square root, a division by the size) run on the host."""
        reduced, measured = [], []
        for statistic, key, data, op in self.requests:
            if data.size:
                flat = data.reshape(-1)
                measured.append((statistic, key, flat, op, len(reduced)))
                reduced.extend(statistic.reduce(flat, op))
        host = _to_host(reduced)
        result, spans = {}, {}
        for statistic, key, flat, op, start in measured:
            spans[key] = statistic.finish(result, key, host, start, flat, op)
        for prefix, measured_prefix in self.aliases:
            depth = len(measured_prefix)
            result.update({(*prefix, *k[depth:]): result[k] for k in spans.get(measured_prefix, ())})
        return result


class _Statistic(NamedTuple):
    """``reduce(flat, op)``: the device reductions; ``finish(result, key, host, start, flat, op)``:
    puts the statistics into ``result`` from the fetched reductions at ``host[start:]`` and returns
    their keys."""

    reduce: Callable
    finish: Callable


def _finite_or_count(total, flat):
    """NaN/Inf count from a sum or dot the step computed anyway: finite exactly when every value is
    (or it overflowed), so only a tensor whose total is not finite is counted (a second transfer)."""
    return 0.0 if math.isfinite(total) else float(nonfinite_count(flat))


def _norm_finish(result, key, host, start, flat, op):
    result[key] = math.sqrt(host[start])
    return (key,)


def _gradient_finish(result, prefix, host, start, flat, op):
    squares, total, largest = host[start : start + 3]
    keys = [(*prefix, name) for name in ("grad_norm", "grad_mean_abs", "grad_max_abs")]
    result.update(zip(keys, (math.sqrt(squares), total / flat.size, largest)))
    return keys


def _activation_reduce(flat, op):
    xp = backend.array_module(flat)
    reductions = [flat.sum(dtype="float64"), flat.dot(flat), xp.count_nonzero(flat == 0)]
    if op in SATURATION:
        low, high = SATURATION[op]
        margin = SATURATION_MARGIN * (high - low)
        reductions.append(xp.count_nonzero((flat < low + margin) | (flat > high - margin)))
    return reductions


def _activation_finish(result, prefix, host, start, flat, op):
    size = flat.size
    total, squares, zeros = host[start : start + 3]
    mean = total / size
    names = ["mean", "std", "zeros", "nonfinite"]
    values = [mean, math.sqrt(max(squares / size - mean * mean, 0.0)), zeros / size]
    values.append(_finite_or_count(total, flat))
    if op in SATURATION:
        names.append("saturated")
        values.append(host[start + 3] / size)
    keys = [(*prefix, name) for name in names]
    result.update(zip(keys, values))
    return keys


def _nonfinite_finish(result, key, host, start, flat, op):
    result[key] = _finite_or_count(host[start], flat)
    return (key,)


def _squares(flat, op):
    return (flat.dot(flat),)


def _gradient_reduce(flat, op):
    magnitude = backend.array_module(flat).abs(flat)
    return flat.dot(flat), magnitude.sum(), magnitude.max()


_NORM = _Statistic(_squares, _norm_finish)
_GRADIENT = _Statistic(_gradient_reduce, _gradient_finish)
_ACTIVATION = _Statistic(_activation_reduce, _activation_finish)
_NONFINITE = _Statistic(_squares, _nonfinite_finish)


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
    """(counts, edges) as host arrays, over the range of the finite values (binned on the device)."""
    xp = backend.array_module(data)
    values = data.reshape(-1)
    finite = xp.isfinite(values)
    if not finite.all():
        values = values[finite]
    if values.size == 0:
        values = xp.zeros(1, dtype=data.dtype)
    counts, edges = xp.histogram(values, bins=bins)
    return backend.to_host(counts), backend.to_host(edges)
