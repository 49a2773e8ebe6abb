"""Per-step series with bounded memory: a table of steps × named columns that thins its past.

While more than ``max_steps`` steps are stored, the older half keeps every second step and the newer
half stays at full resolution, so a long run costs O(max_steps) per column however long it trains, the
recent past stays sharp and the whole history stays visible at coarser grain.
"""

import math

import numpy as np


class SeriesStore:
    def __init__(self, max_steps=10_000):
        if max_steps < 4:
            raise ValueError(f"max_steps must be at least 4, got {max_steps}")
        self.max_steps = max_steps
        self.steps = []
        self.columns = {}

    def append(self, step, values):
        """Add one step's values (a mapping column -> float); missing columns read as NaN."""
        length = len(self.steps)
        self.steps.append(step)
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
        older = len(self.steps) // 2
        keep = list(range(0, older, 2)) + list(range(older, len(self.steps)))
        self.steps = [self.steps[i] for i in keep]
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
        return {"steps": np.asarray(self.steps, dtype=np.int64)} | {
            f"column:{i}": np.asarray(v, dtype=np.float64) for i, v in enumerate(self.columns.values())
        }

    @classmethod
    def from_arrays(cls, max_steps, keys, arrays):
        store = cls(max_steps)
        store.steps = arrays["steps"].tolist()
        store.columns = {key: arrays[f"column:{i}"].tolist() for i, key in enumerate(keys)}
        return store
