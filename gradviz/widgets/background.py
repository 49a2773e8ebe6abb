"""``BackgroundRun``: ``runner.train(...)`` in a daemon thread that stops only between steps.

The run takes part in training as the runner's last callback: at the end of every step it lets the
next one start only while playing, or once per requested :meth:`step`; otherwise it waits there, at a
step boundary, where the model is whole and may be read, changed (a weight, the learning rate) or
restored. Stopping raises :class:`~gradviz.runner.StopTraining` at that boundary, so the runner ends
cleanly; a step is never cut in half. When training stops early for another reason (a recorder's
breakpoint, another callback's ``StopTraining``) the run pauses and can be resumed where it stopped:
the batches continue from the one after the last trained.

Listeners (``on_change(run, event)``) hear ``"paused"`` (waiting at a boundary), ``"interrupted"``
(training stopped early; now paused), ``"finished"``, ``"stopped"`` and ``"failed"`` (``run.error``),
from the training thread. No widget code lives here.
"""

import atexit
import copy
import logging
import threading
import weakref

from ..runner import StopTraining

_log = logging.getLogger(__name__)
_LIVE_RUNS = weakref.WeakSet()
STOP_TIMEOUT = 30.0
ENDED = ("finished", "stopped", "failed")


class BackgroundRun:
    def __init__(self, runner, train_loader, dev_loader=None, num_epochs=1, eval_steps=0, on_change=None):
        self.runner = runner
        self.dev_loader = dev_loader
        self.eval_steps = eval_steps
        self.batches = ResumableBatches(train_loader, num_epochs)
        self.listeners = [] if on_change is None else [on_change]
        self.steps = 0  # steps whose end the runner announced
        self.boundaries = 0  # times the thread reached a step boundary (a place where it may wait)
        self.state = "created"
        self.error = None
        self._playing = False
        self._budget = 0
        self._stop = False
        self._waiting = False
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._main, name="gradviz-training", daemon=True)

    # ---- commands (from any thread but the training thread) ----
    def start(self, paused=False):
        self._playing = not paused
        self.state = "paused" if paused else "playing"
        _LIVE_RUNS.add(self)
        self._thread.start()
        return self

    def play(self):
        with self._condition:
            self._playing = True
            self.state = "playing"
            self._condition.notify_all()

    def pause(self, wait=False, timeout=STOP_TIMEOUT):
        """Stop at the end of the current step; with ``wait``, return once the thread is there."""
        with self._condition:
            self._playing = False
            self._budget = 0
            if self.alive:
                self.state = "paused" if self._waiting else "pausing"
        return self.wait_at_boundary(timeout) if wait else True

    def step(self, count=1, wait=False, timeout=STOP_TIMEOUT):
        """Train exactly ``count`` more steps, then pause; with ``wait``, return once they are done."""
        with self._condition:
            self._playing = False
            self._budget += count
            reached = self.boundaries
            self.state = "stepping"
            self._condition.notify_all()
        return self.wait_at_boundary(timeout, after=reached + count) if wait else True

    def stop(self, timeout=STOP_TIMEOUT):
        """End training at the next step boundary and join the thread; True once it has ended."""
        with self._condition:
            self._stop = True
            self._condition.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def wait_at_boundary(self, timeout=STOP_TIMEOUT, after=None):
        """Wait until the thread waits between steps (having reached ``after`` boundaries) or has ended."""
        with self._condition:
            return self._condition.wait_for(
                lambda: not self.alive or (self._waiting and (after is None or self.boundaries >= after)),
                timeout,
            )

    @property
    def alive(self):
        return self._thread.is_alive()

    @property
    def in_training_thread(self):
        return threading.current_thread() is self._thread

    # ---- the training thread ----
    def on_step_end(self, runner, step, loss):
        """The runner's callback at every step boundary: count the step, then wait for permission."""
        self.steps += 1
        if not self.batches.exhausted:
            self._await_permission()

    def _main(self):
        self.runner.add_callback(self)
        try:
            self._await_permission()
            while not self.batches.exhausted:
                self.runner.train(
                    self.batches,
                    self.dev_loader,
                    num_epochs=self.batches.epochs_left,
                    eval_steps=self.eval_steps,
                    restore_best=False,
                    progress=False,
                )
                if self._stop or self.batches.exhausted:
                    break
                self._interrupted()
            self._end("stopped" if self._stop else "finished")
        except StopTraining:
            self._end("stopped")
        except Exception as error:  # noqa: BLE001 - reported to the listeners, and kept for the user
            self.error = error
            self._end("failed")
        finally:
            self.runner.callbacks.remove(self)

    def _interrupted(self):
        """Training stopped early (a breakpoint, or a callback's StopTraining): pause where it stopped."""
        with self._condition:
            self._playing = False
            self._budget = 0
            self.state = "paused"
        self._tell("interrupted")
        self._await_permission(told=True)

    def _await_permission(self, told=False):
        """Wait at this step boundary until playing, a step is granted, or a stop is requested; the
        listeners hear ``"paused"`` before the thread waits (unless they were ``told`` already)."""
        with self._condition:
            self.boundaries += 1
        while not self._wait_for_grant(told):
            self._tell("paused")
            told = True

    def _wait_for_grant(self, told):
        """False, without waiting, when the run must pause and the listeners have not heard of it."""
        with self._condition:
            if not self._granted():
                self.state = "paused"
                if not told:
                    return False
            self._waiting = True
            self._condition.notify_all()
            self._condition.wait_for(self._granted)
            self._waiting = False
            if self._stop:
                raise StopTraining("stopped by BackgroundRun.stop()")
            if not self._playing:
                self._budget -= 1
            return True

    def _granted(self):
        return self._stop or self._playing or self._budget > 0

    def _end(self, state):
        with self._condition:
            self.state = state
            self._condition.notify_all()
        self._tell(state)

    def _tell(self, event):
        """Tell the listeners; a failing listener is logged and never stops the training."""
        for listener in tuple(self.listeners):
            try:
                listener(self, event)
            except Exception:  # noqa: BLE001 - a view's error must not cut the run short
                _log.exception("BackgroundRun: listener %r failed on %r", listener, event)


