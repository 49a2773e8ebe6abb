"""``AttentionView``: the attention weights the recorder kept, per layer and head, as heatmaps with the
tokens on both axes (queries down the side, keys along the bottom).

Controls: the attention layer (labelled self-, masked self- or cross-attention), the heads (every head
next to their average, the average alone, or one head), the sample of the batch whose weights the
recorder keeps from the next step on, and the step among the recorded snapshots. As a ``Runner``
callback (or after :meth:`refresh`) it follows the newest step unless the slider was moved back.
The figure is one :class:`~.plot.Plot` with a subplot per head; a new step is a delta of the heatmaps.
"""

import math

import ipywidgets as widgets
from plotly.subplots import make_subplots

from ..nn.layers.transformer import TransformerDecoderLayer
from .plot import Plot
from .throttle import Throttle

COLORSCALE = "Viridis"  # perceptually uniform and readable with every common colour-vision deficiency
PANEL_HEIGHT = 280
MAX_COLUMNS = 4


def attention_kind(name, model=None):
    """How a module attends, from where it sits: in a Transformer decoder layer (or, without the model,
    under a module named ``decoder``) ``self_attn`` is masked (causal) self-attention and
    ``multihead_attn`` cross-attention; elsewhere ``self_attn`` is self-attention."""
    parent_name, _, attribute = name.rpartition(".")
    if attribute == "multihead_attn":
        return "cross-attention"
    if attribute != "self_attn":
        return "attention"
    parents = {} if model is None else dict(model.named_modules())
    if parent_name in parents:
        in_decoder = isinstance(parents[parent_name], TransformerDecoderLayer)
    else:
        in_decoder = "decoder" in parent_name.split(".")
    return "masked self-attention" if in_decoder else "self-attention"


class AttentionView(widgets.VBox):
    """``tokens``: None (positions), one list of strings for both axes, or a function ``inputs ->
    (query tokens, key tokens)`` giving the decoder-side (target) and encoder-side (source) tokens.
    ``inputs`` is what the model was called with at the snapshot's step, the recorded sample's row of each
    batched tensor argument (a tuple of arrays, nested arguments flattened in order), so the labels
    belong to the very string whose weights are drawn, shuffled data or not. Cross-attention shows
    queries against keys, encoder self-attention the key tokens on both axes, decoder (masked)
    self-attention the query tokens on both axes."""

    def __init__(self, recorder, tokens=None, *, interval=0.1):
        self.recorder = recorder
        self.tokens = tokens
        self.following = True
        self._syncing = False
        self._structure = None
        self.layer = _control(
            widgets.Dropdown(description="layer", layout=widgets.Layout(width="36em")),
            "gradviz-attention-layer",
        )
        self.heads = _control(widgets.Dropdown(description="heads"), "gradviz-attention-heads")
        self.sample = _control(
            widgets.BoundedIntText(value=recorder.attention_sample, min=0, max=10**6, description="sample"),
            "gradviz-attention-sample",
        )
        self.step = _control(
            widgets.IntSlider(description="step", min=0, max=0, continuous_update=True),
            "gradviz-attention-step",
        )
        self.layer.observe(lambda _: self._on_control(), "value")
        self.heads.observe(lambda _: self._on_control(), "value")
        self.step.observe(self._on_step_moved, "value")
        self.sample.observe(self._on_sample, "value")
        self.plot = Plot(_empty_figure())
        self.plot.add_class("gradviz-attention-plot")
        self.throttle = Throttle(lambda _: self._redraw(), interval)
        controls = widgets.HBox(
            [self.layer, self.heads, self.sample], layout=widgets.Layout(flex_flow="row wrap")
        )
        super().__init__([controls, self.step, self.plot])
        self.add_class("gradviz-attention-view")
        self._redraw()
        self.plot.flush()

    # ---- following the recorder ----
    def refresh(self):
        """Draw the recorder's newest snapshots now (for a loop that does not use a ``Runner``)."""
        self._redraw()
        self.plot.flush()

    def attach(self, runner):
        if self not in runner.callbacks:
            runner.add_callback(self)
        return self

    def on_step_end(self, runner, step, loss):
        self.throttle.request(step)

    def on_train_end(self, runner):
        self.throttle.cancel()
        self.refresh()

    def to_html(self, path):
        return self.plot.to_html(path)

    # ---- what is shown ----
    def shown(self):
        """(step, layer name, weights (heads, L, S)) of the selected snapshot, or None before any."""
        snapshots = _snapshots(self.recorder)
        if self.layer.value is None:
            return None
        steps = sorted(s for s, name in snapshots if name == self.layer.value)
        if not steps:
            return None
        step = max((s for s in steps if s <= self.step.value), default=steps[0])
        return step, self.layer.value, snapshots[(step, self.layer.value)]

    def panels(self, weights):
        """[(title, matrix)] for the selected heads: one, their average, or each head then the average."""
        average = ("average of heads", weights.mean(axis=0))
        if self.heads.value == "average":
            return [average]
        if isinstance(self.heads.value, int) and self.heads.value < len(weights):
            return [(f"head {self.heads.value}", weights[self.heads.value])]
        return [(f"head {h}", w) for h, w in enumerate(weights)] + [average]

    def axis_tokens(self, name, step, rows, columns):
        """(query labels, key labels) for a snapshot of ``rows`` queries and ``columns`` keys."""
        kind = attention_kind(name, self.recorder.model)
        if self.tokens is None:
            queries = keys = []
        elif callable(self.tokens):
            inputs = next((rows for at, rows in reversed(self.recorder.attention_inputs) if at == step), None)
            queries, keys = ([], []) if inputs is None else self.tokens(inputs)
            if kind == "self-attention":
                queries = keys
            elif kind == "masked self-attention":
                keys = queries
        else:
            queries = keys = self.tokens
        return _fit(queries, rows), _fit(keys, columns)

    # ---- drawing ----
    def _redraw(self):
        self._sync_controls()
        shown = self.shown()
        panels = [] if shown is None else self.panels(shown[2])
        titles = tuple(title for title, _ in panels)
        rebuilt = titles != self._structure
        if rebuilt:
            self._structure = titles
            self.plot.replace(_grid(titles) if titles else _empty_figure())
        if shown is not None:
            self.plot.update(*self._data(shown, panels))
        if rebuilt:
            self.plot.flush()

    def _data(self, shown, panels):
        """Every step-dependent property: ({trace: props}, {layout path: value})."""
        step, name, weights = shown
        rows, columns = weights.shape[1:]
        queries, keys = self.axis_tokens(name, step, rows, columns)
        hover = [[f"{q} → {k}" for k in keys] for q in queries]
        traces = {
            index: {
                "z": matrix,
                "x": list(range(columns)),
                "y": list(range(rows)),
                "text": hover,
                "hovertemplate": "%{text}: %{z:.3f}<extra>" + title + "</extra>",
            }
            for index, (title, matrix) in enumerate(panels)
        }
        layout = {"title.text": f"{name} · {attention_kind(name, self.recorder.model)} · step {step}"}
        for index in range(len(panels)):
            suffix = "" if index == 0 else str(index + 1)
            layout.update(
                {
                    f"xaxis{suffix}.tickvals": list(range(columns)),
                    f"xaxis{suffix}.ticktext": keys,
                    f"yaxis{suffix}.tickvals": list(range(rows)),
                    f"yaxis{suffix}.ticktext": queries,
                }
            )
        return traces, layout

    # ---- controls ----
    def _sync_controls(self):
        """Offer the layers, heads and steps recorded so far; move to the newest step when following."""
        snapshots = _snapshots(self.recorder)
        self._syncing = True
        try:
            names = list(dict.fromkeys(name for _, name in snapshots))
            model = self.recorder.model
            _set_options(self.layer, [(f"{n} · {attention_kind(n, model)}", n) for n in names])
            heads = max((w.shape[0] for (_, n), w in snapshots.items() if n == self.layer.value), default=0)
            head_options = [("every head + average", "all"), ("average of heads", "average")]
            _set_options(self.heads, head_options + [(f"head {h}", h) for h in range(heads)])
            steps = [s for s, _ in snapshots] or [0]
            self.step.max, self.step.min = max(steps), min(steps)
            self.step.step = max(self.recorder.every, 1)
            if self.following:
                self.step.value = self.step.max
        finally:
            self._syncing = False

    def _on_control(self):
        if not self._syncing:
            self._redraw()

    def _on_step_moved(self, change):
        if self._syncing:
            return
        self.following = change["new"] >= self.step.max
        self._redraw()

    def _on_sample(self, change):
        """The recorder keeps this sample's weights from the step it is on now."""
        self.recorder.attention_sample = change["new"]


