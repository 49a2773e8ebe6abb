"""``OptimizerRace`` and ``ModelRace``: the library's own optimizers racing, drawn live.

:class:`OptimizerRace` races them on a 2-D surface: one plot with the surface's contour (log of the
distance to its minimum), each optimizer's path, a marker at its current point and an arrow for its
velocity (−lr × its momentum state, or its last step), and the loss-vs-step curves on a log axis
beside it. Play advances one race step per timer tick on the kernel's event loop (so the kernel stays
free between ticks) until the race's ``steps`` are run; Step advances exactly one; Reset restarts from
the start with the sliders' settings. A learning-rate slider takes effect at once (and on Reset);
momentum and betas sliders take effect on Reset.

:class:`ModelRace` trains the same model once per optimizer when :meth:`ModelRace.run` is called in a
cell, the loss curves following live, then draws every run's parameter path projected on the two
principal directions over the loss computed along them (:mod:`.landscape`).
"""

import html
import inspect
import math

import ipywidgets as widgets
import numpy as np

from .clock import Clock
from .plot import Plot
from .race import Race, TrainingRace
from .throttle import Throttle

#: Okabe-Ito: distinguishable with every common colour-vision deficiency (yellow last: faint on white).
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#F0E442")
#: Light greys for the contour, so the coloured paths stay the strongest marks on the plot.
CONTOUR_COLORS = [[0.0, "#8c8c8c"], [1.0, "#ffffff"]]
#: Drawn arrows are clipped to this share of the plot's diagonal: visible when tiny, inside when huge.
ARROW_LENGTH = (0.03, 0.15)
FIXED_TRACES = 3  # contour, minima, start


def color(index):
    return OKABE_ITO[index % len(OKABE_ITO)]


