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
    "CyclicLR": lambda lib, opt: lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=7),
    "CyclicLR-triangular2-uneven": lambda lib, opt: lib.optim.lr_scheduler.CyclicLR(
        opt, [0.01, 0.02], 0.1, step_size_up=5, step_size_down=12, mode="triangular2", base_momentum=0.7
    ),
    "CyclicLR-exp_range": lambda lib, opt: lib.optim.lr_scheduler.CyclicLR(
        opt, 0.01, 0.1, step_size_up=4, mode="exp_range", gamma=0.97, cycle_momentum=False
    ),
    "MultiStepLR": lambda lib, opt: lib.optim.lr_scheduler.MultiStepLR(opt, [10, 30, 30, 70], gamma=0.5),
    "ConstantLR": lambda lib, opt: lib.optim.lr_scheduler.ConstantLR(opt, factor=0.25, total_iters=12),
    "LinearLR": lambda lib, opt: lib.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=20),
    "LinearLR-decay": lambda lib, opt: lib.optim.lr_scheduler.LinearLR(opt, 1.0, 0.05, total_iters=60),
    "PolynomialLR": lambda lib, opt: lib.optim.lr_scheduler.PolynomialLR(opt, total_iters=80, power=2.0),
    "MultiplicativeLR": lambda lib, opt: lib.optim.lr_scheduler.MultiplicativeLR(
        opt, lambda e: 0.99 - e / 1e4
    ),
    "CosineAnnealingWarmRestarts": lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        opt, T_0=10, T_mult=2, eta_min=1e-3
    ),
    "ChainedScheduler": lambda lib, opt: lib.optim.lr_scheduler.ChainedScheduler(
        [
            lib.optim.lr_scheduler.LinearLR(opt, start_factor=0.2, total_iters=10),
            lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.97),
        ]
    ),
    "SequentialLR": lambda lib, opt: lib.optim.lr_scheduler.SequentialLR(
        opt,
        [
            lib.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=10),
            lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=40),
            lib.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.8),
        ],
        milestones=[10, 50],
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
        assert getattr(schedule, "last_epoch", step) == getattr(reference, "last_epoch", step) == step
        np.testing.assert_allclose(schedule.get_last_lr(), reference.get_last_lr(), rtol=1e-12, atol=1e-15)
        _assert_same_groups(ours, theirs, step)
    if hasattr(reference, "base_lrs"):  # not the schedulers that combine others
        assert schedule.base_lrs == pytest.approx(reference.base_lrs, rel=1e-15)


@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(mode="max", factor=0.5, patience=2, threshold=0.05, threshold_mode="abs", cooldown=3),
        dict(factor=0.3, patience=1, min_lr=[0.02, 0.001], eps=1e-3),
    ],
)
def test_reduce_on_plateau_follows_the_metric_as_pytorch(options):
    """A metric that improves, stalls, wobbles and improves again."""
    metrics = [1.0 - 0.05 * i for i in range(8)] + [0.6] * 15 + [0.6 + 0.01 * (-1) ** i for i in range(15)]
    metrics += [0.5 - 0.01 * i for i in range(10)]
    ours = gv.optim.SGD(_groups(gv), lr=0.1)
    theirs = torch.optim.SGD(_groups(torch), lr=0.1)
    schedule = gv.optim.lr_scheduler.ReduceLROnPlateau(ours, **options)
    reference = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **options)
    for step, metric in enumerate(metrics):
        ours.step()
        theirs.step()
        schedule.step(gv.tensor(metric) if step % 2 else metric)
        reference.step(metric)
        np.testing.assert_allclose(schedule.get_last_lr(), reference.get_last_lr(), rtol=1e-12)
        assert (schedule.num_bad_epochs, schedule.cooldown_counter) == (
            reference.num_bad_epochs,
            reference.cooldown_counter,
        )
    assert schedule.get_last_lr() != [0.1, 0.05], "the schedule never reduced the rate"


def test_the_new_schedules_refuse_bad_arguments_as_pytorch():
    scheduler = lr_scheduler
    for make, message in [
        (lambda opt: scheduler.ConstantLR(opt, factor=1.5), r"ConstantLR: factor must be in \(0, 1\]"),
        (lambda opt: scheduler.LinearLR(opt, start_factor=0), r"LinearLR: start_factor must be in \(0, 1\]"),
        (lambda opt: scheduler.CosineAnnealingWarmRestarts(opt, T_0=0), "T_0 must be a positive int"),
        (lambda opt: scheduler.CosineAnnealingWarmRestarts(opt, 5, T_mult=0), "T_mult must be an int >= 1"),
        (lambda opt: scheduler.ReduceLROnPlateau(opt, factor=1.0), "factor must be < 1.0"),
        (lambda opt: scheduler.ReduceLROnPlateau(opt, mode="up"), "mode must be 'min' or 'max'"),
        (lambda opt: scheduler.SequentialLR(opt, [scheduler.StepLR(opt, 3)], [4]), "one milestone fewer"),
        (lambda opt: scheduler.ChainedScheduler([]), "at least one scheduler"),
    ]:
        with pytest.raises(ValueError, match=message):
            make(optim.SGD(_groups(gv), lr=0.1))
    opt = optim.SGD(_groups(gv), lr=0.1)
    with pytest.raises(ValueError, match="does not support ReduceLROnPlateau"):
        scheduler.ChainedScheduler([scheduler.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="belongs to another optimizer"):
        scheduler.ChainedScheduler([scheduler.StepLR(opt, 3), scheduler.StepLR(optim.SGD(_groups(gv)), 3)])


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
