"""Tensor statistics, computed on the tensor's own device and brought to the host once per step.

A :class:`Batch` collects what to measure during a step and computes it at the end without
synchronising per statistic, so a GPU run is not slowed by a round trip per number.
"""

from .. import backend

SATURATION = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
SATURATION_MARGIN = 0.01


class Batch:
    """The tensors to measure this step, computed together at its end: per kind of measurement, all
    tensors are joined into one flat array and reduced segment by segment (a handful of array calls
    per step instead of several per tensor), then every result comes to the host in one transfer."""

    def __init__(self):
        self.requests = {kind: ([], []) for kind in ("norm", "gradient", "activation", "nonfinite")}
        self.saturation = []
        self.aliases = []

    def _add(self, kind, key, data):
        if data.size:
            keys, arrays = self.requests[kind]
            keys.append(key)
            arrays.append(data)

    def norm(self, key, data):
        """The L2 norm under ``key``."""
        self._add("norm", key, data)

    def gradient(self, prefix, data):
        """``grad_norm``, ``grad_mean_abs``, ``grad_max_abs`` under ``prefix``."""
        self._add("gradient", prefix, data)

    def activation(self, prefix, data, op=None):
        """``mean``, ``std``, ``zeros`` (fraction exactly zero: dead ReLU units), ``nonfinite`` (count)
        and, for sigmoid/tanh (``op``), ``saturated``: the fraction near their asymptotes."""
        self._add("activation", prefix, data)
        if op in SATURATION and data.size:
            self.saturation.append(((*prefix, "saturated"), data, SATURATION[op]))

    def nonfinite(self, key, data):
        self._add("nonfinite", key, data)

    def alias(self, prefix, measured_prefix):
        """Report the statistics already requested under ``measured_prefix`` under ``prefix`` too (a
        module's output is often an op's output: measure once)."""
        self.aliases.append((prefix, measured_prefix))

    def compute(self):
        """Every requested statistic as a host float, keyed as requested."""
        keys, values = [], []
        for kind, (kind_keys, arrays) in self.requests.items():
            if arrays:
                _MEASURE[kind](keys, values, kind_keys, *_joined(arrays))
        for key, data, (low, high) in self.saturation:
            margin = SATURATION_MARGIN * (high - low)
            xp = backend.array_module(data)
            keys.append(key)
            values.append(xp.count_nonzero((data < low + margin) | (data > high - margin)) / data.size)
        result = dict(zip(keys, _to_host(values)))
        for prefix, measured in self.aliases:
            depth = len(measured)
            result.update(
                {(*prefix, *k[depth:]): v for k, v in list(result.items()) if k[:depth] == measured}
            )
        return result


def _joined(arrays):
    """One flat float64 array, the start of each segment and each segment's size (host ints)."""
    xp = backend.array_module(arrays[0])
    sizes = [a.size for a in arrays]
    starts = [0]
    for size in sizes[:-1]:
        starts.append(starts[-1] + size)
    joined = xp.concatenate([a.reshape(-1) for a in arrays]).astype("float64", copy=False)
    return joined, starts, xp.asarray(sizes, dtype="float64")


def _sums(values, starts):
    return backend.segment_reduce("add", values, starts)


def _measure_norms(keys, values, names, joined, starts, sizes):
    keys.extend(names)
    values.append(backend.array_module(joined).sqrt(_sums(joined * joined, starts)))


def _measure_gradients(keys, values, prefixes, joined, starts, sizes):
    xp = backend.array_module(joined)
    magnitude = xp.abs(joined)
    for prefix in prefixes:
        keys.extend((*prefix, name) for name in ("grad_norm", "grad_mean_abs", "grad_max_abs"))
    norm = xp.sqrt(_sums(joined * joined, starts))
    columns = (norm, _sums(magnitude, starts) / sizes, backend.segment_reduce("maximum", magnitude, starts))
    values.append(xp.stack(columns, axis=1).reshape(-1))


def _measure_activations(keys, values, prefixes, joined, starts, sizes):
    xp = backend.array_module(joined)
    for prefix in prefixes:
        keys.extend((*prefix, name) for name in ("mean", "std", "zeros", "nonfinite"))
    mean = _sums(joined, starts) / sizes
    variance = xp.maximum(_sums(joined * joined, starts) / sizes - mean * mean, 0)
    zeros = _sums((joined == 0).astype("float64"), starts) / sizes
    nonfinite = _sums((~xp.isfinite(joined)).astype("float64"), starts)
    values.append(xp.stack((mean, xp.sqrt(variance), zeros, nonfinite), axis=1).reshape(-1))


def _measure_nonfinite(keys, values, names, joined, starts, sizes):
    keys.extend(names)
    values.append(_sums((~backend.array_module(joined).isfinite(joined)).astype("float64"), starts))


_MEASURE = {
    "norm": _measure_norms,
    "gradient": _measure_gradients,
    "activation": _measure_activations,
    "nonfinite": _measure_nonfinite,
}


def _to_host(values):
    """Flatten 1-D results and 0-d scalars into one list of floats, one device-to-host copy."""
    if not values:
        return []
    xp = backend.array_module(values[0])
    flat = xp.concatenate([xp.asarray(v, dtype="float64").reshape(-1) for v in values])
    return backend.to_host(flat).tolist()


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
