"""``LossCurves``: train loss per step and per epoch, dev loss and the dev metric, drawn live.

The numbers are the runner's own lists (``train_step_losses``, ``dev_losses``, ``dev_scores``,
``train_epoch_losses``); without a runner, the recorder's per-step losses. Created with neither, it
follows the first runner it is added to as a callback. The left panel is per step, with the metric on
a second y-axis; the right one per completed epoch (the runner's epoch numbers restart with every
``train()`` call, so epochs are counted in the order they finished).
"""

import ipywidgets as widgets

from .live import LiveView

BLUE, ORANGE, GREEN = "#0072B2", "#E69F00", "#009E73"  # Okabe-Ito
TRAIN_STEP, DEV_LOSS, DEV_METRIC, TRAIN_EPOCH = range(4)


class LossCurves(LiveView, widgets.VBox):
    def __init__(self, recorder=None, runner=None, *, height=360, interval=0.1, budget=0.05):
        self.recorder = recorder
        self.runner = runner
        self._start_live(_skeleton(height), interval, budget)
        self.plot.add_class("gradviz-loss-plot")
        super().__init__([self.plot])
        self.add_class("gradviz-loss-curves")
        if runner is not None:
            self.attach(runner)

    def attach(self, runner):
        self.runner = runner
        return super().attach(runner)

    def on_train_begin(self, runner):
        if self.runner is None:
            self.runner = runner

    def _dynamic(self):
        runner = self.runner
        if runner is None and self.recorder is None:
            return {}, {}
        if runner is None:
            steps, losses = self.recorder.losses()
            return {TRAIN_STEP: _xy(zip(steps.tolist(), losses.tolist()))}, {}
        epochs = enumerate((loss for _, loss in runner.train_epoch_losses), start=1)
        traces = {
            TRAIN_STEP: _xy(runner.train_step_losses),
            DEV_LOSS: _xy(runner.dev_losses),
            DEV_METRIC: {
                **_xy((s, v) for s, v in runner.dev_scores if v is not None),
                "name": _metric_title(runner),
            },
            TRAIN_EPOCH: _xy(epochs),
        }
        return traces, {"yaxis2.title.text": _metric_title(runner)}


def _xy(pairs):
    pairs = list(pairs)
    return {"x": [x for x, _ in pairs], "y": [y for _, y in pairs]}


def _metric_title(runner):
    return "dev metric" if runner.metric is None else f"dev {type(runner.metric).__name__.lower()}"


def _line(name, color, *, xaxis="x", yaxis="y", markers=False, dash="solid"):
    return {
        "type": "scatter",
        "mode": "lines+markers" if markers else "lines",
        "name": name,
        "x": [],
        "y": [],
        "xaxis": xaxis,
        "yaxis": yaxis,
        "line": {"color": color, "dash": dash},
        "marker": {"color": color, "size": 6},
    }


def _skeleton(height):
    return {
        "data": [
            _line("train loss (step)", BLUE),
            _line("dev loss", ORANGE, markers=True),
            _line("dev metric", GREEN, yaxis="y2", markers=True, dash="dash"),
            _line("train loss (epoch)", BLUE, xaxis="x2", yaxis="y3", markers=True),
        ],
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
            "legend": {"orientation": "h", "y": 1.12, "x": 0},
            "xaxis": {"domain": [0, 0.62], "title": {"text": "step"}, "anchor": "y"},
            "yaxis": {"title": {"text": "loss"}, "anchor": "x"},
            "yaxis2": {
                "overlaying": "y",
                "side": "right",
                "anchor": "x",
                "showgrid": False,
                "zeroline": False,
            },
            "xaxis2": {"domain": [0.84, 1], "title": {"text": "epochs completed"}, "anchor": "y3"},
            "yaxis3": {"title": {"text": "loss per epoch"}, "anchor": "x2"},
            "plot_bgcolor": "white",
            "hovermode": "x unified",
        },
    }
