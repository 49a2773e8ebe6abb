"""LossCurves at the Python level: its points are the runner's (or recorder's) numbers, it follows a
run live with throttled deltas, and a late view draws the current state."""

import numpy as np
import pytest

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import nn, optim
from gradviz.data import DataLoader
from gradviz.data.datasets import moons
from gradviz.metrics import Accuracy
from gradviz.trace import Recorder
from gradviz.widgets.loss_curves import DEV_LOSS, DEV_METRIC, TRAIN_EPOCH, TRAIN_STEP, LossCurves


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class PointCounter:
    """A callback after the view: how many train-loss points the view holds at each step's end."""

    def __init__(self, curves):
        self.curves = curves
        self.counts = []

    def on_step_end(self, runner, step, loss):
        self.curves.throttle.flush()  # draw what the throttle holds back, then count
        self.counts.append(len(self.curves.plot.current["data"][TRAIN_STEP]["x"]))


def make_runner(metric=True):
    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    return gv.Runner(
        model, optim.Adam(model.parameters(), lr=0.05), nn.CrossEntropyLoss(), Accuracy() if metric else None
    )


def loaders():
    train = DataLoader(moons(150, noise=0.1, seed=1), batch_size=30, shuffle=True)
    return train, DataLoader(moons(90, noise=0.1, seed=2), batch_size=45)


def xy(curves, index):
    data = curves.plot.current["data"][index]
    return list(zip(data["x"], data["y"]))


def test_points_equal_the_runners_losses_and_scores():
    runner = make_runner()
    curves = LossCurves(runner=runner)
    runner.train(*loaders(), num_epochs=3, eval_steps=4, progress=False)
    assert xy(curves, TRAIN_STEP) == runner.train_step_losses and len(runner.train_step_losses) == 15
    assert xy(curves, DEV_LOSS) == runner.dev_losses
    assert xy(curves, DEV_METRIC) == runner.dev_scores and len(runner.dev_scores) == 3
    assert xy(curves, TRAIN_EPOCH) == [(i + 1, loss) for i, (_, loss) in enumerate(runner.train_epoch_losses)]
    assert curves.plot.current["data"][DEV_METRIC]["name"] == "dev accuracy"
    assert curves.plot.figure == curves.plot.current  # flushed at the end: late views draw this


def test_a_callback_added_to_the_runner_gains_a_point_per_step():
    runner = make_runner(metric=False)
    curves = runner.add_callback(LossCurves())
    counter = runner.add_callback(PointCounter(curves))
    runner.train(loaders()[0], num_epochs=2, progress=False)
    assert counter.counts == list(range(1, 11))
    assert xy(curves, DEV_METRIC) == [] and curves.runner is runner


def test_attaching_twice_follows_the_runner_once():
    runner = make_runner()
    curves = LossCurves(runner=runner)
    curves.attach(runner)
    assert runner.callbacks.count(curves) == 1


def test_a_burst_of_steps_is_throttled_and_ends_in_the_last_step():
    runner = make_runner()
    curves = LossCurves(runner=runner)
    curves.throttle.clock = clock = FakeClock()
    sent = []
    curves.plot.send = sent.append
    for step in range(1, 1001):
        clock.now = step * 0.001
        runner.train_step_losses.append((step, 1.0 / step))
        curves.on_step_end(runner, step, 1.0 / step)
    curves.on_train_end(runner)
    assert curves.throttle.redraws <= 11 and len(sent) <= 11
    assert sent[-1]["delta"]["traces"][TRAIN_STEP]["x"][-1] == 1000
    assert set(sent[-1]["delta"]["traces"]) == {TRAIN_STEP}  # unchanged traces are not resent
    assert xy(curves, TRAIN_STEP) == runner.train_step_losses


def test_recorder_losses_without_a_runner():
    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 2))
    recorder = Recorder(model)
    x, y = moons(40, seed=0).tensors
    with recorder:
        for _ in range(4):
            model.zero_grad()
            F.cross_entropy(model(x), y).backward()
    curves = LossCurves(recorder)
    steps, losses = recorder.losses()
    assert curves.plot.current["data"][TRAIN_STEP]["x"] == steps.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(curves.plot.current["data"][TRAIN_STEP]["y"], losses)


def test_a_view_without_a_source_is_empty_until_a_runner_calls_it():
    curves = LossCurves()
    assert all(trace["x"] == [] for trace in curves.plot.current["data"])
    runner = make_runner()
    runner.add_callback(curves)
    runner.train(loaders()[0], num_epochs=1, progress=False)
    assert xy(curves, TRAIN_STEP) == runner.train_step_losses


def test_html_export_holds_the_losses(tmp_path):
    runner = make_runner()
    curves = LossCurves(runner=runner)
    runner.train(loaders()[0], num_epochs=1, progress=False)
    content = curves.to_html(tmp_path / "loss.html").read_text()
    assert repr(runner.train_step_losses[-1][1]) in content and "<script src=" not in content


def test_costly_redraws_stretch_the_interval_to_stay_within_the_budget():
    runner = make_runner()
    curves = LossCurves(runner=runner, interval=0.1, budget=0.05)
    curves.throttle.clock = clock = FakeClock()
    draw = curves._dynamic

    def slow_dynamic():
        clock.now += 0.02  # each redraw takes 20 ms
        return draw()

    curves._dynamic = slow_dynamic
    clock.now = 1.0
    runner.train_step_losses.append((1, 0.5))
    curves.on_step_end(runner, 1, 0.5)
    assert curves.throttle.redraws == 1 and curves.throttle.interval == pytest.approx(0.4)
    clock.now += 0.3
    runner.train_step_losses.append((2, 0.4))
    curves.on_step_end(runner, 2, 0.4)
    assert curves.throttle.redraws == 1  # 0.3 s later: still within the stretched interval
    clock.now += 0.2
    curves.on_step_end(runner, 2, 0.4)
    assert curves.throttle.redraws == 2 and xy(curves, TRAIN_STEP) == runner.train_step_losses
