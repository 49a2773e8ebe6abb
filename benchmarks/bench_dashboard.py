"""The cost of watching: training the digits MLP through a Runner with a live Dashboard (blocking mode:
views updated from the runner's callbacks, throttled) against the same training with only the recorder
the dashboard draws from. Target: at most 5% extra training time.

Only ``runner.train(...)`` is timed, as the cell that trains in a notebook: the model, runner, recorder
and dashboard are built beforehand, as the cell that displays the dashboard does. Drawing the graph view
at the first step and the views' final state at the end are part of the training call, so they count.

Run: .venv/bin/python benchmarks/bench_dashboard.py [--quick]
"""

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Row, main  # noqa: E402

import gradviz as gv  # noqa: E402
from gradviz import nn  # noqa: E402

EPOCHS = 10


def prepared_training(with_dashboard):
    """A fresh digits MLP, runner and recorder (and dashboard), ready to train EPOCHS epochs at batch 64
    (about 230 steps): returns the call that trains."""
    loader = gv.data.DataLoader(gv.data.datasets.Digits(), batch_size=64, shuffle=True)
    gv.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    runner = gv.Runner(model, gv.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    recorder = gv.trace.Recorder()
    if with_dashboard:
        gv.widgets.Dashboard(runner, recorder)
    else:
        runner.add_callback(recorder)
    return lambda: runner.train(loader, num_epochs=EPOCHS, progress=False)


def best_training_times(repeat):
    """The best training time with and without the dashboard over ``repeat`` interleaved rounds (after
    one warm-up round), each on freshly built objects."""
    best = {True: math.inf, False: math.inf}
    for round_ in range(repeat + 1):
        for watched in best:
            train = prepared_training(watched)
            start = time.perf_counter()
            train()
            if round_:
                best[watched] = min(best[watched], time.perf_counter() - start)
    return best[True], best[False]


def table(timing):
    watched, recorded = best_training_times(max(timing.repeat * timing.few // 5, 1))
    return [Row(f"digits MLP, {EPOCHS} epochs: Dashboard vs recorder only", watched, recorded, "<= 1.05")]


if __name__ == "__main__":
    main(__doc__, table)
