import math

import numpy as np
import pytest

import gradviz as gv
from gradviz import nn, optim
from gradviz.data import DataLoader
from gradviz.data.datasets import moons
from gradviz.metrics import Accuracy
from gradviz.runner import Runner, StopTraining

BATCHES_PER_EPOCH = 5


def _loaders():
    """Two moons: 150 training points in batches of 30 (5 steps an epoch), 90 dev points."""
    train = DataLoader(moons(150, noise=0.1, seed=1), batch_size=30, shuffle=True)
    dev = DataLoader(moons(90, noise=0.1, seed=2), batch_size=45)
    return train, dev


def _model():
    return nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 2))


def _runner(model=None, lr=0.05, **options):
    model = _model() if model is None else model
    return Runner(model, optim.Adam(model.parameters(), lr=lr), nn.CrossEntropyLoss(), Accuracy(), **options)


def _snapshot(model):
    return {name: value.numpy().copy() for name, value in model.state_dict().items()}


def _assert_same_state(model, expected):
    actual = _snapshot(model)
    assert actual.keys() == expected.keys()
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name], err_msg=name)


class Recorder:
    """A callback that logs every event with its arguments, and which runner called it."""

    def __init__(self):
        self.events = []
        self.callers = set()

    def _log(self, runner, event, *args):
        self.callers.add(id(runner))
        self.events.append((event, *args))

    def on_train_begin(self, runner):
        self._log(runner, "train_begin")

    def on_step_end(self, runner, step, loss):
        self._log(runner, "step_end", step, loss)

    def on_evaluate(self, runner, score, loss):
        self._log(runner, "evaluate", score, loss)

    def on_epoch_end(self, runner, epoch):
        self._log(runner, "epoch_end", epoch)

    def on_train_end(self, runner):
        self._log(runner, "train_end")


