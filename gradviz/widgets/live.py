"""``LiveView``: the plumbing a view needs to follow a training run, in one place.

A view that mixes it in builds a :class:`~.plot.Plot` whose traces never change in number, and
implements ``_dynamic()``: every property that depends on the data, as ``({trace index: {property:
value}}, {layout path: value})``, read from the recorder or runner as they are *now* (large numeric
data as numpy arrays, which compare fast). Each redraw compares those properties with what was last
sent and sends only the changed ones, in one delta message; the :class:`~.throttle.Throttle` limits
redraws to one per ``interval`` seconds and ``on_train_end`` delivers the last state and refreshes
the state that late views draw.

A redraw's cost grows with the history it shows (a long run's heatmap or curve), so the interval also
stretches to keep redraws within ``budget`` of the wall clock (5% by default): training slows by at
most that much per view, which just updates less often late in a long run.

As a ``Runner`` callback (``runner.add_callback(view)`` or ``view.attach(runner)``) the view redraws
after every step, evaluation and epoch; it never trains and never computes statistics.
"""

import numpy as np

from .plot import Plot
from .throttle import Throttle


class LiveView:
    def _start_live(self, skeleton, interval, budget):
        """Create ``self.plot`` from the data-free ``skeleton`` and draw the current state into it."""
        self.plot = Plot(skeleton)
        self.redraw_interval = interval
        self.redraw_budget = budget
        self.throttle = Throttle(self._redraw, interval)
        self._sent = {}
        self.refresh()

    def _dynamic(self):
        raise NotImplementedError(
            f"{type(self).__name__} must define _dynamic(): ({{trace index: {{property: value}}}}, "
            "{layout path: value}) from the current data"
        )

    def _update_controls(self):
        """Redraw the view's widgets other than the plot (none by default)."""

    # ---- drawing ----
    def refresh(self):
        """Redraw everything from the current data (what a newly created view shows)."""
        self._sent = {}
        self._redraw()
        self.plot.flush()

    def _redraw(self, _request=None):
        started = self.throttle.clock()
        traces, layout = self._dynamic()
        changed_traces = {}
        for index, props in traces.items():
            changed = self._changed(("trace", index), props)
            if changed:
                changed_traces[index] = changed
        changed_layout = self._changed(("layout",), layout)
        if changed_traces or changed_layout:
            self.plot.update(traces=changed_traces, layout=changed_layout)
        self._update_controls()
        cost = self.throttle.clock() - started
        self.throttle.interval = max(self.redraw_interval, cost / self.redraw_budget)

    def _changed(self, owner, props):
        """The properties that differ from what was last sent for ``owner``; remembers them."""
        changed = {}
        for name, value in props.items():
            key = (*owner, name)
            if key not in self._sent or not _same(self._sent[key], value):
                self._sent[key] = value
                changed[name] = value
        return changed

    def to_html(self, path):
        """The plot as a self-contained HTML file (plotly.js inlined; opens offline)."""
        return self.plot.to_html(path)

    # ---- Runner callbacks ----
    def attach(self, runner):
        """Follow ``runner`` live (the same as ``runner.add_callback(view)``, once)."""
        if self not in runner.callbacks:
            runner.add_callback(self)
        return self

    def on_step_end(self, runner, step, loss):
        self.throttle.request(step)

    def on_evaluate(self, runner, score, loss):
        self.throttle.request(runner.global_step)

    def on_epoch_end(self, runner, epoch):
        self.throttle.request(runner.global_step)

    def on_train_end(self, runner):
        self.throttle.cancel()
        self._redraw()
        self.plot.flush()


def _same(old, new):
    """Equal values; numpy arrays compare element-wise with NaN equal to NaN (a missing value stays
    missing)."""
    if isinstance(old, np.ndarray) or isinstance(new, np.ndarray):
        return (
            isinstance(old, np.ndarray)
            and isinstance(new, np.ndarray)
            and old.shape == new.shape
            and np.array_equal(old, new, equal_nan=old.dtype.kind == "f")
        )
    return old == new
