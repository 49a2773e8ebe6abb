"""``Dashboard``: loss curves, gradient flow, the computation graph, attention (when the model has
attention) and run controls, in one widget: ``gv.widgets.Dashboard(runner, recorder)``.

Blocking mode: the dashboard, its views and the recorder are the runner's callbacks, so
``runner.train(...)`` in a cell draws live (throttled) while the cell runs.

Background mode: :meth:`Dashboard.start` trains in a :class:`~.background.BackgroundRun` thread that
Play / Pause / Step (one batch) / Step-op (capture the next step and open the :class:`StepDebugger` on
it) / Reset drive; the kernel stays free, and while paused the learning rate (the ``lr`` box sets every
parameter group's) or a weight may be changed before resuming. A recorder breakpoint (``break_on``)
pauses the run and opens the debugger at the offending op. The buttons only signal the thread; no
training runs in a widget callback.
"""

import html
from pathlib import Path

import ipywidgets as widgets
import plotly.io

from .attention_view import AttentionView
from .background import ENDED, BackgroundRun, TrainingSnapshot
from .gradient_flow import GradientFlow
from .graph_view import GraphView
from .loss_curves import LossCurves
from .step_debugger import StepDebugger
from .throttle import Throttle

_GRAPH_PENDING = "<i>The computation graph appears after the first recorded step.</i>"


