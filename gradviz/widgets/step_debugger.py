"""``StepDebugger``: replay one captured training step op by op — forward, then backward.

Next / Prev / the slider (and the arrow keys, Home/End, n/p with the graph focused) move through the
ops in engine order; the current op and its tensors are highlighted in an embedded :class:`GraphView`,
the panel shows its inputs, outputs and gradients, leaves' ``.grad`` visibly grow as gradients arrive,
and "first NaN/Inf" jumps to the op that produced one. Small tensors print their values (and gradients,
once backward reached them) in the nodes, micrograd-style.
"""

import html

import ipywidgets as widgets

from ..trace.recorder import Recorder
from .graph_view import GraphView
from .stepper import StepperModel
from .values import summary_text, value_figure

_KEYS = {"ArrowRight": 1, "n": 1, "ArrowLeft": -1, "p": -1}


class StepDebugger(widgets.VBox):
    def __init__(self, source, *, max_visible=150, height=480):
        recorder = source if isinstance(source, Recorder) else None
        capture = source.captured if recorder is not None else source
        self.stepper = StepperModel(capture)
        self.graph_view = GraphView(capture.graph, max_visible=max_visible, height=height)
        self.graph_view.plot.on_key(self._on_key)
        self.prev_button = _button("◀ prev", "gradviz-prev", lambda _: self.prev())
        self.next_button = _button("next ▶", "gradviz-next", lambda _: self.next())
        self.nan_button = _button(
            "first NaN/Inf", "gradviz-first-nan", lambda _: self.jump_to_first_nonfinite()
        )
        self.slider = widgets.IntSlider(
            value=0,
            min=0,
            max=len(self.stepper) - 1,
            description="op",
            continuous_update=True,
            layout=widgets.Layout(width="60%"),
        )
        self.slider.add_class("gradviz-debugger-slider")
        self.slider.observe(lambda change: self.go(change["new"]), "value")
        self.title = widgets.HTML()
        self.title.add_class("gradviz-debugger-title")
        self.panel = widgets.HTML()
        self.panel.add_class("gradviz-debugger-panel")
        controls = widgets.HBox([self.prev_button, self.next_button, self.slider, self.nan_button])
        super().__init__([self.title, controls, self.graph_view, self.panel])
        self.add_class("gradviz-step-debugger")
        self._show()

    def next(self):
        return self.go(self.stepper.position + 1)

    def prev(self):
        return self.go(self.stepper.position - 1)

    def go(self, position):
        self.stepper.go(position)
        if self.slider.value != self.stepper.position:
            self.slider.value = self.stepper.position  # observing the slider redraws
        else:
            self._show()
        return self.stepper.position

    def jump_to_first_nonfinite(self):
        found = self.stepper.jump_to_first_nonfinite()
        if found:
            self.go(self.stepper.position)
        else:
            self.title.value += " · <b>no NaN/Inf in this step</b>"
        return found

    @property
    def highlighted(self):
        return self.graph_view.highlighted

    def _on_key(self, key):
        if key in _KEYS:
            self.go(self.stepper.position + _KEYS[key])
        else:
            self.go(0 if key == "Home" else len(self.stepper) - 1)

    def _show(self):
        self.graph_view.highlight(self.stepper.highlighted(), self.stepper.node_labels())
        rows = self.stepper.panel()
        self.panel.value = "".join(
            f"<div><b>{html.escape(label)}:</b> {html.escape(_row_text(value))}</div>"
            for label, value in rows
        )
        self.graph_view.detail.replace(value_figure(*self._value_and_grad()))
        self.title.value = f"<b>{html.escape(self.stepper.title())}</b>"  # last: the view is updated

    def _value_and_grad(self):
        """What the side plots show: an op's output in forward, the gradient it sends in backward."""
        record = self.stepper.current
        if not hasattr(record, "phase"):
            return None, record.value
        produced = [v for v in record.outputs if v is not None and not isinstance(v, str)]
        first = produced[0] if produced else None
        return (first, None) if record.phase == "forward" else (None, first)


def _button(text, css_class, on_click):
    button = widgets.Button(description=text)
    button.add_class(css_class)
    button.on_click(on_click)
    return button


def _row_text(value):
    if value is None:
        return "none"
    return value if isinstance(value, str) else summary_text(value)