class ZeroWeightsAtStep:
    """Sets every parameter to zero after step ``step``: every class then scores the same, so accuracy
    collapses to chance and whatever is evaluated next is worse than before."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, runner, step, loss):
        if step == self.step:
            with gv.no_grad():
                for param in runner.model.parameters():
                    param.zero_()


class StopAtStep:
    """Raises StopTraining after step ``step``, remembering the weights at that moment."""

    def __init__(self, step):
        self.step = step
        self.weights = None

    def on_step_end(self, runner, step, loss):
        if step == self.step:
            self.weights = _snapshot(runner.model)
            raise StopTraining


class SnapshotAtEvaluate:
    """Remembers the weights at every evaluation, keyed by the global step."""

    def __init__(self):
        self.weights = {}

    def on_evaluate(self, runner, score, loss):
        self.weights[runner.global_step] = _snapshot(runner.model)


def test_train_records_step_and_epoch_losses_and_dev_results():
    train, dev = _loaders()
    runner = _runner()
    assert runner.train(train, dev, num_epochs=4, progress=False) is runner
    steps = [step for step, _ in runner.train_step_losses]
    assert steps == list(range(1, 4 * BATCHES_PER_EPOCH + 1))
    assert [epoch for epoch, _ in runner.train_epoch_losses] == [0, 1, 2, 3]
    first_epoch = [loss for _, loss in runner.train_step_losses[:BATCHES_PER_EPOCH]]
    assert runner.train_epoch_losses[0][1] == pytest.approx(np.mean(first_epoch))  # equal batch sizes
    assert runner.train_epoch_losses[-1][1] < 0.8 * runner.train_epoch_losses[0][1]
    assert [step for step, _ in runner.dev_scores] == [5, 10, 15, 20]
    assert [step for step, _ in runner.dev_losses] == [5, 10, 15, 20]
    assert runner.best_score == max(score for _, score in runner.dev_scores)
    assert runner.dev_scores[-1][1] > 0.8  # two moons: chance is 1/2


def test_evaluate_returns_the_metric_and_the_mean_loss_over_the_loader_in_eval_mode():
    _, dev = _loaders()
    model = nn.Sequential(nn.Linear(2, 16), nn.Dropout(0.5), nn.Linear(16, 2))
    runner = _runner(model)
    score, loss = runner.evaluate(dev)
    assert model.training  # back in training mode afterwards
    points, labels = dev.dataset.tensors
    model.eval()
    scores = model(points)
    assert score == Accuracy()(scores, labels)
    assert loss == pytest.approx(nn.CrossEntropyLoss()(scores, labels).item(), rel=1e-5)
    runner.evaluate(dev)
    assert not model.training  # a model in eval mode stays there


def test_evaluate_without_a_metric_scores_none():
    _, dev = _loaders()
    model = _model()
    runner = Runner(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    score, loss = runner.evaluate(dev)
    assert score is None
    assert math.isfinite(loss)


def test_predict_runs_the_model_in_eval_mode_without_recording_gradients():
    model = nn.Sequential(nn.Linear(2, 16), nn.Dropout(0.5), nn.Linear(16, 2))
    runner = _runner(model)
    points = gv.randn(8, 2)
    first, second = runner.predict(points), runner.predict(points)
    assert first.shape == (8, 2)
    assert not first.requires_grad
    np.testing.assert_array_equal(first.numpy(), second.numpy())  # dropout off
    assert model.training
    model.eval()
    runner.predict(points)
    assert not model.training


def test_train_restores_the_weights_of_the_best_dev_evaluation():
    """The weights are zeroed in the last step, so the last evaluation is the worst; the runner must
    bring back exactly the weights it had at its best evaluation."""
    train, dev = _loaders()
    snapshots = SnapshotAtEvaluate()
    runner = _runner(callbacks=[snapshots, ZeroWeightsAtStep(4 * BATCHES_PER_EPOCH)])
    runner.train(train, dev, num_epochs=4, progress=False)
    scores = dict(runner.dev_scores)
    best_step = max(scores, key=scores.get)
    assert scores[20] < scores[best_step]
    _assert_same_state(runner.model, snapshots.weights[best_step])
    assert runner.evaluate(dev)[0] == runner.best_score == scores[best_step]


def test_train_without_restore_best_keeps_the_last_weights():
    train, dev = _loaders()
    runner = _runner(callbacks=[ZeroWeightsAtStep(2 * BATCHES_PER_EPOCH)])
    runner.train(train, dev, num_epochs=2, restore_best=False, progress=False)
    assert all(not param.detach().numpy().any() for param in runner.model.parameters())


def test_the_best_model_is_saved_and_loads_into_a_fresh_model(tmp_path):
    train, dev = _loaders()
    path = tmp_path / "best.gvz"
    snapshots = SnapshotAtEvaluate()
    runner = _runner(callbacks=[snapshots, ZeroWeightsAtStep(3 * BATCHES_PER_EPOCH)])
    runner.train(train, dev, num_epochs=3, save_path=path, restore_best=False, progress=False)
    scores = dict(runner.dev_scores)
    best_step = max(scores, key=scores.get)
    fresh = _runner()
    fresh.load_model(path)
    _assert_same_state(fresh.model, snapshots.weights[best_step])
    assert fresh.evaluate(dev)[0] == runner.best_score


def test_save_model_and_load_model_round_trip(tmp_path):
    runner, fresh = _runner(), _runner()
    runner.save_model(tmp_path / "model.gvz")
    fresh.load_model(tmp_path / "model.gvz")
    _assert_same_state(fresh.model, _snapshot(runner.model))


def test_eval_steps_evaluates_every_k_steps_instead_of_every_epoch():
    train, dev = _loaders()
    runner = _runner()
    runner.train(train, dev, num_epochs=3, eval_steps=4, progress=False)
    assert [step for step, _ in runner.dev_scores] == [4, 8, 12]
    assert [step for step, _ in runner.dev_losses] == [4, 8, 12]


def test_without_a_metric_the_lowest_dev_loss_is_kept():
    train, dev = _loaders()
    model = _model()
    runner = Runner(model, optim.Adam(model.parameters(), lr=0.05), nn.CrossEntropyLoss())
    runner.train(train, dev, num_epochs=3, progress=False)
    losses = [loss for _, loss in runner.dev_losses]
    assert [score for _, score in runner.dev_scores] == [None, None, None]
    assert runner.best_score == -min(losses)
    assert runner.evaluate(dev)[1] == pytest.approx(min(losses))


def test_callbacks_hear_every_event_in_order_with_its_arguments():
    train, dev = _loaders()
    runner = _runner()
    recorder = runner.add_callback(Recorder())
    runner.train(train, dev, num_epochs=2, progress=False)
    assert recorder.callers == {id(runner)}
    steps = [("step_end", step, loss) for step, loss in runner.train_step_losses]
    evaluations = [
        ("evaluate", score, loss) for (_, score), (_, loss) in zip(runner.dev_scores, runner.dev_losses)
    ]
    expected = [
        ("train_begin",),
        *steps[:5],
        evaluations[0],
        ("epoch_end", 0),
        *steps[5:],
        evaluations[1],
        ("epoch_end", 1),
        ("train_end",),
    ]
    assert recorder.events == expected


def test_stop_training_ends_cleanly_after_the_step_with_the_model_intact():
    train, _ = _loaders()
    recorder, stop = Recorder(), StopAtStep(7)
    runner = _runner(callbacks=[recorder, stop])
    runner.train(train, num_epochs=3, progress=False)
    assert runner.global_step == 7
    assert len(runner.train_step_losses) == 7
    assert [epoch for epoch, _ in runner.train_epoch_losses] == [0]
    _assert_same_state(runner.model, stop.weights)
    events = [event[0] for event in recorder.events]
    assert events == ["train_begin", *["step_end"] * 5, "epoch_end", "step_end", "step_end", "train_end"]


class InfiniteLossAtStep(nn.CrossEntropyLoss):
    """Cross-entropy, except that the loss of step ``step`` (counting from 1) is infinite."""

    def __init__(self, step):
        super().__init__()
        self.step, self.calls = step, 0

    def forward(self, scores, labels):
        self.calls += 1
        loss = super().forward(scores, labels)
        return loss / 0.0 if self.calls == self.step else loss


def test_a_breakpoint_after_the_update_counts_its_step_and_ends_training():
    train, _ = _loaders()
    model = _model()
    events = Recorder()
    breakpoint_ = gv.trace.Recorder(break_on=["nan"])
    runner = Runner(
        model, optim.SGD(model.parameters(), lr=0.05), InfiniteLossAtStep(4), callbacks=[events, breakpoint_]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        runner.train(train, num_epochs=3, progress=False)
    assert runner.global_step == 4 == breakpoint_.step  # the 4th update was applied, so it counts
    assert [step for step, _ in runner.train_step_losses] == [1, 2, 3, 4]
    assert math.isinf(runner.train_step_losses[-1][1])
    assert [event[0] for event in events.events] == ["train_begin", *["step_end"] * 3, "train_end"]


def test_a_breakpoint_in_a_script_before_any_update_is_not_a_completed_step():
    model = _model()
    recorder = gv.trace.Recorder(model, break_on=["nan"])
    with recorder, np.errstate(divide="ignore", invalid="ignore"), pytest.raises(StopTraining) as stop:
        (model(gv.ones(1, 2)).sum() / 0.0).backward()
    assert not stop.value.step_completed and math.isinf(stop.value.loss)


class LabelDevices(nn.CrossEntropyLoss):
    """Cross-entropy that notes the device of every batch of labels it is given."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def forward(self, scores, labels):
        self.seen.add(str(labels.device))
        return super().forward(scores, labels)


