"""Learning-rate schedulers against PyTorch: every rate (and cycled momentum) at every step, to 1e-12."""

import math
import warnings

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz import optim
from gradviz.optim import lr_scheduler
from tests.oracle import host

STEPS = 100


def _warm_then_decay(epoch):
    return min(1.0, (epoch + 1) / 10) * 0.97**epoch


class Halving:
    """A callable object whose state LambdaLR saves (plain functions are not saved)."""

    def __init__(self, every):
        self.every = every

    def __call__(self, epoch):
        return 0.5 ** (epoch // self.every)


SCHEDULES = {
    "StepLR": lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.5),
    "StepLR-default-gamma": lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, 30),
    "ExponentialLR": lambda lib, opt: lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95),
    "CosineAnnealingLR": lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=30),
    "CosineAnnealingLR-eta_min": lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=17, eta_min=1e-3
    ),
    "LambdaLR": lambda lib, opt: lib.optim.lr_scheduler.LambdaLR(opt, _warm_then_decay),
    "LambdaLR-per-group": lambda lib, opt: lib.optim.lr_scheduler.LambdaLR(
        opt, [_warm_then_decay, lambda epoch: 1 / (1 + epoch)]
    ),
    "OneCycleLR": lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=STEPS),
    "OneCycleLR-linear-three-phase": lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(
        opt,
        max_lr=[0.5, 0.2],
        epochs=10,
        steps_per_epoch=10,
        pct_start=0.25,
        anneal_strategy="linear",
        three_phase=True,
        div_factor=10.0,
        final_div_factor=100.0,
        base_momentum=[0.8, 0.7],
        max_momentum=0.9,
    ),
    "OneCycleLR-no-momentum": lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=0.5, total_steps=STEPS, cycle_momentum=False
    ),
}

OPTIMIZERS = {
    "SGD": lambda lib, groups: lib.optim.SGD(groups, lr=0.1, momentum=0.9),
    "Adam": lambda lib, groups: lib.optim.Adam(groups, lr=0.01),
}


def _groups(lib):
    new = gv.zeros if lib is gv else torch.zeros
    return [{"params": [new(2, requires_grad=True)]}, {"params": [new(3, requires_grad=True)], "lr": 0.05}]


def _momentum(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def _assert_same_groups(ours, theirs, step):
    for group, reference in zip(ours.param_groups, theirs.param_groups):
        assert group["lr"] == pytest.approx(reference["lr"], rel=1e-12, abs=1e-15), f"lr at step {step}"
        assert _momentum(group) == pytest.approx(_momentum(reference), rel=1e-12), f"momentum at step {step}"
        assert group["initial_lr"] == pytest.approx(reference["initial_lr"], rel=1e-15)


@pytest.mark.parametrize("optimizer_name", OPTIMIZERS)
@pytest.mark.parametrize("schedule_name", SCHEDULES)
def test_rates_match_pytorch_at_every_step(schedule_name, optimizer_name):
    ours = OPTIMIZERS[optimizer_name](gv, _groups(gv))
    theirs = OPTIMIZERS[optimizer_name](torch, _groups(torch))
    schedule = SCHEDULES[schedule_name](gv, ours)
    reference = SCHEDULES[schedule_name](torch, theirs)
    _assert_same_groups(ours, theirs, 0)
    for step in range(1, STEPS):
        ours.step()
        theirs.step()
        schedule.step()
        reference.step()
        assert schedule.last_epoch == reference.last_epoch == step
        np.testing.assert_allclose(schedule.get_last_lr(), reference.get_last_lr(), rtol=1e-12, atol=1e-15)
        _assert_same_groups(ours, theirs, step)
    assert schedule.base_lrs == pytest.approx(reference.base_lrs, rel=1e-15)


def test_cosine_annealing_reaches_eta_min_and_rises_again():
    optimizer = optim.SGD([gv.zeros(1, requires_grad=True)], lr=1.0)
    schedule = lr_scheduler.CosineAnnealingLR(optimizer, T_max=10, eta_min=0.1)
    rates = [schedule.get_last_lr()[0]]
    for _ in range(20):
        optimizer.step()
        schedule.step()
        rates.append(schedule.get_last_lr()[0])
    expected = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(21)]
    np.testing.assert_allclose(rates, expected, rtol=1e-12)


class Trajectory:
    """A quadratic-plus-quartic bowl optimised with a scheduled optimizer, in one library."""

    def __init__(self, lib, make_optimizer, make_schedule):
        start = np.array([1.5, -0.5])
        self.lib = lib
        self.param = (
            gv.tensor(start, requires_grad=True) if lib is gv else torch.tensor(start, requires_grad=True)
        )
        self.optimizer = make_optimizer(lib, [self.param])
        self.schedule = make_schedule(lib, self.optimizer)

    def step(self):
        self.optimizer.zero_grad()
        x, y = self.param[0], self.param[1]
        ((x**2 - 1) ** 2 + 3 * (y - 0.5 * x) ** 2).backward()
        self.optimizer.step()
        self.schedule.step()

    def value(self):
        return host(self.param) if self.lib is gv else self.param.detach().numpy()


