"""Recorder benchmarks: the cost of recording, as the ratio of a training step with a recorder to the
same step without.

Run: .venv/bin/python benchmarks/bench_recorder.py [--quick]

The models train on a fixed batch of 64 digits (1x8x8, ``gradviz.data.datasets.Digits``) with SGD and
cross-entropy: an MLP 64-128-128-10 and a small CNN (two conv3x3+ReLU+pool blocks, 16 and 32 channels).
"Recorder" rows attach a default ``Recorder(model, optimizer=opt)``; "capture" rows also call
``capture_step()`` before every step, so each step keeps every op's values and gradients. The reference
column is the same step with no recorder attached. Each timed call runs several steps between one attach
and one detach, so their cost is spread thin.
"""

from common import main, timed_row

import gradviz as gv
from gradviz import nn
from gradviz.data.datasets import Digits
from gradviz.trace import Recorder


def digits_mlp():
    return nn.Sequential(
        nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10)
    )


def digits_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


def classification_step(model, optimizer, batch=64):
    digits = Digits(train=True)
    images, labels = digits.data[:batch], digits.targets[:batch]

    def step():
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(images), labels).backward()
        optimizer.step()

    return step


def steps(step, count):
    def run():
        for _ in range(count):
            step()

    return run


def recorded_steps(step, recorder, count, capture=False):
    """``count`` steps with ``recorder`` attached (capturing each step if asked), then detached."""

    def run():
        with recorder:
            for _ in range(count):
                if capture:
                    recorder.capture_step()
                step()

    return run


def recorder_rows(name, make_model, recorder_target, timing, count):
    model = make_model()
    optimizer = gv.optim.SGD(model.parameters(), lr=0.1)
    step = classification_step(model, optimizer)
    plain = steps(step, count)
    rows = []
    for label, capture, target in (
        (" + Recorder", False, recorder_target),
        (" + capture_step", True, "<= 3"),
    ):
        recorder = Recorder(model, optimizer=optimizer)
        recorded = recorded_steps(step, recorder, count, capture)
        row = timed_row(name + label, recorded, plain, target, timing.repeat, 1)
        rows.append(row._replace(mine=row.mine / count, reference=row.reference / count))
    return rows


def statistics_per_step():
    """How many statistics a default recorder keeps per step of the digits MLP and CNN."""
    counts = {}
    for name, make_model in (("MLP", digits_mlp), ("CNN", digits_cnn)):
        model = make_model()
        optimizer = gv.optim.SGD(model.parameters(), lr=0.1)
        recorder = Recorder(model, optimizer=optimizer)
        recorded_steps(classification_step(model, optimizer), recorder, 1)()
        counts[name] = len(recorder.store.keys())
    return counts


def table(timing):
    return [
        *recorder_rows("digits MLP 64-128-128-10, b64", digits_mlp, "<= 1.15", timing, timing.few),
        *recorder_rows(
            "digits CNN 2x(conv+pool), b64", digits_cnn, "<= 1.2", timing, max(timing.few // 2, 1)
        ),
    ]


if __name__ == "__main__":
    main(__doc__, table)
    print("\nstatistics per recorded step:", statistics_per_step())
