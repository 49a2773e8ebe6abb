"""``Runner``: the training loop every lesson uses — zero grads, forward, loss, backward, step — with
evaluation on a dev set, the best model kept, a progress bar, and callbacks for the recorder and the
widgets.

A callback is any object with some of these methods; each receives the runner first:
``on_train_begin(runner)``, ``on_step_end(runner, step, loss)``, ``on_evaluate(runner, score, loss)``,
``on_epoch_end(runner, epoch)``, ``on_train_end(runner)``. A callback may raise :class:`StopTraining`
to end training cleanly after the current step.
"""

import contextlib
import math

from tqdm.auto import tqdm

from . import backend
from .autograd.grad_mode import no_grad
from .autograd.tensor import Tensor
from .metrics import Mean


class StopTraining(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a callback to stop training; the runner keeps everything learned so far. Raised inside
    a step after the optimizer's update (a recorder's breakpoint), ``step_completed`` tells the runner
    to count that step, with its ``loss``, before it stops."""

    def __init__(self, *args, step_completed=False, loss=None):
        super().__init__(*args)
        self.step_completed = step_completed
        self.loss = loss


@contextlib.contextmanager
def _eval_mode(model):
    """Eval mode (dropout off, batch norm on its running statistics) inside the block; afterwards the
    mode the model was in before."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _say(bar, message):
    """Print a log line above the progress bar; nothing at all when the bar is off (``progress=False``)."""
    if not bar.disable:
        bar.write(message)


class Runner:
    def __init__(self, model, optimizer, loss_fn, metric=None, device=None, callbacks=()):
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.metric = metric
        self.device = None if device is None else backend.device(device)
        self.callbacks = list(callbacks)
        if self.device is not None:
            model.to(self.device)
        self.global_step = 0
        self.train_step_losses = []
        self.train_epoch_losses = []
        self.dev_scores = []
        self.dev_losses = []
        self.best_score = None
        self.best_state = None

    def add_callback(self, callback):
        self.callbacks.append(callback)
        return callback

    def _notify(self, event, *args):
        for callback in tuple(self.callbacks):
            method = getattr(callback, event, None)
            if method is not None:
                method(self, *args)

    def _to_device(self, value):
        if self.device is None:
            return value
        if isinstance(value, Tensor):
            return value.to(self.device)
        if isinstance(value, (tuple, list)):
            return type(value)(self._to_device(v) for v in value)
        return value

    def train_step(self, inputs, labels):
        """One iteration: forward, loss, backward, optimizer step. Returns the loss as a float."""
        self.model.train()
        loss = self.loss_fn(self.model(inputs), labels)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def train(
        self,
        train_loader,
        dev_loader=None,
        num_epochs=1,
        log_steps=100,
        eval_steps=0,
        save_path=None,
        restore_best=True,
        progress=True,
    ):
        """Train for ``num_epochs``. With a dev loader, evaluate every ``eval_steps`` steps (0: after
        every epoch), keep the weights with the best dev score (without a metric: the lowest dev loss;
        ``best_score`` is then minus that loss), saved to ``save_path`` if given, and, with
        ``restore_best``, load them back at the end. ``progress=False`` prints nothing: no bar, no logs."""
        total = num_epochs * len(train_loader)
        bar = tqdm(total=total, disable=not progress, desc="training", unit="step")
        self._notify("on_train_begin")
        try:
            for epoch in range(num_epochs):
                self._train_epoch(epoch, train_loader, dev_loader, log_steps, eval_steps, save_path, bar)
                if dev_loader is not None and not eval_steps:
                    self._evaluate_and_keep_best(dev_loader, save_path, bar)
                self._notify("on_epoch_end", epoch)
        except StopTraining:
            _say(bar, f"training stopped at step {self.global_step}")
        finally:
            bar.close()
        if restore_best and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        self._notify("on_train_end")
        return self

    def _count_step(self, loss, bar):
        self.global_step += 1
        self.train_step_losses.append((self.global_step, loss))
        bar.update(1)

    def _train_epoch(self, epoch, loader, dev_loader, log_steps, eval_steps, save_path, bar):
        epoch_loss = Mean()
        for inputs, labels in loader:
            try:
                loss = self.train_step(self._to_device(inputs), self._to_device(labels))
            except StopTraining as stop:
                if stop.step_completed:  # the weights were updated: count the step (training ends here,
                    # so on_train_end, not on_step_end, follows)
                    self._count_step(math.nan if stop.loss is None else stop.loss, bar)
                raise
            self._count_step(loss, bar)
            epoch_loss.update(loss, len(labels))
            bar.set_postfix(epoch=epoch, loss=f"{loss:.4f}", refresh=False)
            if log_steps and self.global_step % log_steps == 0:
                _say(bar, f"[train] epoch {epoch} step {self.global_step}: loss {loss:.4f}")
            self._notify("on_step_end", self.global_step, loss)
            if dev_loader is not None and eval_steps and self.global_step % eval_steps == 0:
                self._evaluate_and_keep_best(dev_loader, save_path, bar)
        self.train_epoch_losses.append((epoch, epoch_loss.accumulate()))

    def _evaluate_and_keep_best(self, loader, save_path, bar):
        score, loss = self.evaluate(loader)
        self.dev_scores.append((self.global_step, score))
        self.dev_losses.append((self.global_step, loss))
        merit = -loss if score is None else score
        improved = self.best_score is None or merit > self.best_score
        if improved:
            self.best_score = merit
            self.best_state = {k: v.clone() for k, v in self.model.state_dict().items()}
            if save_path is not None:
                self.save_model(save_path)
        shown = "" if score is None else f"dev score {score:.4f}, "
        mark = " (best)" if improved else ""
        _say(bar, f"[evaluate] step {self.global_step}: {shown}dev loss {loss:.4f}{mark}")
        self._notify("on_evaluate", score, loss)

    @no_grad()
    def evaluate(self, loader):
        """(metric score, mean loss) over a loader, in eval mode; the score is None without a metric."""
        losses = Mean()
        if self.metric is not None:
            self.metric.reset()
        with _eval_mode(self.model):
            for inputs, labels in loader:
                inputs, labels = self._to_device(inputs), self._to_device(labels)
                scores = self.model(inputs)
                losses.update(self.loss_fn(scores, labels).item(), len(labels))
                if self.metric is not None:
                    self.metric.update(scores, labels)
        score = self.metric.accumulate() if self.metric is not None else None
        return score, losses.accumulate()

    @no_grad()
    def predict(self, inputs):
        """The model's output for ``inputs``, in eval mode, without recording gradients."""
        with _eval_mode(self.model):
            return self.model(self._to_device(inputs))

    def save_model(self, path):
        from .io import save

        save(self.model.state_dict(), path)

    def load_model(self, path):
        from .io import load

        self.model.load_state_dict(load(path, map_location=self.device))