class ResumableBatches:
    """``num_epochs`` passes over ``loader`` that the runner may iterate in several ``train()`` calls: a
    pass that was left in the middle continues with its next batch."""

    def __init__(self, loader, num_epochs):
        self.loader = loader
        self.epochs_left = num_epochs
        self.total = num_epochs * len(loader)
        self.served = 0
        self._pass = None

    @property
    def exhausted(self):
        return self.served >= self.total or self.epochs_left <= 0

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        if self._pass is None:
            self._pass = iter(self.loader)
        for batch in self._pass:
            self.served += 1
            yield batch
        self._pass = None
        self.epochs_left -= 1


class TrainingSnapshot:
    """The runner's training state at one moment — weights, optimizer state, step count and history —
    to go back to (the dashboard's Reset)."""

    HISTORY = ("train_step_losses", "train_epoch_losses", "dev_scores", "dev_losses")

    def __init__(self, runner):
        self.runner = runner
        self.model_state = {k: v.clone() for k, v in runner.model.state_dict().items()}
        self.optimizer_state = copy.deepcopy(runner.optimizer.state_dict())
        self.counters = (runner.global_step, runner.best_score, runner.best_state)
        self.history = {name: list(getattr(runner, name)) for name in self.HISTORY}

    def restore(self):
        """Put the runner back as it was; call only between steps (no training running)."""
        runner = self.runner
        runner.model.load_state_dict(self.model_state)
        runner.optimizer.load_state_dict(copy.deepcopy(self.optimizer_state))
        runner.global_step, runner.best_score, runner.best_state = self.counters
        for name, values in self.history.items():
            getattr(runner, name)[:] = values


@atexit.register
def _stop_live_runs():
    """At interpreter exit, end every run at a step boundary rather than mid-step."""
    for run in list(_LIVE_RUNS):
        run.stop(timeout=5.0)
