"""Tensor statistics, computed on the tensor's own device and brought to the host once per step.

Every function here returns 0-d arrays on the data's device (no synchronisation); :class:`Pending`
collects them during a step and :meth:`Pending.flush` moves them to the host in one transfer, so a GPU
run is not slowed by a round trip per statistic.
"""

from .. import backend

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
    xp = backend.array_module(data)
    return xp.linalg.norm(data.reshape(-1).astype("float64", copy=False))


def gradient_stats(grad):
    xp = backend.array_module(grad)
    magnitude = xp.abs(grad)
    return {"grad_norm": l2_norm(grad), "grad_mean_abs": magnitude.mean(), "grad_max_abs": magnitude.max()}


def nonfinite_count(data):
    xp = backend.array_module(data)
    return data.size - xp.count_nonzero(xp.isfinite(data))


def activation_stats(data, op=None):
    """Mean, std, fraction of exact zeros (dead ReLU units), fraction saturated near the asymptotes of
    sigmoid/tanh (``op`` names the activation), and non-finite count."""
    xp = backend.array_module(data)
    finite = xp.where(xp.isfinite(data), data, 0)
    stats = {
        "mean": finite.mean(),
        "std": finite.std(),
        "zeros": xp.count_nonzero(data == 0) / max(data.size, 1),
        "nonfinite": nonfinite_count(data),
    }
    if op in SATURATION:
        low, high = SATURATION[op]
        margin = SATURATION_MARGIN * (high - low)
        stats["saturated"] = xp.count_nonzero((data < low + margin) | (data > high - margin)) / max(
            data.size, 1
        )
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
