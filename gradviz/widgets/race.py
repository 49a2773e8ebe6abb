"""The optimizer race as plain Python (no widgets): what :class:`~.optimizer_race.OptimizerRace` draws.

:class:`Race` puts each optimizer — the library's own class — on its own pair of scalar parameters on a
2-D :class:`~.surfaces.Surface` and advances them together, one ``zero_grad``, ``f(x, y).backward()``,
``step()`` per optimizer per race step. :class:`TrainingRace` trains the same model (same initial weights,
same batches) once per optimizer and keeps the losses and flattened parameter snapshots that
:mod:`.landscape` projects.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import tensor
from ..dtypes import float64
from ..optim import SGD, Adagrad, Adam, AdamW, RMSprop
from ..random import manual_seed
from . import landscape
from .surfaces import get_surface

#: Where an optimizer keeps its velocity: the arrow drawn at its current point is −lr × this state.
VELOCITY_STATE = ("momentum_buffer", "exp_avg")
#: A racer whose coordinates grow past this has diverged and stops (the plot could not show it anyway).
DIVERGED = 1e6


def default_optimizers(surface):
    """The seven classics with learning rates that suit ``surface``'s scale."""
    plain, adaptive = surface.sgd_lr, surface.adaptive_lr
    return {
        "SGD": (SGD, {"lr": plain}),
        "Momentum": (SGD, {"lr": plain, "momentum": 0.9}),
        "Nesterov": (SGD, {"lr": plain, "momentum": 0.9, "nesterov": True}),
        "Adagrad": (Adagrad, {"lr": 5 * adaptive}),
        "RMSprop": (RMSprop, {"lr": adaptive / 5}),
        "Adam": (Adam, {"lr": adaptive}),
        "AdamW": (AdamW, {"lr": adaptive, "weight_decay": 0.1}),
    }


@dataclass(eq=False)
class Racer:
    """One optimizer on its own (x, y); ``path[i]`` is the point after i steps, ``losses[i]`` f there."""

    name: str
    optimizer_class: type
    options: dict
    surface: object
    start: tuple
    path: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    diverged: bool = False

    def __post_init__(self):
        self.x = tensor(self.start[0], dtype=float64, requires_grad=True)
        self.y = tensor(self.start[1], dtype=float64, requires_grad=True)
        self.optimizer = self.optimizer_class([self.x, self.y], **self.options)
        self._record()

    def advance(self):
        if self.diverged:
            return
        self.optimizer.zero_grad()
        self.surface(self.x, self.y).backward()
        self.optimizer.step()
        self._record()

    def _record(self):
        point = (self.x.item(), self.y.item())
        with no_grad():
            loss = self.surface(self.x, self.y).item()
        if not all(math.isfinite(v) and abs(v) < DIVERGED for v in (*point, loss)):
            self.diverged = True
            return
        self.path.append(point)
        self.losses.append(loss)

    def velocity(self):
        """``(source, (dx, dy))``: −lr × the optimizer's momentum state ('momentum_buffer' for SGD and
        RMSprop with momentum, 'exp_avg' for Adam and AdamW), else the last step taken ('last step')."""
        states = [self.optimizer.state.get(p, {}) for p in (self.x, self.y)]
        lr = self.optimizer.param_groups[0]["lr"]
        for key in VELOCITY_STATE:
            if all(key in s for s in states):
                return key, tuple(-lr * s[key].item() for s in states)
        if len(self.path) < 2:
            return "last step", (0.0, 0.0)
        (x0, y0), (x1, y1) = self.path[-2:]
        return "last step", (x1 - x0, y1 - y0)