def _snapshots(recorder):
    """{(step, layer name): weights}; a copy, so a training thread may append meanwhile."""
    return {(step, name): weights for step, name, weights in tuple(recorder.attention)}


def _fit(labels, length):
    """``labels`` as strings, cut or extended with position numbers to ``length``."""
    labels = [str(label) for label in labels][:length]
    return labels + [str(i) for i in range(len(labels), length)]


def _set_options(dropdown, options):
    """Change a dropdown's options, keeping its value when it is still offered, else the first."""
    if list(dropdown.options) == options:
        return
    value = dropdown.value
    dropdown.options = options
    values = [v for _, v in options]
    if values:
        dropdown.value = value if value in values else values[0]


def _control(widget, css_class):
    widget.add_class(css_class)
    return widget


def _grid(titles):
    """Heatmaps without data, one subplot per title, sharing one colour axis from 0 to 1."""
    columns = min(len(titles), MAX_COLUMNS)
    rows = math.ceil(len(titles) / columns)
    figure = make_subplots(rows, columns, subplot_titles=titles)
    for index in range(len(titles)):
        figure.add_heatmap(z=[[0]], coloraxis="coloraxis", row=index // columns + 1, col=index % columns + 1)
    figure.update_yaxes(autorange="reversed")
    figure.update_yaxes(title_text="query", col=1)  # in every column it would run into the panel on its left
    figure.update_xaxes(title_text="key", tickangle=-45)
    figure.update_layout(
        height=PANEL_HEIGHT * rows + 90,
        template="none",
        plot_bgcolor="white",
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
        coloraxis={"colorscale": COLORSCALE, "cmin": 0, "cmax": 1, "colorbar": {"title": {"text": "weight"}}},
    )
    return figure


def _empty_figure():
    return {
        "data": [],
        "layout": {
            "height": 160,
            "title": {"text": "attention: no weights recorded yet (train a step with the recorder attached)"},
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
        },
    }
