"""A tensor's value and gradient as pictures: a heatmap for 2-D data, a histogram otherwise."""

import numpy as np

from .graph_model import PALETTE

HEIGHT = 260


def value_figure(value, grad, selected=True):
    """A figure with two panels (value, gradient) from captured :class:`~gradviz.trace.capture.Value`s.
    A panel with nothing captured is hidden; a single number is written out rather than drawn. Before a
    node is ``selected`` the figure is blank (no "nothing captured" note about no node)."""
    traces = []
    annotations = []
    axes = {
        "xaxis": {"domain": [0, 0.46]},
        "xaxis2": {"domain": [0.54, 1], "anchor": "y2"},
        "yaxis": {"anchor": "x"},
        "yaxis2": {"anchor": "x2"},
    }
    items = (("value", value), ("gradient", grad))
    for column, (title, item) in enumerate(items, start=1):
        axis = "" if column == 1 else str(column)
        array = None if item is None else _array_of(item)
        if array is None or array.size == 1:
            axes[f"xaxis{axis}"]["visible"] = axes[f"yaxis{axis}"]["visible"] = False
            if array is not None:
                annotations.append(_note(f"{title}<br><b>{array.item():.6g}</b>", column))
            continue
        traces.append(_trace(array, axis))
        kept = "" if item.kept_whole else " (preview)"
        annotations.append(_note(f"{title} {list(item.shape)}{kept}", column, top=True))
    if value is None and grad is None and selected:
        annotations.append(_note("no value or gradient captured<br>for this node", None))
    return {
        "data": traces,
        "layout": {
            "height": HEIGHT,
            "margin": {"l": 30, "r": 10, "t": 30, "b": 25},
            "showlegend": False,
            **axes,
            "annotations": annotations,
        },
    }


def _array_of(item):
    array = item.array if item.kept_whole else item.preview
    return np.asarray(array, dtype=np.float64)


def _trace(array, axis):
    common = {"xaxis": f"x{axis}", "yaxis": f"y{axis}"}
    if array.ndim == 2:
        colorscale = [[i / (len(PALETTE) - 1), c] for i, c in enumerate(PALETTE)]
        return {
            "type": "heatmap",
            "z": array[::-1].tolist(),
            "colorscale": colorscale,
            "showscale": False,
            **common,
        }
    return {"type": "histogram", "x": array.reshape(-1).tolist(), "marker": {"color": PALETTE[3]}, **common}


def _note(text, column, top=False):
    """A note over a panel's centre, or (``column`` None) from the figure's left edge, which stays in
    sight when the side panel is narrower than the figure."""
    x = {1: 0.23, 2: 0.77, None: 0.0}[column]
    return {
        "text": text,
        "x": x,
        "xanchor": "left" if column is None else "center",
        "align": "left" if column is None else "center",
        "y": 1.08 if top else 0.5,
        "xref": "paper",
        "yref": "paper",
        "showarrow": False,
    }


def summary_text(value):
    """One line: shape, dtype and summary statistics of a captured value."""
    s = value.summary
    if s["mean"] is None:
        return f"{list(value.shape)} {value.dtype}"
    note = "" if value.kept_whole else " (summary of a large tensor; preview shown)"
    return (
        f"{list(value.shape)} {value.dtype}: min {s['min']:.4g}, max {s['max']:.4g}, mean {s['mean']:.4g}, "
        f"std {s['std']:.4g}, NaN/Inf {s['nonfinite']}{note}"
    )
