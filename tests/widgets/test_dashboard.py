"""Dashboard: composition, live drawing in blocking mode, and the background run's controls."""

import threading
import time

import numpy as np
import pytest

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import nn
from gradviz.trace import Recorder
from gradviz.widgets.attention_view import AttentionView
from gradviz.widgets.dashboard import Dashboard
from gradviz.widgets.gradient_flow import GradientFlow
from gradviz.widgets.loss_curves import LossCurves

from ..models import TransformerSeq2Seq

WAIT = 60.0  # generous: a timeout here means a hang, never a slow machine


class Log(nn.Module):
    """log(x): NaN wherever its input is negative, so a step's first NaN is this op's output."""

    def forward(self, x):
        return x.log()


def mlp(with_log=False):
    gv.manual_seed(0)
    layers = [nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3)]
    return nn.Sequential(*layers, Log()) if with_log else nn.Sequential(*layers)


def loader(batches=200):
    return gv.data.DataLoader(gv.data.datasets.spirals(n_samples=batches * 4), batch_size=4)


def weights(model):
    return {name: p.detach().numpy().copy() for name, p in model.named_parameters()}


def assert_same_weights(model, expected):
    for name, value in weights(model).items():
        np.testing.assert_array_equal(value, expected[name])


def make_dashboard(model=None, **recorder_options):
    model = model or mlp()
    runner = gv.Runner(model, gv.optim.SGD(model.parameters(), lr=0.1), F.cross_entropy)
    return Dashboard(runner, Recorder(model, **recorder_options))


@pytest.fixture
def dashboards():
    made = []

    def make(**options):
        made.append(make_dashboard(**options))
        return made[-1]

    yield make
    for dashboard in made:
        assert dashboard.stop(WAIT)


def start_paused(dashboard, batches=200, num_epochs=50):
    run = dashboard.start(loader(batches), num_epochs=num_epochs, paused=True)
    assert run.wait_at_boundary(WAIT)
    return run


def click_and_wait(dashboard, button, steps=1):
    before = dashboard.run.boundaries
    dashboard.buttons[button].click()
    assert dashboard.run.wait_at_boundary(WAIT, after=before + steps)


def test_composes_curves_gradient_flow_graph_and_controls(dashboards):
    dashboard = dashboards()
    kinds = [type(child) for child in dashboard.children]
    assert LossCurves in kinds and GradientFlow in kinds and AttentionView not in kinds
    assert dashboard.graph_area in dashboard.children and dashboard.controls in dashboard.children
    assert {"play", "pause", "step", "step_op", "reset"} == set(dashboard.buttons)
    assert all(button.disabled for button in dashboard.buttons.values())  # until start()
    runner = dashboard.runner
    assert runner.callbacks.index(dashboard.recorder) < runner.callbacks.index(dashboard.loss_curves)
    assert dashboard in runner.callbacks and dashboard.gradient_flow in runner.callbacks


def test_attention_is_shown_for_a_model_with_attention():
    model = TransformerSeq2Seq(12, d_model=16, nhead=2, num_layers=1, dim_feedforward=16)
    dashboard = make_dashboard(model)
    assert dashboard.attention in dashboard.children and dashboard.attention in dashboard.runner.callbacks


class Pacer:
    """Waits at each step's end until the loss curves' throttle lets a redraw through, so what the test
    sees does not depend on how fast the machine trains. Registered before the dashboard."""

    def __init__(self):
        self.throttle = None

    def on_step_end(self, runner, step, loss):
        while self.throttle.clock() - self.throttle.last < self.throttle.interval:
            time.sleep(0.01)


class CurveProbe:
    """After the dashboard drew each step: how many points the train-loss curve holds."""

    def __init__(self, dashboard):
        self.dashboard = dashboard
        self.points = []

    def on_step_end(self, runner, step, loss):
        self.points.append(len(self.dashboard.loss_curves.plot.current["data"][0]["x"]))


