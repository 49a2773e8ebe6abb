"""``LiveView``: the plumbing a view needs to follow a training run, in one place.

A view that mixes it in builds a :class:`~.plot.Plot` whose traces never change in number, and
implements ``_dynamic()``: every property that depends on the data, as ``({trace index: {property:
value}}, {layout path: value})``, read from the recorder or runner as they are *now*. Each redraw
compares those properties with what was last sent and sends only the changed ones, in one delta
message; the :class:`~.throttle.Throttle` limits redraws to one per ``interval`` seconds and
``on_train_end`` delivers the last state and refreshes the state that late views draw.

As a ``Runner`` callback (``runner.add_callback(view)`` or ``view.attach(runner)``) the view redraws
after every step, evaluation and epoch; it never trains and never computes statistics.
"""

import plotly.io

from .plot import Plot
from .throttle import Throttle


class LiveView:
    def _start_live(self, skeleton, interval):
        """Create ``self.plot`` from the data-free ``skeleton`` and draw the current state into it."""
        self.plot = Plot(skeleton)
        self.throttle = Throttle(self._redraw, interval)
        self._sent = {}
        self.refresh()

    def _dynamic(self):
        raise NotImplementedError

    def _update_controls(self):
        """Redraw the view's widgets other than the plot (none by default)."""

    # ---- drawing ----
    def refresh(self):
        """Redraw everything from the current data (what a newly created view shows)."""
        self._sent = {}
        self._redraw()
        self.plot.flush()

    def _redraw(self, _request=None):
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

    def _changed(self, owner, props):
        """The properties whose JSON differs from what was last sent for ``owner``; remembers them."""
        changed = {}
        for name, value in props.items():
            text = plotly.io.json.to_json_plotly(value)
            if self._sent.get((*owner, name)) != text:
                self._sent[(*owner, name)] = text
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
        self.throttle.flush()
        self._redraw()
        self.plot.flush()
