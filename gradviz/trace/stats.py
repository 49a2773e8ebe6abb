"""Tensor statistics, computed on the tensor's own device and brought to the host once per step.

Every function here returns 0-d arrays on the data's device (no synchronisation); :class:`Pending`
collects them during a step and :meth:`Pending.flush` moves them to the host in one transfer, so a GPU
run is not slowed by a round trip per statistic.
"""

import numpy as np

from .. import backend

_HOST_TYPES = (np.ndarray, np.generic, float, int)
SATURATION = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
SATURATION_MARGIN = 0.01


class Pending:
    def __init__(self):
        self.keys = []
        self.values = []

    def add(self, key, value):
        self.keys.append(key)
        self.values.append(value)

    def add_all(self, prefix, stats):
        for name, value in stats.items():
            self.add((*prefix, name), value)

    def flush(self):
        """All pending statistics as host floats, keyed as added; one transfer per device."""
        if all(isinstance(v, _HOST_TYPES) for v in self.values):
            result = {key: float(value) for key, value in zip(self.keys, self.values)}
            self.keys, self.values = [], []
            return result
        by_module = {}
        for i, value in enumerate(self.values):
            by_module.setdefault(backend.array_module(value), []).append(i)
        result = {}
        for xp, indices in by_module.items():
            host = backend.to_host(xp.stack([xp.asarray(self.values[i], dtype="float64") for i in indices]))
            result.update((self.keys[i], float(v)) for i, v in zip(indices, host))
        self.keys, self.values = [], []
        return result


def l2_norm(data):
    flat = data.reshape(-1)
    return backend.array_module(data).sqrt(flat.dot(flat))


def gradient_stats(grad):
    flat = grad.reshape(-1)
    magnitude = backend.array_module(grad).abs(flat)
    size = max(flat.size, 1)
    return {
        "grad_norm": l2_norm(flat),
        "grad_mean_abs": magnitude.sum() / size,
        "grad_max_abs": magnitude.max(),
    }


def nonfinite_count(data):
    xp = backend.array_module(data)
    return data.size - xp.count_nonzero(xp.isfinite(data))


def activation_stats(data, op=None):
    """Mean, std, fraction of exact zeros (dead ReLU units), NaN/Inf count and, for sigmoid/tanh (``op``),
    the fraction saturated near their asymptotes. One pass each, few temporaries: these run every step.
    Mean and std come from the sum and the sum of squares (NaN when a value is not finite)."""
    xp = backend.array_module(data)
    flat = data.reshape(-1)
    size = max(flat.size, 1)
    mean = flat.sum() / size
    stats = {
        "mean": mean,
        "std": xp.sqrt(xp.maximum(flat.dot(flat) / size - mean * mean, 0)),
        "zeros": xp.count_nonzero(flat == 0) / size,
        "nonfinite": nonfinite_count(flat),
    }
    if op in SATURATION:
        low, high = SATURATION[op]
        margin = SATURATION_MARGIN * (high - low)
        stats["saturated"] = xp.count_nonzero((flat < low + margin) | (flat > high - margin)) / size
    return stats


def histogram(data, bins):
    """(counts, edges) as host arrays, over the range of the finite values (binned on the device)."""
    xp = backend.array_module(data)
    values = data.reshape(-1)
    values = values[xp.isfinite(values)]
    if values.size == 0:
        values = xp.zeros(1, dtype=data.dtype)
    counts, edges = xp.histogram(values, bins=bins)
    return backend.to_host(counts), backend.to_host(edges)