def test_blocking_mode_draws_while_runner_train_runs():
    model = mlp()
    pacer = Pacer()
    runner = gv.Runner(model, gv.optim.SGD(model.parameters(), lr=0.1), F.cross_entropy, callbacks=[pacer])
    dashboard = Dashboard(runner, Recorder(model))
    pacer.throttle = dashboard.loss_curves.throttle
    probe = runner.add_callback(CurveProbe(dashboard))
    runner.train(loader(6), progress=False)
    assert probe.points == [1, 2, 3, 4, 5, 6]
    assert dashboard.graph_view is not None and dashboard.graph_view in dashboard.graph_area.children
    assert "step <span class='gradviz-run-step'>6</span>" in dashboard.status.value


def test_the_graph_view_keeps_its_state_through_training_and_ends_on_every_step():
    model = mlp()
    runner = gv.Runner(model, gv.optim.SGD(model.parameters(), lr=0.1), F.cross_entropy)
    dashboard = Dashboard(runner, Recorder(model))
    runner.train(loader(2), progress=False)
    view = dashboard.graph_view
    op = next(i for i, n in view.model.nodes.items() if n.kind == "op")
    view.select(op)
    runner.train(loader(3), progress=False)
    assert dashboard.graph_view is view and view.selected == op
    assert view.slider.options == (0, 1, 2, 3, 4) and view.slider.value == 4
    assert "step 4" in view.plot.current["layout"]["title"]["text"]


def test_a_smaller_last_batch_keeps_the_graph_view_and_its_state():
    model = mlp()
    runner = gv.Runner(model, gv.optim.SGD(model.parameters(), lr=0.1), F.cross_entropy)
    recorder = Recorder(model)
    dashboard = Dashboard(runner, recorder)
    runner.train(loader(2), progress=False)
    view = dashboard.graph_view
    op = next(i for i, n in view.model.nodes.items() if n.kind == "op")
    view.select(op)
    partial = gv.data.DataLoader(gv.data.datasets.spirals(n_samples=10), batch_size=4)
    runner.train(partial, progress=False)
    assert len(recorder.graphs) == 2 and recorder.graph() is not recorder.graph(0)  # 10 = 4 + 4 + 2
    assert dashboard.graph_view is view and view.selected == op
    assert view.slider.options == (0, 1, 2, 3, 4)


def test_a_dashboard_opened_after_training_shows_the_recorded_graph():
    model = mlp()
    runner = gv.Runner(model, gv.optim.SGD(model.parameters(), lr=0.1), F.cross_entropy)
    recorder = runner.add_callback(Recorder(model))
    runner.train(loader(3), progress=False)
    dashboard = Dashboard(runner, recorder)
    assert dashboard.graph_view is not None and dashboard.graph_area.children == (dashboard.graph_view,)
    assert len(dashboard.loss_curves.plot.current["data"][0]["x"]) == 3


def test_step_button_advances_by_exactly_one(dashboards):
    dashboard = dashboards()
    start_paused(dashboard)
    runner = dashboard.runner
    for expected in (1, 2, 3):
        click_and_wait(dashboard, "step")
        assert runner.global_step == expected and dashboard.run.state == "paused"
    assert f"<span class='gradviz-run-step'>{3}</span>" in dashboard.status.value


class Reached:
    def __init__(self, step):
        self.step = step
        self.event = threading.Event()

    def on_step_end(self, runner, step, loss):
        if step >= self.step:
            self.event.set()


def test_pause_holds_the_step_count_and_play_resumes(dashboards):
    dashboard = dashboards()
    runner = dashboard.runner
    reached = runner.add_callback(Reached(5))
    start_paused(dashboard)
    dashboard.buttons["play"].click()
    assert reached.event.wait(WAIT)
    dashboard.buttons["pause"].click()
    assert dashboard.run.wait_at_boundary(WAIT)
    paused_at = runner.global_step
    assert dashboard.run.wait_at_boundary(WAIT) and runner.global_step == paused_at
    assert "paused" in dashboard.status.value
    reached.step, reached.event = paused_at + 3, threading.Event()
    dashboard.buttons["play"].click()
    assert reached.event.wait(WAIT) and runner.global_step >= paused_at + 3