class OptimizerRace(widgets.VBox):
    def __init__(
        self, surface="rosenbrock", optimizers=None, start=None, steps=300, *, tick_interval=0.05, height=480
    ):
        self.race = Race(surface, optimizers, start, steps)
        self.height = height
        self.clock = Clock(self.tick, tick_interval)
        self._drawn = {}
        self.plot = Plot(self._figure())
        self.plot.add_class("gradviz-race-plot")
        self.throttle = Throttle(self._redraw)
        self.status = widgets.HTML(self._status())
        self.status.add_class("gradviz-race-status")
        buttons = [
            _button("▶ play", "gradviz-race-play", lambda _: self.play()),
            _button("❚❚ pause", "gradviz-race-pause", lambda _: self.pause()),
            _button("step", "gradviz-race-step", lambda _: self.step()),
            _button("reset", "gradviz-race-reset", lambda _: self.reset()),
        ]
        settings = [self._settings_row(i, name) for i, name in enumerate(self.race.settings)]
        controls = widgets.HBox([*buttons, self.status, self.clock])
        super().__init__([controls, self.plot, widgets.VBox(settings)])
        self.add_class("gradviz-optimizer-race")
        self._draw_now()

    # ---- user actions ----
    def step(self):
        """Advance the race by exactly one step and draw it."""
        advanced = self.race.step()
        self._draw_now()
        return advanced

    def run(self, steps=None):
        """Advance ``steps`` steps (all that are left by default) at once, then draw once: the way a
        notebook cell shows a finished race, whose figure is current for any view opened later."""
        for _ in range(self.race.steps if steps is None else steps):
            if not self.race.step():
                break
        self.pause()
        self.plot.flush()
        return self

    def play(self):
        """Advance one step per tick of the page's clock (every ``tick_interval`` seconds, at the
        kernel's pace) until paused or finished."""
        if self.race.finished:
            return
        self.clock.playing = True
        self._show_status()

    def pause(self):
        self.clock.playing = False
        self._draw_now()

    @property
    def playing(self):
        return self.clock.playing

    def reset(self):
        """Restart every optimizer from the start with the current settings."""
        self.pause()
        self.race.reset()
        self._drawn.clear()
        self._draw_now()

    def tick(self):
        """One tick of Play: one race step and a throttled redraw."""
        if not self.playing:
            return
        self.race.step()
        if self.race.finished:
            self.pause()
            return
        self.throttle.request(self.race.step_count)
        self._show_status()

    def to_html(self, path):
        """The race as it stands, as a self-contained HTML file (plotly.js inlined)."""
        return self.plot.to_html(path)

    # ---- drawing ----
    def _draw_now(self):
        self.throttle.request(self.race.step_count)
        self.throttle.flush()
        self._show_status()

    def _redraw(self, _):
        traces = {}
        racers = self.race.racers
        for i, racer in enumerate(racers):
            if self._drawn.get(racer.name) == len(racer.path):
                continue
            self._drawn[racer.name] = len(racer.path)
            xs, ys = zip(*racer.path)
            traces[FIXED_TRACES + i] = {"x": xs, "y": ys}
            traces[FIXED_TRACES + len(racers) + 1 + i] = {
                "x": list(range(len(racer.losses))),
                "y": self.race.gaps(racer.losses),
            }
        traces[FIXED_TRACES + len(racers)] = _current_points(racers)
        self.plot.update(traces=traces, layout={"annotations": self._arrows()})

    def _figure(self):
        race = self.race
        xs, ys, values = race.grid()
        racers = race.racers
        paths = [_path_trace(r, i) for i, r in enumerate(racers)]
        losses = [_loss_trace(r, i, race.gaps(r.losses)) for i, r in enumerate(racers)]
        minima = race.surface.minima
        return {
            "data": [
                _contour(xs, ys, race.gaps(values)),
                _marker_trace("minimum", [m[0] for m in minima], [m[1] for m in minima], "star", 14),
                _marker_trace("start", [race.start[0]], [race.start[1]], "x", 10),
                *paths,
                _current_points(racers),
                *losses,
            ],
            "layout": self._layout(),
        }

    def _layout(self):
        surface = self.race.surface
        return {
            "height": self.height,
            "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
            "title": {"text": f"optimizer race on {surface.name}", "font": {"size": 14}},
            "xaxis": {"domain": [0.0, 0.55], "range": list(surface.x_range), "title": {"text": "x"}},
            "yaxis": {"range": list(surface.y_range), "title": {"text": "y"}},
            "xaxis2": {"domain": [0.68, 1.0], "anchor": "y2", "title": {"text": "step"}},
            "yaxis2": {
                "anchor": "x2",
                "type": "log",
                "exponentformat": "power",
                "title": {"text": "loss − minimum"},
            },
            "legend": {"orientation": "h", "y": -0.15},
            "plot_bgcolor": "white",
            "hovermode": "closest",
            "annotations": [],
        }

    def _arrows(self):
        surface = self.race.surface
        diagonal = math.hypot(np.ptp(surface.x_range), np.ptp(surface.y_range))
        arrows = []
        for i, racer in enumerate(self.race.racers):
            _, (dx, dy) = racer.velocity()
            length = math.hypot(dx, dy)
            if length == 0 or not math.isfinite(length):
                continue
            shown = min(max(length, ARROW_LENGTH[0] * diagonal), ARROW_LENGTH[1] * diagonal)
            x, y = racer.path[-1]
            arrows.append(_arrow(x, y, x + dx * shown / length, y + dy * shown / length, color(i)))
        return arrows

    def _status(self):
        race = self.race
        state = "playing" if self.playing else "paused"
        diverged = [r.name for r in race.racers if r.diverged]
        note = f" · diverged: {html.escape(', '.join(diverged))}" if diverged else ""
        return f"<b>step {race.step_count} / {race.steps}</b> · {state}{note}"

    def _show_status(self):
        self.status.value = self._status()

    # ---- controls ----
    def _settings_row(self, index, name):
        cls, options = self.race.settings[name]
        label = widgets.HTML(f"<b style='color:{color(index)}'>{html.escape(name)}</b>")
        label.layout.width = "90px"
        row = widgets.HBox([label, *self._sliders(name, cls, options)])
        row.add_class("gradviz-race-settings")
        row.add_class(f"gradviz-race-settings-{_css_name(name)}")
        return row

    def _sliders(self, name, cls, options):
        accepted = inspect.signature(cls).parameters
        lr = options.get("lr", accepted["lr"].default)
        sliders = [
            _slider(
                widgets.FloatLogSlider(
                    value=lr,
                    base=10,
                    min=math.log10(lr) - 2,
                    max=math.log10(lr) + 1,
                    step=0.05,
                    readout_format=".1e",
                    description="lr",
                    tooltip="takes effect at once",
                ),
                "gradviz-race-lr",
                lambda value: self.race.set_option(name, "lr", value),
            )
        ]
        if "momentum" in accepted:
            lowest = 0.01 if options.get("nesterov") else 0.0
            momentum = options.get("momentum", accepted["momentum"].default)
            sliders.append(
                _slider(
                    widgets.FloatSlider(
                        value=momentum,
                        min=lowest,
                        max=0.99,
                        step=0.01,
                        description="momentum",
                        tooltip="takes effect on Reset",
                    ),
                    "gradviz-race-momentum",
                    lambda value: self.race.set_option(name, "momentum", value),
                )
            )
        if "betas" in accepted:
            sliders += self._beta_sliders(name, options.get("betas", accepted["betas"].default))
        return sliders

    def _beta_sliders(self, name, betas):
        beta1 = widgets.FloatSlider(
            value=betas[0], min=0.0, max=0.99, step=0.01, description="β1", tooltip="takes effect on Reset"
        )
        beta2 = widgets.FloatSlider(
            value=betas[1],
            min=0.9,
            max=0.9999,
            step=0.0001,
            readout_format=".4f",
            description="β2",
            tooltip="takes effect on Reset",
        )

        def set_betas(_):
            self.race.set_option(name, "betas", (beta1.value, beta2.value))

        return [
            _slider(beta1, "gradviz-race-beta1", set_betas),
            _slider(beta2, "gradviz-race-beta2", set_betas),
        ]


