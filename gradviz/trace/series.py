"""Per-step series with bounded memory: a table of steps × named columns that thins its past.

The newest ``max_steps // 2`` steps (at least) stay at full resolution. Older steps are thinned to an
even grid over the whole run: the steps whose ordinal (0 for the first step appended) is a multiple of
a stride, which doubles whenever the older part holds more than ``max_steps // 4`` of them (as
TensorBoard's downsampling keeps even coverage). So a long run costs O(max_steps) per column however
long it trains, appending is amortised O(1) per column (the table is compacted once every
``max_steps // 4`` appends or more), the recent past stays sharp and the whole history stays visible at
a grain that coarsens evenly as the run grows.
"""

import math

import numpy as np


class SeriesStore:
    def __init__(self, max_steps=10_000):
        if max_steps < 4:
            raise ValueError(f"max_steps must be at least 4, got {max_steps}")
        self.max_steps = max_steps
        self.steps = []
        self.ordinals = []  # the append count of each kept step: the grid older steps are thinned on
        self.columns = {}
        self.stride = 1
        self.appended = 0

    def append(self, step, values):
        """Add one step's values (a mapping column -> float); missing columns read as NaN."""
        length = len(self.steps)
        self.steps.append(step)
        self.ordinals.append(self.appended)
        self.appended += 1
        columns = self.columns
        for key, value in values.items():
            column = columns.get(key)
            if column is None:
                column = columns[key] = [math.nan] * length
            column.append(value)
        if len(values) != len(columns):
            for column in columns.values():
                if len(column) == length:
                    column.append(math.nan)
        if len(self.steps) > self.max_steps:
            self._thin()

    def _thin(self):
        """Keep the newest ``max_steps // 2`` rows; of the older ones keep those on the stride, doubling
        it until at most ``max_steps // 4`` are left."""
        recent_start = len(self.steps) - self.max_steps // 2
        budget = max(self.max_steps // 4, 1)
        older = self.ordinals[:recent_start]
        keep = [i for i, n in enumerate(older) if n % self.stride == 0]
        while len(keep) > budget:
            self.stride *= 2
            keep = [i for i in keep if older[i] % self.stride == 0]
        keep.extend(range(recent_start, len(self.steps)))
        self.steps = [self.steps[i] for i in keep]
        self.ordinals = [self.ordinals[i] for i in keep]
        for key, column in self.columns.items():
            self.columns[key] = [column[i] for i in keep]

    def column(self, key):
        """(steps, values) as numpy arrays for one column."""
        return np.asarray(self.steps, dtype=np.int64), np.asarray(self.columns.get(key, ()), dtype=np.float64)

    def keys(self):
        return self.columns.keys()

    def __len__(self):
        return len(self.steps)

    def to_arrays(self):
        return {
            "steps": np.asarray(self.steps, dtype=np.int64),
            "ordinals": np.asarray(self.ordinals, dtype=np.int64),
            "thinning": np.asarray([self.stride, self.appended], dtype=np.int64),
        } | {f"column:{i}": np.asarray(v, dtype=np.float64) for i, v in enumerate(self.columns.values())}

    @classmethod
    def from_arrays(cls, max_steps, keys, arrays):
        store = cls(max_steps)
        store.steps = arrays["steps"].tolist()
        store.columns = {key: arrays[f"column:{i}"].tolist() for i, key in enumerate(keys)}
        if "ordinals" in arrays:
            store.ordinals = arrays["ordinals"].tolist()
            store.stride, store.appended = (int(v) for v in arrays["thinning"])
        else:  # a recording saved before the grid was: carry on as if every kept step was appended
            store.ordinals = list(range(len(store.steps)))
            store.appended = len(store.steps)
        return store