@pytest.mark.parametrize("optimizer_name", OPTIMIZERS)
def test_one_cycle_trajectory_matches_pytorch(optimizer_name):
    def make_schedule(lib, opt):
        return lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=STEPS)

    ours = Trajectory(gv, OPTIMIZERS[optimizer_name], make_schedule)
    theirs = Trajectory(torch, OPTIMIZERS[optimizer_name], make_schedule)
    for step in range(STEPS - 1):
        ours.step()
        theirs.step()
        assert np.all(np.isfinite(ours.value())), f"step {step}: the trajectory diverged"
        np.testing.assert_allclose(
            ours.value(), theirs.value(), rtol=1e-10, atol=1e-12, err_msg=f"step {step}"
        )
    assert abs(ours.value()[0]) == pytest.approx(1.0, abs=0.1)


def test_one_cycle_refuses_to_step_past_total_steps():
    optimizer = optim.SGD([gv.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    schedule = lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=3)
    for _ in range(3):
        schedule.step()
    with pytest.raises(ValueError, match="Tried to step 4 times.*total steps is 3"):
        schedule.step()


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(max_lr=1.0), "either total_steps OR"),
        (dict(max_lr=1.0, total_steps=0), "positive integer total_steps"),
        (dict(max_lr=1.0, epochs=2), "either total_steps OR"),
        (dict(max_lr=1.0, epochs=2, steps_per_epoch=-1), "positive integer steps_per_epoch"),
        (dict(max_lr=1.0, total_steps=10, pct_start=1.5), "pct_start"),
        (dict(max_lr=1.0, total_steps=10, anneal_strategy="step"), "'cos' or 'linear'"),
        (dict(max_lr=[1.0, 2.0], total_steps=10), "max_lr must have the same length"),
    ],
)
def test_one_cycle_refuses_bad_arguments(options, message):
    optimizer = optim.SGD([gv.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=message):
        lr_scheduler.OneCycleLR(optimizer, **options)


def test_one_cycle_needs_a_momentum_to_cycle():
    optimizer = optim.Adagrad([gv.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=10)
    lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=10, cycle_momentum=False)


def test_other_errors():
    optimizer = optim.SGD([{"params": [gv.zeros(1, requires_grad=True)]}, {"params": [gv.zeros(1)]}])
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas"):
        lr_scheduler.LambdaLR(optimizer, [_warm_then_decay])
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(optimizer, 3, last_epoch=5)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.ExponentialLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)]), 0.9)


@pytest.mark.parametrize("schedule_name", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "LambdaLR-object"])
def test_state_dict_round_trip(schedule_name):
    def make(lib, opt):
        if schedule_name == "LambdaLR-object":
            return lib.optim.lr_scheduler.LambdaLR(opt, [Halving(5), Halving(7)])
        return SCHEDULES[schedule_name](lib, opt)

    straight_opt = OPTIMIZERS["SGD"](gv, _groups(gv))
    straight = make(gv, straight_opt)
    first_opt = OPTIMIZERS["SGD"](gv, _groups(gv))
    first = make(gv, first_opt)
    for _ in range(25):
        for opt, schedule in ((straight_opt, straight), (first_opt, first)):
            opt.step()
            schedule.step()
    saved_schedule, saved_opt = first.state_dict(), first_opt.state_dict()
    assert "optimizer" not in saved_schedule
    if schedule_name == "LambdaLR-object":
        assert saved_schedule["lr_lambdas"] == [{"every": 5}, {"every": 7}]
    second_opt = OPTIMIZERS["SGD"](gv, _groups(gv))
    second = make(gv, second_opt)
    second_opt.load_state_dict(saved_opt)
    second.load_state_dict(saved_schedule)
    assert second.optimizer is second_opt
    for _ in range(40):
        for opt, schedule in ((straight_opt, straight), (second_opt, second)):
            opt.step()
            schedule.step()
        assert second.get_last_lr() == straight.get_last_lr()
        assert [g["momentum"] for g in second_opt.param_groups] == [
            g["momentum"] for g in straight_opt.param_groups
        ]


def test_stepping_the_scheduler_before_the_optimizer_warns_as_in_pytorch():
    def first_steps(lib, scheduler_first):
        param = lib.tensor([1.0], requires_grad=True)
        optimizer = lib.optim.SGD([param], lr=0.1)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
        param.sum().backward()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for step in (
                (scheduler.step, optimizer.step) if scheduler_first else (optimizer.step, scheduler.step)
            ):
                step()
            scheduler.step()
        return [str(w.message) for w in caught if "lr_scheduler.step()" in str(w.message)]

    assert len(first_steps(torch, True)) == 1 and first_steps(torch, False) == []
    (message,) = first_steps(gv, True)
    assert message.startswith("Detected call of `lr_scheduler.step()` before `optimizer.step()`")
    assert first_steps(gv, False) == []
