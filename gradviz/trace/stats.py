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


class Batch:
    """The tensors to measure this step, computed at its end and fetched in one transfer.

    Each statistic is a BLAS dot product or a single reduction on the tensor itself (no copies, no
    float64 conversion); nothing is brought to the host until every value is computed, so a GPU run
    does not synchronise per number. NaN/Inf are not counted in a pass of their own: a sum or dot the
    step computes anyway is finite exactly when the tensor is (or it overflowed), and only a tensor whose
    probe is not finite is counted, after the fetch (a step with NaN/Inf costs a second transfer).
    """

    def __init__(self):
        self.requests = []
        self.aliases = []

    def norm(self, key, data):
        """The L2 norm under ``key``."""
        self.requests.append((_norm, key, data, None))

    def gradient(self, prefix, data):
        """``grad_norm``, ``grad_mean_abs``, ``grad_max_abs`` under ``prefix``."""
        self.requests.append((_gradient, prefix, data, None))

    def activation(self, prefix, data, op=None):
        """``mean``, ``std``, ``zeros`` (fraction exactly zero: dead ReLU units), ``nonfinite`` (count)
        and, for sigmoid/tanh (``op``), ``saturated``: the fraction near their asymptotes."""
        self.requests.append((_activation, prefix, data, op))

    def nonfinite(self, key, data):
        self.requests.append((_nonfinite, key, data, None))

    def alias(self, prefix, measured_prefix):
        """Report the statistics requested under ``measured_prefix`` under ``prefix`` too (a module's
        output is often an op's output: measure once)."""
        self.aliases.append((prefix, measured_prefix))

    def compute(self):
        """Every requested statistic as a host float, keyed as requested."""
        keys, values, probes, spans = [], [], [], {}
        for measure, key, data, op in self.requests:
            if data.size:
                start = len(keys)
                measure(keys, values, probes, key, data.reshape(-1), op)
                spans[key] = (start, len(keys))
        host = _to_host(values)
        for position, flat in probes:
            host[position] = 0.0 if math.isfinite(host[position]) else float(nonfinite_count(flat))
        result = dict(zip(keys, host))
        for prefix, measured in self.aliases:
            start, end = spans.get(measured, (0, 0))
            depth = len(measured)
            result.update({(*prefix, *k[depth:]): v for k, v in zip(keys[start:end], host[start:end])})
        return result


def _norm(keys, values, probes, key, flat, op):
    keys.append(key)
    values.append(backend.array_module(flat).sqrt(flat.dot(flat)))


def _gradient(keys, values, probes, prefix, flat, op):
    xp = backend.array_module(flat)
    magnitude = xp.abs(flat)
    keys.extend((*prefix, name) for name in ("grad_norm", "grad_mean_abs", "grad_max_abs"))
    values.extend((xp.sqrt(flat.dot(flat)), magnitude.sum() / flat.size, magnitude.max()))


def _activation(keys, values, probes, prefix, flat, op):
    xp = backend.array_module(flat)
    total = flat.sum(dtype="float64")
    mean = total / flat.size
    variance = xp.maximum(flat.dot(flat) / flat.size - mean * mean, 0)
    keys.extend((*prefix, name) for name in ("mean", "std", "zeros", "nonfinite"))
    probes.append((len(values) + 3, flat))
    values.extend((mean, xp.sqrt(variance), xp.count_nonzero(flat == 0) / flat.size, total))
    if op in SATURATION:
        low, high = SATURATION[op]
        margin = SATURATION_MARGIN * (high - low)
        keys.append((*prefix, "saturated"))
        values.append(xp.count_nonzero((flat < low + margin) | (flat > high - margin)) / flat.size)


def _nonfinite(keys, values, probes, key, flat, op):
    keys.append(key)
    probes.append((len(values), flat))
    values.append(flat.dot(flat))


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
    values = values[xp.isfinite(values)]
    if values.size == 0:
        values = xp.zeros(1, dtype=data.dtype)
    counts, edges = xp.histogram(values, bins=bins)
    return backend.to_host(counts), backend.to_host(edges)
