"""The benchmark scripts still run: each table is computed once, one round of one step per row, with one
thread. Nothing here is timed against a threshold; the figures only have to exist and be finite."""

import math
import sys
from pathlib import Path

import pytest
import torch
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_dashboard  # noqa: E402
import bench_engine  # noqa: E402
import bench_library  # noqa: E402
import bench_recorder  # noqa: E402
import common  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize(
    "module", [bench_dashboard, bench_engine, bench_library, bench_recorder], ids=lambda m: m.__name__
)
def test_table_rows_have_finite_ratios(module):
    rows = module.table(common.SMOKE)
    assert rows
    for row in rows:
        assert row.name and row.target
        assert row.mine > 0 and row.reference > 0
        assert math.isfinite(row.ratio)


def test_table_prints_every_row(capsys):
    rows = [common.Row("a step", 2e-3, 1e-3, "<= 2")]
    common.print_table("1 thread", rows)
    out = capsys.readouterr().out
    assert "1 thread" in out and "a step" in out and "2.00" in out


def test_recorder_counts_statistics_per_step():
    counts = bench_recorder.statistics_per_step()
    assert set(counts) == {"MLP", "CNN"} and all(n > 0 for n in counts.values())