class Dashboard(widgets.VBox):
    def __init__(self, runner, recorder, *, tokens=None, interval=0.1):
        self.runner = runner
        self.recorder = recorder
        self.run = None
        self.snapshot = None
        self.debugger = None
        self.graph_view = None
        self.findings = []
        self._run_options = None
        self._debug_next_pause = False
        if recorder not in runner.callbacks:
            runner.add_callback(recorder)  # before the views, so they draw the step it just recorded
        self.loss_curves = LossCurves(recorder, runner, interval=interval)
        self.gradient_flow = _follow(runner, GradientFlow(recorder, interval=interval))
        self.attention = None
        if _has_attention(runner.model):
            self.attention = _follow(runner, AttentionView(recorder, tokens, interval=interval))
        self.graph_area = _classed(widgets.VBox([widgets.HTML(_GRAPH_PENDING)]), "gradviz-dashboard-graph")
        self.debugger_area = _classed(widgets.VBox(), "gradviz-dashboard-debugger")
        self.controls = self._controls()
        self.status_throttle = Throttle(lambda _: self._show_status(), interval)
        views = [self.loss_curves, self.gradient_flow, self.graph_area]
        if self.attention is not None:
            views.append(self.attention)
        super().__init__([self.controls, self.debugger_area, *views])
        self.add_class("gradviz-dashboard")
        if recorder.graph() is not None:
            self._show_graph()  # a dashboard opened after training shows what was recorded
        runner.add_callback(self)
        self._show_status()

    # ---- background mode ----
    def start(self, train_loader, dev_loader=None, num_epochs=1, eval_steps=0, paused=False):
        """Train in a background thread (playing, or waiting for Play/Step with ``paused``)."""
        if self.run is not None and self.run.alive:
            raise RuntimeError("Dashboard.start: a background run is going on; stop() it first")
        self._run_options = (train_loader, dev_loader, num_epochs, eval_steps)
        self.snapshot = TrainingSnapshot(self.runner)
        self._launch(paused)
        return self.run

    def play(self):
        self._require_run().play()
        self._show_status()

    def pause(self, wait=False):
        done = self._require_run().pause(wait=wait)
        self._show_status()
        return done

    def step(self, wait=False):
        """Train exactly one batch, then pause."""
        return self._require_run().step(wait=wait)

    def step_op(self, wait=False):
        """Capture the next step and open the step debugger on it once it is done."""
        run = self._require_run()
        self._debug_next_pause = True
        self.recorder.capture_step()
        return run.step(wait=wait)

    def reset(self):
        """Stop the run at a step boundary, restore the weights, optimizer and history it started with,
        and wait, paused, at its first batch."""
        if not self._require_run().stop():
            raise RuntimeError("Dashboard.reset: the training thread did not reach a step boundary in time")
        self.snapshot.restore()
        self.findings = []
        self._launch(paused=True)
        self._sync_lr()

    def stop(self, timeout=30.0):
        """End the background run at the next step boundary and join its thread; True once ended."""
        return True if self.run is None else self.run.stop(timeout)

    def set_lr(self, lr):
        """The learning rate of every parameter group, from the next step on."""
        for group in self.runner.optimizer.param_groups:
            group["lr"] = lr
        self._sync_lr()

    def open_debugger(self, jump_to_nonfinite=False):
        """Show the step debugger on the recorder's captured step (at the first NaN/Inf if asked)."""
        if self.recorder.captured is None:
            return None
        previous = self.debugger
        self.debugger = StepDebugger(self.recorder)
        if jump_to_nonfinite:
            self.debugger.jump_to_first_nonfinite()
        self.debugger_area.children = (self.debugger,)
        if previous is not None:
            _close_tree(previous)
        return self.debugger

    def _launch(self, paused):
        train_loader, dev_loader, num_epochs, eval_steps = self._run_options
        self.run = BackgroundRun(
            self.runner, train_loader, dev_loader, num_epochs, eval_steps, on_change=self._on_run_event
        )
        self.run.start(paused=paused)
        self._show_status()

    def _require_run(self):
        if self.run is None:
            raise RuntimeError("no background run: call dashboard.start(train_loader, ...) first")
        return self.run

    def _on_run_event(self, run, event):
        """Called from the training thread, at a step boundary or when the run ends."""
        if run is not self.run:
            return
        if event == "interrupted" and self.recorder.break_on:
            self.findings = self.recorder.diagnose(self.recorder.break_on)
            self.open_debugger(jump_to_nonfinite=any(f.kind == "nan" for f in self.findings))
        elif event == "paused" and self._debug_next_pause:
            self._debug_next_pause = False
            self.open_debugger()
        self._refresh_views()
        self._show_status()

    # ---- Runner callbacks (blocking mode, and the background thread's steps) ----
    def on_train_begin(self, runner):
        if self.run is not None and self.run.alive and not self.run.in_training_thread:
            raise RuntimeError("a background run is training this model; dashboard.stop() it first")

    def on_step_end(self, runner, step, loss):
        if self.graph_view is None and self.recorder.graph() is not None:
            self._show_graph()
        self.status_throttle.request(step)

    def on_train_end(self, runner):
        self.status_throttle.flush()
        graph = self.recorder.graph()
        if self.graph_view is not None and self.graph_view.model.graph.same_ops(graph):
            self.graph_view.refresh()  # its step slider covers every recorded step; the user's view stays
        elif graph is not None:
            self._show_graph()
        self._show_status()

    # ---- drawing ----
    def to_html(self, path):
        """Every plot of the dashboard in one self-contained HTML page (plotly.js inlined once)."""
        views = (self.loss_curves, self.gradient_flow, self.graph_view, self.attention)
        figures = [view.plot.current for view in views if view is not None]
        parts = [
            plotly.io.to_html(figure, include_plotlyjs=index == 0, full_html=False)
            for index, figure in enumerate(figures)
        ]
        page = "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{}</body></html>"
        Path(path).write_text(page.format("".join(parts)))
        return path

    def _show_graph(self):
        previous = self.graph_view
        self.graph_view = GraphView(self.recorder)
        self.graph_area.children = (self.graph_view,)
        if previous is not None:
            _close_tree(previous)

    def _refresh_views(self):
        for view in (self.loss_curves, self.gradient_flow, self.attention):
            if view is not None:
                view.refresh()

    def _controls(self):
        self.buttons = {
            "play": _button("▶ play", "gradviz-play", lambda _: self.play()),
            "pause": _button("❚❚ pause", "gradviz-pause", lambda _: self.pause()),
            "step": _button("step", "gradviz-step", lambda _: self.step()),
            "step_op": _button("step-op", "gradviz-step-op", lambda _: self.step_op()),
            "reset": _button("⟲ reset", "gradviz-reset", lambda _: self.reset()),
        }
        self.lr = _classed(
            widgets.FloatText(value=self.runner.optimizer.param_groups[0]["lr"], description="lr"),
            "gradviz-lr",
        )
        self.lr.layout.width = "170px"
        self.lr.observe(self._on_lr_typed, "value")
        self.status = _classed(widgets.HTML(), "gradviz-run-status")
        return _classed(widgets.HBox([*self.buttons.values(), self.lr, self.status]), "gradviz-run-controls")

    def _on_lr_typed(self, change):
        if change["new"] >= 0 and change["new"] != self.runner.optimizer.param_groups[0]["lr"]:
            self.set_lr(change["new"])

    def _sync_lr(self):
        self.lr.value = self.runner.optimizer.param_groups[0]["lr"]

    def _show_status(self):
        state = "blocking mode" if self.run is None else self.run.state
        steps = self.runner.train_step_losses
        notes = [f"loss {steps[-1][1]:.4g}"] if steps else []
        if self.run is not None and self.run.error is not None:
            notes.append(f"<b>{html.escape(repr(self.run.error))}</b>")
        notes.extend(f"<b>{html.escape(str(finding))}</b>" for finding in self.findings[:1])
        self.status.value = " · ".join(
            [
                f"<span class='gradviz-run-state'>{html.escape(state)}</span>",
                f"step <span class='gradviz-run-step'>{self.runner.global_step}</span>",
                *notes,
            ]
        )
        ended = self.run is None or self.run.state in ENDED
        for name, button in self.buttons.items():
            button.disabled = self.run is None or (ended and name != "reset")
        self._sync_lr()


def _has_attention(model):
    return any(hasattr(module, "last_attn_weights") for module in model.modules())


def _follow(runner, view):
    if view not in runner.callbacks:
        runner.add_callback(view)
    return view


def _button(text, css_class, on_click):
    button = _classed(widgets.Button(description=text), css_class)
    button.on_click(on_click)
    return button


def _classed(widget, css_class):
    widget.add_class(css_class)
    return widget


def _close_tree(widget):
    """Close a widget and everything inside it (their comms and browser views)."""
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