class Race:
    """Optimizers racing on a 2-D surface for at most ``steps`` steps.

    ``optimizers`` maps a name to ``(optimizer class, options)``; ``start`` defaults to the surface's.
    :meth:`set_option` changes an option: 'lr' at once (in the running optimizer) and on :meth:`reset`,
    every other option (momentum, betas...) on :meth:`reset`, which restarts from ``start``.
    """

    def __init__(self, surface="rosenbrock", optimizers=None, start=None, steps=300):
        self.surface = get_surface(surface)
        self.start = tuple(float(v) for v in (start or self.surface.start))
        self.steps = steps
        chosen = optimizers or default_optimizers(self.surface)
        self.settings = {name: (cls, dict(options)) for name, (cls, options) in chosen.items()}
        self._grid = None
        self.reset()

    def reset(self):
        self.step_count = 0
        self.racers = [
            Racer(name, cls, dict(options), self.surface, self.start)
            for name, (cls, options) in self.settings.items()
        ]

    @property
    def finished(self):
        return self.step_count >= self.steps

    def step(self):
        """Advance every racer by one step; False (and nothing changes) once the race is finished."""
        if self.finished:
            return False
        for racer in self.racers:
            racer.advance()
        self.step_count += 1
        return True

    def racer(self, name):
        return next(r for r in self.racers if r.name == name)

    def set_option(self, name, key, value):
        self.settings[name][1][key] = value
        if key == "lr":
            for group in self.racer(name).optimizer.param_groups:
                group["lr"] = value

    def grid(self, resolution=80):
        """``(xs, ys, values)`` of the surface on a grid over its range, computed once with gradviz ops."""
        if self._grid is None or len(self._grid[0]) != resolution:
            xs = np.linspace(*self.surface.x_range, resolution)
            ys = np.linspace(*self.surface.y_range, resolution)
            grid_x, grid_y = np.meshgrid(xs, ys)
            with no_grad():
                values = self.surface(tensor(grid_x, dtype=float64), tensor(grid_y, dtype=float64))
            self._grid = xs, ys, np.asarray(values.numpy(), dtype=float)
        return self._grid

    @property
    def floor(self):
        """The surface's minimum value if known, else the lowest value on the grid."""
        known = self.surface.minimum_value
        return known if known is not None else float(np.nanmin(self.grid()[2]))

    def gaps(self, values):
        """``values − floor``, kept positive so a log axis can show them (the distance to the minimum)."""
        return np.maximum(np.asarray(values, dtype=float) - self.floor, 1e-12)


def default_model_optimizers():
    """Optimizers with learning rates that suit a small network trained with a mean loss."""
    return {
        "SGD": (SGD, {"lr": 0.1}),
        "Momentum": (SGD, {"lr": 0.05, "momentum": 0.9}),
        "RMSprop": (RMSprop, {"lr": 3e-3}),
        "Adam": (Adam, {"lr": 1e-2}),
    }


class TrainingRace:
    """The same model trained once per optimizer: ``losses[name]`` per step and ``snapshots[name]``,
    the flattened parameters every ``snapshot_every`` steps (first and last step always).

    Before each run ``manual_seed(seed)`` then ``model_fn()``: every run starts from the same weights
    and, with a shuffling loader on the global generator, sees the batches in the same order.
    """

    def __init__(self, model_fn, loss_fn, loader, optimizers=None, epochs=1, seed=0, snapshots=60):
        self.model_fn = model_fn
        self.loss_fn = loss_fn
        self.loader = loader
        self.optimizers = optimizers or default_model_optimizers()
        self.epochs = epochs
        self.seed = seed
        self.total_steps = len(loader) * epochs
        self.snapshot_every = max(1, self.total_steps // snapshots)
        self.losses = {name: [] for name in self.optimizers}
        self.snapshots = {name: [] for name in self.optimizers}
        self.models = {}

    def run(self, on_step=None):
        """Train every run in turn, calling ``on_step(name, step)`` after each optimizer step."""
        for name, (cls, options) in self.optimizers.items():
            manual_seed(self.seed)
            model = self.models[name] = self.model_fn()
            self._train(name, model, cls(model.parameters(), **options), on_step)

    def _train(self, name, model, optimizer, on_step):
        snapshots = self.snapshots[name]
        snapshots.append(landscape.flatten_parameters(model))
        model.train()
        step = 0
        for _ in range(self.epochs):
            for inputs, targets in self.loader:
                optimizer.zero_grad()
                loss = self.loss_fn(model(inputs), targets)
                loss.backward()
                optimizer.step()
                step += 1
                self.losses[name].append(loss.item())
                if step % self.snapshot_every == 0 or step == self.total_steps:
                    snapshots.append(landscape.flatten_parameters(model))
                if on_step is not None:
                    on_step(name, step)

    def landscape(self, resolution=15, directions="pca", batch=None, seed=0):
        """The loss landscape around the first run's final point (see :func:`.landscape.build`), on
        ``batch`` (default: the loader's first batch), with every run's path projected on it."""
        first = next(iter(self.optimizers))
        batch = batch if batch is not None else next(iter(self.loader))
        return landscape.build(
            self.model_fn(),
            self.loss_fn,
            batch,
            paths={name: np.stack(s) for name, s in self.snapshots.items()},
            reference=self.snapshots[first][-1],
            resolution=resolution,
            directions=directions,
            seed=seed,
        )