class ModelRace(widgets.VBox):
    """The same model and data trained once per optimizer; call :meth:`run` in a cell to train.

    ``model_fn()`` builds the model (called after ``manual_seed(seed)`` for every run, so all runs
    start from the same weights), ``loss_fn(output, target)`` gives a scalar loss, ``loader`` yields
    ``(inputs, targets)`` batches. The landscape is the loss on one fixed batch (``batch``, default the
    loader's first) on a ``resolution`` × ``resolution`` grid around the first run's final point.
    """

    def __init__(
        self,
        model_fn,
        loss_fn,
        loader,
        optimizers=None,
        epochs=1,
        seed=0,
        *,
        resolution=15,
        directions="pca",
        batch=None,
        height=440,
    ):
        self.race = TrainingRace(model_fn, loss_fn, loader, optimizers, epochs, seed)
        self.resolution = resolution
        self.directions = directions
        self.batch = batch
        self.height = height
        self.landscape = None
        self._drawn = {}
        self.plot = Plot(self._figure())
        self.plot.add_class("gradviz-model-race-plot")
        self.throttle = Throttle(self._redraw_losses)
        self.status = widgets.HTML("<b>not trained yet</b> · call <code>.run()</code>")
        self.status.add_class("gradviz-model-race-status")
        super().__init__([self.status, self.plot])
        self.add_class("gradviz-model-race")

    def run(self):
        """Train every run (the widget follows live, throttled), then compute and draw the landscape."""
        self.race.run(on_step=self._on_step)
        self.throttle.flush()
        self.status.value = (
            f"<b>computing the loss landscape</b> ({self.resolution}×{self.resolution} evaluations)"
        )
        self.landscape = self.race.landscape(self.resolution, self.directions, self.batch)
        self.plot.update(traces=self._landscape_traces(), layout=self._landscape_axes())
        self.plot.flush()
        self.status.value = "<b>done</b> · paths projected on the loss landscape"
        return self

    def to_html(self, path):
        return self.plot.to_html(path)

    def _on_step(self, name, step):
        self.status.value = (
            f"<b>training with {html.escape(name)}</b> · step {step} / {self.race.total_steps}"
        )
        self.throttle.request(step)

    def _redraw_losses(self, _):
        """Send the loss curves that grew since the last redraw (one run trains at a time)."""
        traces = {}
        for i, (name, losses) in enumerate(self.race.losses.items()):
            if self._drawn.get(name) != len(losses):
                self._drawn[name] = len(losses)
                traces[i] = {"x": list(range(1, len(losses) + 1)), "y": losses}
        self.plot.update(traces=traces)

    def _landscape_traces(self):
        land = self.landscape
        n = len(self.race.optimizers)
        traces = {n: {"x": land.alphas, "y": land.betas, "z": np.log10(np.maximum(land.losses, 1e-12))}}
        for i, points in enumerate(land.paths.values()):
            traces[n + 1 + i] = {"x": points[:, 0], "y": points[:, 1]}
        return traces

    def _landscape_axes(self):
        explained = self.landscape.explained
        names = ("direction 1", "direction 2")
        if explained is not None:
            names = tuple(f"PC{i + 1} ({share:.0%} of the motion)" for i, share in enumerate(explained))
        return {"xaxis2.title.text": names[0], "yaxis2.title.text": names[1]}

    def _figure(self):
        names = list(self.race.optimizers)
        losses = [
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "legendgroup": name,
                "x": [],
                "y": [],
                "line": {"color": color(i), "width": 1.5},
            }
            for i, name in enumerate(names)
        ]
        contour = {
            "type": "contour",
            "x": [],
            "y": [],
            "z": [],
            "xaxis": "x2",
            "yaxis": "y2",
            "colorscale": CONTOUR_COLORS,
            "ncontours": 25,
            "showscale": True,
            "colorbar": {"title": {"text": "log₁₀ loss"}, "x": 1.02},
            "hovertemplate": "a=%{x:.3g}<br>b=%{y:.3g}<br>log₁₀ loss=%{z:.3f}<extra></extra>",
        }
        paths = [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "legendgroup": name,
                "showlegend": False,
                "x": [],
                "y": [],
                "xaxis": "x2",
                "yaxis": "y2",
                "marker": {"size": 4, "color": color(i)},
                "line": {"color": color(i), "width": 2},
            }
            for i, name in enumerate(names)
        ]
        return {
            "data": [*losses, contour, *paths],
            "layout": {
                "height": self.height,
                "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
                "title": {"text": "the same model, one run per optimizer", "font": {"size": 14}},
                "xaxis": {"domain": [0.0, 0.42], "title": {"text": "step"}},
                "yaxis": {"type": "log", "exponentformat": "power", "title": {"text": "training loss"}},
                "xaxis2": {"domain": [0.52, 0.95], "anchor": "y2", "title": {"text": "direction 1"}},
                "yaxis2": {"anchor": "x2", "title": {"text": "direction 2"}},
                "legend": {"orientation": "h", "y": -0.15},
                "plot_bgcolor": "white",
            },
        }


