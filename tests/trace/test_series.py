import numpy as np
import pytest

from gradviz.trace.series import SeriesStore


def test_thinning_keeps_the_whole_history_evenly():
    """A long run keeps steps from every part of the run on an even grid, within the bound, and the
    recent half at full resolution (thinning one old half again and again left almost nothing of the
    first 97% of the run)."""
    store = SeriesStore(1000)
    for i in range(100_000):
        store.append(i, {("loss",): float(i)})
        assert len(store) <= 1000
    steps, values = store.column(("loss",))
    assert steps[0] == 0 and steps[-1] == 99_999 and np.array_equal(steps, values)
    assert np.all(np.diff(steps[-500:]) == 1)
    recent_start = np.flatnonzero(np.diff(steps) != 1)[-1] + 1  # the trailing run at full resolution
    older = steps[:recent_start]
    per_decile, _ = np.histogram(older, bins=9, range=(0, 90_000))
    assert per_decile.min() >= 0.8 * per_decile.max() and per_decile.min() >= 10
    assert len(set(np.diff(older))) == 1  # an even grid


@pytest.mark.parametrize("count", [5, 7, 1000, 1001, 4097])
def test_columns_stay_aligned_with_the_steps(count):
    store = SeriesStore(8)
    for i in range(count):
        values = {("a",): float(i)}
        if i % 3 == 0:
            values[("b",)] = -float(i)
        store.append(i, values)
    steps, a = store.column(("a",))
    _, b = store.column(("b",))
    assert steps[-1] == count - 1 and len(store) <= 8
    assert np.array_equal(a, steps)
    assert np.array_equal(np.isnan(b), steps % 3 != 0)


def test_state_survives_a_round_trip_through_arrays():
    store = SeriesStore(8)
    for i in range(37):
        store.append(i, {("a",): float(i)})
    again = SeriesStore.from_arrays(8, list(store.keys()), store.to_arrays())
    for i in range(37, 500):
        store.append(i, {("a",): float(i)})
        again.append(i, {("a",): float(i)})
    assert store.steps == again.steps and store.columns == again.columns
