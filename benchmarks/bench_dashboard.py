"""The cost of watching: training the digits MLP through a Runner with a live Dashboard (blocking mode:
views updated from the runner's callbacks, throttled) against the same training with only the recorder
the dashboard draws from. Target: at most 5% extra.

Run: .venv/bin/python benchmarks/bench_dashboard.py [--quick]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Row, best_times, main  # noqa: E402

import gradviz as gv  # noqa: E402
from gradviz import nn  # noqa: E402

EPOCHS = 10


def training(with_dashboard):
    """One call = a fresh digits MLP trained EPOCHS epochs at batch 64 (about 230 steps)."""
    loader = gv.data.DataLoader(gv.data.datasets.Digits(), batch_size=64, shuffle=True)

    def train():
        gv.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
        runner = gv.Runner(model, gv.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
        recorder = gv.trace.Recorder()
        if with_dashboard:
            gv.widgets.Dashboard(runner, recorder)
        else:
            runner.add_callback(recorder)
        runner.train(loader, num_epochs=EPOCHS, progress=False)

    return train


def table(timing):
    watched, recorded = best_times([training(True), training(False)], timing.repeat, max(timing.few // 5, 1))
    return [Row(f"digits MLP, {EPOCHS} epochs: Dashboard vs recorder only", watched, recorded, "<= 1.05")]


if __name__ == "__main__":
    main(__doc__, table)