# ---- plotly pieces ----
def _contour(xs, ys, gaps):
    return {
        "type": "contour",
        "x": xs,
        "y": ys,
        "z": np.log10(gaps),
        "colorscale": CONTOUR_COLORS,
        "ncontours": 30,
        "showscale": False,
        "line": {"width": 0.5, "color": "#bbbbbb"},
        "hovertemplate": "x=%{x:.3g}<br>y=%{y:.3g}<br>log₁₀(f − min)=%{z:.2f}<extra></extra>",
        "name": "surface",
    }


def _marker_trace(name, xs, ys, symbol, size):
    return {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "x": xs,
        "y": ys,
        "marker": {"symbol": symbol, "size": size, "color": "#000000"},
    }


def _path_trace(racer, index):
    xs, ys = zip(*racer.path)
    return {
        "type": "scatter",
        "mode": "lines",
        "name": racer.name,
        "legendgroup": racer.name,
        "x": xs,
        "y": ys,
        "line": {"color": color(index), "width": 2},
    }


def _loss_trace(racer, index, gaps):
    return {
        "type": "scatter",
        "mode": "lines",
        "name": racer.name,
        "legendgroup": racer.name,
        "showlegend": False,
        "x": list(range(len(gaps))),
        "y": gaps,
        "xaxis": "x2",
        "yaxis": "y2",
        "line": {"color": color(index), "width": 1.5},
    }


def _current_points(racers):
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "current",
        "showlegend": False,
        "x": [r.path[-1][0] for r in racers],
        "y": [r.path[-1][1] for r in racers],
        "hovertext": [f"{r.name}: f = {r.losses[-1]:.4g}" for r in racers],
        "hoverinfo": "text",
        "marker": {
            "size": 11,
            "color": [color(i) for i in range(len(racers))],
            "line": {"width": 1.5, "color": "white"},
        },
    }


def _arrow(x, y, head_x, head_y, arrow_color):
    return {
        "x": head_x,
        "y": head_y,
        "ax": x,
        "ay": y,
        "xref": "x",
        "yref": "y",
        "axref": "x",
        "ayref": "y",
        "text": "",
        "showarrow": True,
        "arrowhead": 2,
        "arrowsize": 1.2,
        "arrowwidth": 2,
        "arrowcolor": arrow_color,
    }


def _button(text, css_class, on_click):
    button = widgets.Button(description=text)
    button.add_class(css_class)
    button.on_click(on_click)
    return button


def _slider(slider, css_class, on_change):
    slider.add_class(css_class)
    slider.continuous_update = False
    slider.observe(lambda change: on_change(change["new"]), "value")
    return slider


def _css_name(name):
    return "".join(c if c.isalnum() else "-" for c in name.lower())
