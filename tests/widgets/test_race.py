"""The optimizer race on 2-D surfaces: the race model, the surfaces and the OptimizerRace widget."""

import math

import numpy as np
import pytest

import gradviz as gv
from gradviz.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from gradviz.widgets.optimizer_race import FIXED_TRACES, OptimizerRace
from gradviz.widgets.race import Race
from gradviz.widgets.surfaces import SURFACES, get_surface, rosenbrock

OPTIMIZERS = {
    "SGD": (SGD, {"lr": 1e-3}),
    "Momentum": (SGD, {"lr": 1e-3, "momentum": 0.9}),
    "Nesterov": (SGD, {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    "Adagrad": (Adagrad, {"lr": 0.2}),
    "RMSprop": (RMSprop, {"lr": 0.01}),
    "Adam": (Adam, {"lr": 0.05}),
    "AdamW": (AdamW, {"lr": 0.05, "weight_decay": 0.1}),
}


def by_hand(cls, options, start, steps, f=rosenbrock):
    x = gv.tensor(start[0], dtype=gv.float64, requires_grad=True)
    y = gv.tensor(start[1], dtype=gv.float64, requires_grad=True)
    optimizer = cls([x, y], **options)
    path = [(x.item(), y.item())]
    for _ in range(steps):
        optimizer.zero_grad()
        f(x, y).backward()
        optimizer.step()
        path.append((x.item(), y.item()))
    return path


def quiet_race(**kwargs):
    """A race widget whose plot messages are collected instead of sent."""
    race = OptimizerRace(**{"optimizers": OPTIMIZERS, **kwargs})
    race.sent = []
    race.plot.send = race.sent.append
    return race


def trace(race, index):
    return race.plot.current["data"][index]


def test_trajectories_equal_running_the_optimizers_by_hand():
    race = Race("rosenbrock", OPTIMIZERS, start=(-1.2, 1.0), steps=25)
    while race.step():
        pass
    for racer in race.racers:
        cls, options = OPTIMIZERS[racer.name]
        assert racer.path == by_hand(cls, options, (-1.2, 1.0), 25), racer.name
        assert (
            racer.losses[-1] == rosenbrock(*(gv.tensor(v, dtype=gv.float64) for v in racer.path[-1])).item()
        )


def test_step_advances_every_optimizer_by_exactly_one_in_one_message():
    race = quiet_race()
    race.step()
    race.step()
    assert race.race.step_count == 2
    assert all(len(r.path) == 3 for r in race.race.racers)
    assert len(race.sent) == 2 and all(m["type"] == "delta" for m in race.sent)
    first_path = trace(race, FIXED_TRACES)
    assert list(zip(first_path["x"], first_path["y"])) == race.race.racers[0].path


def test_reset_restores_the_start():
    race = quiet_race(start=(0.5, 0.5))
    for _ in range(4):
        race.step()
    race.reset()
    assert race.race.step_count == 0
    assert all(r.path == [(0.5, 0.5)] for r in race.race.racers)
    current = trace(race, FIXED_TRACES + len(OPTIMIZERS))
    assert set(current["x"]) == {0.5} and set(current["y"]) == {0.5}
    assert trace(race, FIXED_TRACES)["x"] == [0.5]


def test_play_advances_one_step_per_timer_tick_and_pause_stops_it():
    race = quiet_race()
    race.play()
    for _ in range(7):
        race.tick()
    assert race.race.step_count == 7 and race.playing
    race.pause()
    race.tick()
    assert race.race.step_count == 7 and not race.playing
    assert "step 7 /" in race.status.value


def test_play_stops_by_itself_when_the_race_is_run():
    race = quiet_race(steps=3)
    race.play()
    for _ in range(5):
        race.tick()
    assert race.race.step_count == 3 and not race.playing
    race.play()
    assert not race.playing


def test_buttons_drive_the_race():
    race = quiet_race()
    buttons = {c: w for w in race.children[0].children for c in w._dom_classes}
    buttons["gradviz-race-step"].click()
    assert race.race.step_count == 1
    buttons["gradviz-race-play"].click()
    race.tick()
    buttons["gradviz-race-pause"].click()
    assert race.race.step_count == 2 and not race.playing
    buttons["gradviz-race-reset"].click()
    assert race.race.step_count == 0


def test_velocity_comes_from_the_optimizer_state():
    race = Race("rosenbrock", OPTIMIZERS, steps=10)
    for _ in range(3):
        race.step()
    for name, key in [("Momentum", "momentum_buffer"), ("Nesterov", "momentum_buffer"), ("Adam", "exp_avg")]:
        racer = race.racer(name)
        lr = racer.optimizer.param_groups[0]["lr"]
        expected = tuple(-lr * racer.optimizer.state[p][key].item() for p in (racer.x, racer.y))
        assert racer.velocity() == (key, expected)
    sgd = race.racer("SGD")
    (x0, y0), (x1, y1) = sgd.path[-2:]
    assert sgd.velocity() == ("last step", (x1 - x0, y1 - y0))


def test_arrows_start_at_the_current_point_and_follow_the_velocity():
    race = quiet_race()
    race.step()
    race.step()
    arrows = race.plot.current["layout"]["annotations"]
    assert len(arrows) == len(OPTIMIZERS)
    for racer, arrow in zip(race.race.racers, arrows):
        _, (dx, dy) = racer.velocity()
        assert (arrow["ax"], arrow["ay"]) == pytest.approx(racer.path[-1])
        drawn = np.array([arrow["x"] - arrow["ax"], arrow["y"] - arrow["ay"]])
        cosine = drawn @ np.array([dx, dy]) / (np.linalg.norm(drawn) * math.hypot(dx, dy))
        assert cosine == pytest.approx(1.0)


def test_loss_curves_show_the_distance_to_the_minimum():
    race = quiet_race(surface="saddle")
    for _ in range(5):
        race.step()
    for i, racer in enumerate(race.race.racers):
        curve = trace(race, FIXED_TRACES + len(OPTIMIZERS) + 1 + i)
        assert curve["y"] == pytest.approx([max(v + 1.0, 1e-12) for v in racer.losses])
    assert race.plot.current["layout"]["yaxis2"]["type"] == "log"


def test_lr_slider_acts_at_once_and_momentum_on_reset():
    race = quiet_race()
    momentum_row = race.children[2].children[1]
    lr, momentum = (w for w in momentum_row.children[1:])
    assert "gradviz-race-lr" in lr._dom_classes and "gradviz-race-momentum" in momentum._dom_classes
    lr.value = 2e-3
    momentum.value = 0.5
    optimizer = race.race.racer("Momentum").optimizer
    assert optimizer.param_groups[0]["lr"] == 2e-3 and optimizer.param_groups[0]["momentum"] == 0.9
    race.reset()
    group = race.race.racer("Momentum").optimizer.param_groups[0]
    assert (group["lr"], group["momentum"]) == (2e-3, 0.5)


def test_beta_sliders_set_adams_betas_on_reset():
    race = quiet_race()
    adam_row = race.children[2].children[list(OPTIMIZERS).index("Adam")]
    beta1 = next(w for w in adam_row.children if "gradviz-race-beta1" in getattr(w, "_dom_classes", ()))
    beta1.value = 0.5
    race.reset()
    assert race.race.racer("Adam").optimizer.param_groups[0]["betas"] == (0.5, 0.999)


@pytest.mark.parametrize("name", list(SURFACES))
def test_surfaces_have_their_known_minima(name):
    surface = SURFACES[name]
    for point in surface.minima:
        x, y = (gv.tensor(v, dtype=gv.float64, requires_grad=True) for v in point)
        value = surface(x, y)
        value.backward()
        assert value.item() == pytest.approx(surface.minimum_value, abs=1e-9)
        assert math.hypot(x.grad.item(), y.grad.item()) < 1e-4
    x, y = (gv.tensor(v, dtype=gv.float64, requires_grad=True) for v in surface.start)
    surface(x, y).backward()
    assert math.hypot(x.grad.item(), y.grad.item()) > 1e-3


def test_the_default_race_gets_closer_to_a_minimum_on_every_surface():
    for name in SURFACES:
        race = Race(name, steps=200)
        while race.step():
            pass
        best = min(r.losses[-1] for r in race.racers)
        assert best < race.racers[0].losses[0], name


def test_a_users_function_races_and_its_contour_uses_gradviz_ops():
    race = quiet_race(surface=lambda x, y: (x - 1) ** 2 + 3 * (y + 0.5) ** 2, optimizers=None)
    race.step()
    xs, ys, values = race.race.grid()
    assert values[0, 0] == pytest.approx((xs[0] - 1) ** 2 + 3 * (ys[0] + 0.5) ** 2)
    assert race.race.floor == pytest.approx(values.min())
    with pytest.raises(ValueError, match="unknown surface"):
        get_surface("banana")


def test_a_diverging_optimizer_stops_at_its_last_finite_point():
    race = Race("rosenbrock", {"too fast": (SGD, {"lr": 1.0})}, steps=20)
    while race.step():
        pass
    racer = race.racers[0]
    assert racer.diverged and len(racer.path) < 21
    assert all(math.isfinite(v) for point in racer.path for v in point)


def test_a_late_view_draws_the_current_race():
    race = quiet_race()
    for _ in range(3):
        race.step()
    race.plot.flush()
    assert race.plot.figure == race.plot.current
    assert len(race.plot.figure["data"][FIXED_TRACES]["x"]) == 4


def test_run_finishes_the_race_in_one_message_and_leaves_the_figure_current():
    race = quiet_race(steps=40)
    race.run(steps=15)
    assert race.race.step_count == 15 and len(race.sent) == 1
    race.run()
    assert race.race.finished and race.race.step_count == 40
    assert race.plot.figure == race.plot.current
    assert list(zip(*(trace(race, FIXED_TRACES)[k] for k in "xy"))) == race.race.racers[0].path
    assert "step 40 / 40" in race.status.value


def test_to_html_writes_the_race(tmp_path):
    race = quiet_race()
    race.step()
    path = race.to_html(tmp_path / "race.html")
    text = path.read_text()
    assert "Nesterov" in text and "plotly" in text.lower()
    assert repr(race.race.racers[0].path[-1][0]) in text