def test_device_sim_places_the_model_and_every_batch_on_the_simulated_device():
    train, dev = _loaders()
    input_devices, loss_fn = set(), LabelDevices()
    model = _model()
    model.register_forward_pre_hook(lambda module, inputs: input_devices.add(str(inputs[0].device)))
    runner = Runner(model, optim.Adam(model.parameters(), lr=0.05), loss_fn, Accuracy(), device="sim")
    assert {str(param.device) for param in model.parameters()} == {"sim"}
    runner.train(train, dev, num_epochs=1, progress=False)
    runner.predict(gv.randn(4, 2))
    assert input_devices == loss_fn.seen == {"sim"}
    assert {str(param.device) for param in model.parameters()} == {"sim"}
    assert runner.dev_scores[0][1] > 0.5


def test_progress_false_prints_nothing(capsys):
    train, dev = _loaders()
    runner = _runner(callbacks=[StopAtStep(7)])
    runner.train(train, dev, num_epochs=3, log_steps=1, progress=False)
    assert capsys.readouterr() == ("", "")


def test_progress_bar_and_logs_show_with_progress_true(capsys):
    train, dev = _loaders()
    runner = _runner()
    runner.train(train, dev, num_epochs=2, log_steps=5)
    out, err = capsys.readouterr()
    assert "training" in err
    assert "10/10" in err
    assert "[train] epoch 1 step 10" in out + err
    assert "[evaluate] step 10" in out + err
