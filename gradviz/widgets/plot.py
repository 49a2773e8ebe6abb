"""``Plot``: a plotly figure in a notebook, drawn with ONE copy of plotly.js per page.

A plotly ``FigureWidget`` carries plotly's ~5 MB bundle in its own state, so every figure sends,
evaluates and saves it again (seconds per figure, megabytes per saved figure). Here the bundle travels
once, in the state of a single hidden :class:`PlotlyLoader` per kernel; each :class:`Plot` refers to it
and its small ESM evaluates the bundle the first time and caches ``Plotly`` for every later view.

Updates are deltas: :meth:`Plot.update` sends only the changed trace and layout properties, in one
message. The synced ``figure`` trait is the state a *new* view draws (a page reload, a second display,
Voila connecting late); it is refreshed with the current figure at most every ``snapshot_interval``
seconds (on the kernel's event loop once it is free) and on :meth:`Plot.flush`, and the deltas that
follow are absolute, so a late view converges.
"""

import copy
import functools
import json
import time
from pathlib import Path

import anywidget
import plotly
import plotly.io
import traitlets

from .throttle import Throttle

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

_ESM = """
function loadPlotly(host, loaderRef) {
    // plotly.min.js is a UMD bundle: given a CommonJS `module` it exports Plotly instead of a global.
    globalThis.__gradvizPlotly ??= host.getModel(loaderRef).then((loader) => {
        const module = { exports: {} };
        new Function("module", loader.get("source"))(module);
        return module.exports;
    });
    return globalThis.__gradvizPlotly;
}

// A definite CSS height: on a window resize a responsive plot re-measures its element, and an element
// sized only by its own content measures 0 inside some flex layouts.
function pinHeight(el, layout) {
    if (layout?.height) el.style.height = `${layout.height}px`;
}

function applyDelta(Plotly, el, delta) {
    for (const [index, props] of Object.entries(delta.traces ?? {})) {
        const wrapped = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, [v]]));
        Plotly.restyle(el, wrapped, [Number(index)]);
    }
    if (delta.layout) {
        pinHeight(el, delta.layout);
        Plotly.relayout(el, delta.layout);
    }
}

export default {
    async render({ model, el, host }) {
        const Plotly = await loadPlotly(host, model.get("loader"));
        el.classList.add("gradviz-plot");
        const draw = () => {
            const { data, layout } = model.get("figure");
            pinHeight(el, layout);
            return Plotly.react(el, data, layout, { displaylogo: false, responsive: true });
        };
        await draw();
        model.on("change:figure", draw);
        model.on("msg:custom", (msg) => { if (msg.type === "delta") applyDelta(Plotly, el, msg.delta); });
        el.tabIndex = 0;  // focusable, so a view can take keyboard shortcuts
        el.addEventListener("keydown", (event) => {
            if (["ArrowLeft", "ArrowRight", "Home", "End", "n", "p"].includes(event.key)) {
                event.preventDefault();
                model.send({ type: "key", key: event.key });
            }
        });
        el.on("plotly_click", (event) => {
            const points = event.points.map((p) => ({ trace: p.curveNumber, index: p.pointNumber,
                                                       customdata: p.customdata ?? null }));
            model.send({ type: "click", points });
        });
        return () => Plotly.purge(el);
    },
};
"""


class PlotlyLoader(anywidget.AnyWidget):
    """Holds plotly.js for every :class:`Plot` of this kernel; never displayed."""

    _esm = "export default {};"
    source = traitlets.Unicode().tag(sync=True)


@functools.cache
def shared_loader():
    return PlotlyLoader(source=PLOTLY_JS.read_text())


class Plot(anywidget.AnyWidget):
    _esm = _ESM
    loader = anywidget.WidgetTrait().tag(sync=True)
    figure = traitlets.Dict().tag(sync=True)

    def __init__(self, figure, snapshot_interval=2.0, **kwargs):
        super().__init__(loader=shared_loader(), figure=_as_json(figure), **kwargs)
        self.current = copy.deepcopy(self.figure)
        self._snapshots = Throttle(self._sync_figure, snapshot_interval)
        self._snapshots.last = time.monotonic()  # the constructor just synced it
        self._callbacks = {"click": [], "key": []}
        self.on_msg(self._on_message)

    def update(self, traces=None, layout=None):
        """Change ``traces`` ({trace index: {property: value}}) and ``layout`` ({property: value},
        plotly's dotted paths allowed) in every view, as one delta message."""
        traces = {int(i): _as_json(props) for i, props in (traces or {}).items()}
        layout = _as_json(layout or {})
        for index, props in traces.items():
            _set_paths(self.current["data"][index], props)
        _set_paths(self.current["layout"], layout)
        self.send({"type": "delta", "delta": {"traces": traces, "layout": layout}})
        self._snapshots.request(True)

    def flush(self):
        """Make the synced state the current figure, for views created from now on."""
        self._snapshots.request(True)
        self._snapshots.flush()

    def _sync_figure(self, _):
        self.figure = copy.deepcopy(self.current)

    def replace(self, figure):
        """Draw a different figure (a new structure); every view redraws."""
        self.current = _as_json(figure)
        self.flush()

    def on_click(self, callback):
        """Call ``callback(points)`` when a point is clicked: a list of {trace, index, customdata}."""
        self._callbacks["click"].append(callback)

    def on_key(self, callback):
        """Call ``callback(key)`` for arrow keys, Home/End and n/p pressed while the plot has focus."""
        self._callbacks["key"].append(callback)

    def _on_message(self, widget, message, buffers):
        kind = message.get("type")
        for callback in tuple(self._callbacks.get(kind, ())):
            callback(message["points"] if kind == "click" else message["key"])

    def to_html(self, path):
        """A self-contained HTML file of the current figure (plotly.js inlined; opens offline)."""
        Path(path).write_text(plotly.io.to_html(self.current, include_plotlyjs=True, full_html=True))
        return path


def _as_json(value):
    """Plain JSON data (numpy arrays and plotly objects converted) — what widget state can hold."""
    if hasattr(value, "to_plotly_json"):
        value = value.to_plotly_json()
    return json.loads(plotly.io.json.to_json_plotly(value))


def _set_paths(target, changes):
    """Apply plotly-style changes (``{"marker.line.width": 4}``) to nested figure JSON."""
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = target
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