def test_reset_restores_the_initial_weights_and_waits_paused(dashboards):
    threads_before = threading.active_count()
    dashboard = dashboards()
    initial = weights(dashboard.runner.model)
    start_paused(dashboard)
    click_and_wait(dashboard, "step")
    click_and_wait(dashboard, "step")
    dashboard.buttons["reset"].click()
    assert dashboard.run.wait_at_boundary(WAIT)
    assert_same_weights(dashboard.runner.model, initial)
    assert dashboard.runner.global_step == 0 and dashboard.runner.train_step_losses == []
    assert dashboard.run.state == "paused" and threading.active_count() == threads_before + 1
    click_and_wait(dashboard, "step")
    assert dashboard.runner.global_step == 1


def test_changing_the_learning_rate_while_paused_takes_effect(dashboards):
    dashboard = dashboards()
    model = dashboard.runner.model
    start_paused(dashboard)
    dashboard.lr.value = 0.0
    assert all(group["lr"] == 0.0 for group in dashboard.runner.optimizer.param_groups)
    before = weights(model)
    click_and_wait(dashboard, "step")
    assert_same_weights(model, before)
    dashboard.set_lr(0.5)
    assert dashboard.lr.value == 0.5
    click_and_wait(dashboard, "step")
    assert not np.array_equal(weights(model)["0.weight"], before["0.weight"])


class LastStep:
    def __init__(self):
        self.weights = None
        self.event = threading.Event()

    def on_step_end(self, runner, step, loss):
        self.weights = weights(runner.model)
        if step >= 5:
            self.event.set()


def test_stop_joins_the_thread_and_keeps_the_last_completed_step(dashboards):
    threads_before = threading.active_count()
    dashboard = dashboards()
    last = dashboard.runner.add_callback(LastStep())
    dashboard.start(loader(), num_epochs=50)
    assert last.event.wait(WAIT)
    assert dashboard.stop(WAIT)
    assert threading.active_count() == threads_before and dashboard.run.state == "stopped"
    for value in weights(dashboard.runner.model).values():
        assert np.isfinite(value).all()
    assert_same_weights(dashboard.runner.model, last.weights)
    assert all(button.disabled for name, button in dashboard.buttons.items() if name != "reset")


@pytest.mark.filterwarnings("ignore:invalid value encountered in log")
def test_a_nan_breakpoint_pauses_with_the_debugger_at_the_nan_op(dashboards):
    dashboard = dashboards(model=mlp(with_log=True), break_on=("nan",))
    interrupted = threading.Event()
    run = start_paused(dashboard)
    run.listeners.append(lambda r, event: event == "interrupted" and interrupted.set())
    dashboard.buttons["play"].click()
    assert interrupted.wait(WAIT) and run.wait_at_boundary(WAIT)
    assert run.state == "paused" and run.alive
    assert [f.kind for f in dashboard.findings] == ["nan"]
    current = dashboard.debugger.stepper.current
    assert (current.phase, current.op) == ("forward", "log")
    assert dashboard.debugger in dashboard.debugger_area.children
    assert "[nan]" in dashboard.status.value


def test_step_op_opens_the_debugger_on_the_step_it_trained(dashboards):
    dashboard = dashboards()
    start_paused(dashboard)
    click_and_wait(dashboard, "step")
    assert dashboard.debugger is None
    click_and_wait(dashboard, "step_op")
    assert dashboard.runner.global_step == 2
    assert dashboard.debugger.stepper.capture is dashboard.recorder.captured
    assert dashboard.recorder.captured.step == dashboard.recorder.step - 1


def test_runner_train_refuses_to_run_beside_a_background_run(dashboards):
    dashboard = dashboards()
    start_paused(dashboard)
    with pytest.raises(RuntimeError, match="background run"):
        dashboard.runner.train(loader(2), progress=False)


def test_html_export_holds_every_plot(dashboards, tmp_path):
    dashboard = dashboards()
    dashboard.runner.train(loader(3), progress=False)
    page = (tmp_path / "dashboard.html").read_text() if dashboard.to_html(tmp_path / "dashboard.html") else ""
    assert page.count("Plotly.newPlot") == 3 and "<script src=" not in page
