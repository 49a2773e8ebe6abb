"""BackgroundRun: a training thread that pauses, steps, resumes and stops only between steps."""

import threading

import numpy as np
import pytest

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import nn
from gradviz.runner import StopTraining
from gradviz.widgets.background import BackgroundRun, ResumableBatches, TrainingSnapshot

WAIT = 60.0  # generous: a timeout here means a hang, never a slow machine


def make_runner(lr=0.1):
    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3))
    return gv.Runner(model, gv.optim.SGD(model.parameters(), lr=lr), F.cross_entropy)


def loader(batches=50):
    data = gv.data.datasets.spirals(n_samples=batches * 4)
    return gv.data.DataLoader(data, batch_size=4)


def weights(model):
    return {name: p.detach().numpy().copy() for name, p in model.named_parameters()}


class StepEvents:
    """A callback that snapshots the weights after every step and signals when ``count`` steps are done."""

    def __init__(self, count):
        self.count = count
        self.reached = threading.Event()
        self.after_step = None

    def on_step_end(self, runner, step, loss):
        self.after_step = weights(runner.model)
        if runner.global_step >= self.count:
            self.reached.set()


@pytest.fixture
def started():
    runs = []

    def start(runner, batches=50, num_epochs=100, paused=True, **options):
        run = BackgroundRun(runner, loader(batches), num_epochs=num_epochs, **options).start(paused=paused)
        runs.append(run)
        if paused:
            assert run.wait_at_boundary(WAIT)
        return run

    yield start
    for run in runs:
        assert run.stop(WAIT)


def test_a_paused_start_trains_nothing_until_asked(started):
    runner = make_runner()
    before = weights(runner.model)
    run = started(runner)
    assert run.state == "paused" and runner.global_step == 0 and run.alive
    np.testing.assert_array_equal(weights(runner.model)["0.weight"], before["0.weight"])


def test_step_advances_by_exactly_one(started):
    runner = make_runner()
    run = started(runner)
    for expected in (1, 2, 3):
        assert run.step(wait=True, timeout=WAIT)
        assert runner.global_step == expected and run.steps == expected and run.state == "paused"
    assert run.step(count=4, wait=True, timeout=WAIT)
    assert runner.global_step == 7


def test_pause_reaches_a_stable_step_count_and_play_resumes(started):
    runner = make_runner()
    events = StepEvents(count=5)
    runner.add_callback(events)
    run = started(runner)
    run.play()
    assert events.reached.wait(WAIT)
    assert run.pause(wait=True, timeout=WAIT)
    paused_at = runner.global_step
    assert run.wait_at_boundary(WAIT) and runner.global_step == paused_at == run.steps
    assert run.state == "paused"
    events.count, events.reached = paused_at + 5, threading.Event()
    run.play()
    assert events.reached.wait(WAIT)
    assert runner.global_step >= paused_at + 5


def test_stop_joins_the_thread_and_leaves_the_last_completed_step(started):
    threads_before = threading.active_count()
    runner = make_runner()
    events = StepEvents(count=10)
    runner.add_callback(events)
    run = started(runner, paused=False)
    assert events.reached.wait(WAIT)
    assert run.stop(WAIT)
    assert threading.active_count() == threads_before and not run.alive and run.state == "stopped"
    after = weights(runner.model)
    for name, value in after.items():
        assert np.isfinite(value).all()
        np.testing.assert_array_equal(value, events.after_step[name])
    assert run not in runner.callbacks


def test_a_run_finishes_after_its_epochs_and_counts_every_batch(started):
    runner = make_runner()
    done = threading.Event()
    run = started(
        runner, batches=5, num_epochs=2, paused=False, on_change=lambda r, e: e == "finished" and done.set()
    )
    assert done.wait(WAIT)
    run._thread.join(WAIT)
    assert run.state == "finished" and runner.global_step == 10 and len(runner.train_epoch_losses) == 2


class StopAt:
    """Another callback stopping training (as a breakpoint does) at one step."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, runner, step, loss):
        if step == self.step:
            raise StopTraining("planted")


def test_an_early_stop_pauses_and_resumes_with_the_next_batch(started):
    runner = make_runner()
    runner.add_callback(StopAt(3))
    interrupted, finished = threading.Event(), threading.Event()
    events = {"interrupted": interrupted, "finished": finished}
    run = started(runner, batches=5, num_epochs=2, on_change=lambda r, e: e in events and events[e].set())
    run.play()
    assert interrupted.wait(WAIT) and run.wait_at_boundary(WAIT)
    assert runner.global_step == 3 and run.state == "paused"
    run.play()
    assert finished.wait(WAIT)
    assert runner.global_step == 10  # the batches continued where they stopped: none repeated or lost


def test_an_exception_fails_the_run_and_ends_the_thread(started):
    runner = make_runner()
    runner.loss_fn = lambda scores, labels: 1 / 0
    failed = threading.Event()
    run = started(runner, on_change=lambda r, e: e == "failed" and failed.set())
    run.play()
    assert failed.wait(WAIT)
    run._thread.join(WAIT)
    assert isinstance(run.error, ZeroDivisionError) and not run.alive and run not in runner.callbacks


def test_snapshot_restores_weights_optimizer_and_history():
    runner = make_runner()
    runner.optimizer = gv.optim.SGD(runner.model.parameters(), lr=0.1, momentum=0.9)
    snapshot = TrainingSnapshot(runner)
    before = weights(runner.model)
    runner.train(loader(5), progress=False)
    assert runner.global_step == 5 and runner.optimizer.state
    snapshot.restore()
    assert runner.global_step == 0 and runner.train_step_losses == [] and not runner.optimizer.state
    for name, value in weights(runner.model).items():
        np.testing.assert_array_equal(value, before[name])


def test_resumable_batches_continue_an_interrupted_pass():
    batches = ResumableBatches(list(range(5)), num_epochs=2)
    first = iter(batches)
    assert [next(first), next(first)] == [0, 1]
    assert list(batches) == [2, 3, 4] and batches.epochs_left == 1
    assert list(batches) == [0, 1, 2, 3, 4] and batches.exhausted
