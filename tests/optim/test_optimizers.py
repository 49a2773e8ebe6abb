"""Optimizers against PyTorch: parameter trajectories step by step, state, param groups, errors."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz import optim
from gradviz.errors import DtypeError
from gradviz.optim.optimizer import HOST_SCALARS
from tests.oracle import host

STEPS = 60

CASES = [
    ("SGD", dict(lr=2e-4)),
    ("SGD", dict(lr=2e-4, momentum=0.9)),
    ("SGD", dict(lr=2e-4, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=2e-4, momentum=0.8, dampening=0.5)),
    ("SGD", dict(lr=2e-4, momentum=0.9, weight_decay=0.1, nesterov=True)),
    ("SGD", dict(lr=2e-4, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6, maximize=True)),
    ("RMSprop", dict(lr=1e-2)),
    ("RMSprop", dict(lr=1e-3, alpha=0.9, momentum=0.5)),
    ("RMSprop", dict(lr=1e-3, centered=True)),
    ("RMSprop", dict(lr=1e-3, centered=True, momentum=0.7, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.1, amsgrad=True, eps=1e-6)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),  # its first steps are plain momentum steps: a small lr, or Rosenbrock diverges
    ("RAdam", dict(lr=2e-3, betas=(0.8, 0.9), weight_decay=0.1)),
    ("RAdam", dict(weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=1e-3, etas=(0.3, 1.5), step_sizes=(1e-4, 0.1), maximize=True)),
]

ALL_OPTIMIZERS = sorted({name for name, _ in CASES})


def _case_id(case):
    name, options = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in options.items()) + ")"


class Problem:
    """Rosenbrock on two float64 scalars plus a small non-convex matrix loss, in one library."""

    def __init__(self, lib, device="cpu", seed=0):
        rng = np.random.default_rng(seed)
        self.lib = lib
        start = [np.array(-1.5), np.array(2.0), rng.standard_normal((3, 4))]
        self.inputs, self.targets = rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
        if lib is gv:
            self.params = [gv.tensor(a, device=device, requires_grad=True) for a in start]
            self.inputs, self.targets = (gv.tensor(a, device=device) for a in (self.inputs, self.targets))
        else:
            self.params = [torch.tensor(a, requires_grad=True) for a in start]
            self.inputs, self.targets = torch.tensor(self.inputs), torch.tensor(self.targets)

    def loss(self, sign=1.0):
        x, y, weight = self.params
        rosenbrock = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        fit = ((weight @ self.inputs).tanh() - self.targets) ** 2
        return sign * (rosenbrock + fit.mean())

    def values(self):
        return [host(p) if self.lib is gv else p.detach().numpy() for p in self.params]


def _step(problem, optimizer, sign):
    optimizer.zero_grad()
    problem.loss(sign).backward()
    optimizer.step()


def _assert_same_params(ours, theirs, step):
    for i, (a, b) in enumerate(zip(ours.values(), theirs.values())):
        assert np.all(np.isfinite(a)), f"step {step}: parameter {i} is not finite"
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10, err_msg=f"step {step}, parameter {i}")


def _assert_same_state(ours, theirs):
    mine, torchs = ours.state_dict(), theirs.state_dict()
    assert mine["state"].keys() == torchs["state"].keys()
    for index, state in torchs["state"].items():
        assert mine["state"][index].keys() == state.keys(), f"state names of parameter {index}"
        for key, value in state.items():
            np.testing.assert_allclose(host(mine["state"][index][key]), value.numpy(), rtol=1e-10, atol=1e-12)
    for group, torch_group in zip(mine["param_groups"], torchs["param_groups"]):
        assert group == {k: v for k, v in torch_group.items() if k in group}
        assert set(torch_group) - set(group) <= {"foreach", "capturable", "differentiable", "fused"}


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_trajectory_matches_pytorch(case, device):
    name, options = case
    sign = -1.0 if options.get("maximize") else 1.0
    ours, theirs = Problem(gv, device), Problem(torch)
    optimizer = getattr(optim, name)(ours.params, **options)
    reference = getattr(torch.optim, name)(theirs.params, **options)
    for step in range(STEPS):
        _step(ours, optimizer, sign)
        _step(theirs, reference, sign)
        _assert_same_params(ours, theirs, step)
    _assert_same_state(optimizer, reference)
    for state in optimizer.state.values():
        for key, value in state.items():
            assert value.device == (gv.device("cpu") if key in HOST_SCALARS else gv.device(device)), key
    assert float(ours.loss(sign)) * sign < float(Problem(gv).loss())


def test_defaults_are_pytorchs():
    problem = Problem(gv)
    for name in ALL_OPTIMIZERS:
        ours = getattr(optim, name)(problem.params).defaults
        theirs = getattr(torch.optim, name)(Problem(torch).params).defaults
        assert ours == {k: v for k, v in theirs.items() if k in ours}, name


def _two_groups(problem, lib):
    x, y, weight = problem.params
    return [{"params": [x, y], "lr": 1e-4}, {"params": [weight], "lr": 1e-2, "momentum": 0.5}]


def test_param_groups_with_their_own_options():
    ours, theirs = Problem(gv), Problem(torch)
    optimizer = optim.SGD(_two_groups(ours, gv), lr=0.1, momentum=0.9)
    reference = torch.optim.SGD(_two_groups(theirs, torch), lr=0.1, momentum=0.9)
    assert [g["lr"] for g in optimizer.param_groups] == [1e-4, 1e-2]
    assert [g["momentum"] for g in optimizer.param_groups] == [0.9, 0.5]
    for step in range(STEPS):
        _step(ours, optimizer, 1.0)
        _step(theirs, reference, 1.0)
        _assert_same_params(ours, theirs, step)
    _assert_same_state(optimizer, reference)


def test_a_group_dict_becomes_the_group_like_pytorch():
    for lib, problem in [(optim, Problem(gv)), (torch.optim, Problem(torch))]:
        head = {"params": iter(problem.params[2:]), "lr": 0.1}
        optimizer = lib.SGD([{"params": problem.params[:2]}, head], lr=0.5)
        assert optimizer.param_groups[1] is head and head["params"] == [problem.params[2]], lib
        assert head["momentum"] == 0
        head["lr"] = 0.01
        assert optimizer.param_groups[1]["lr"] == 0.01


def test_add_param_group_later():
    ours, theirs = Problem(gv), Problem(torch)
    optimizer = optim.Adam(ours.params[:2], lr=0.05)
    reference = torch.optim.Adam(theirs.params[:2], lr=0.05)
    for step in range(STEPS):
        if step == 10:
            optimizer.add_param_group({"params": ours.params[2], "lr": 0.01})
            reference.add_param_group({"params": theirs.params[2], "lr": 0.01})
        _step(ours, optimizer, 1.0)
        _step(theirs, reference, 1.0)
        _assert_same_params(ours, theirs, step)
    _assert_same_state(optimizer, reference)


@pytest.mark.parametrize("case", [CASES[i] for i in (1, 7, 12, 14, 18, 20, 24, 27, 30)], ids=_case_id)
def test_state_dict_round_trip_continues_the_same_trajectory(case):
    name, options = case
    sign = -1.0 if options.get("maximize") else 1.0
    uninterrupted, resumed = Problem(gv), Problem(gv)
    straight = getattr(optim, name)(uninterrupted.params, **options)
    first = getattr(optim, name)(resumed.params, **options)
    for _ in range(20):
        _step(uninterrupted, straight, sign)
        _step(resumed, first, sign)
    saved = first.state_dict()
    second = getattr(optim, name)(resumed.params, **{**options, "lr": 123.0})
    second.load_state_dict(saved)
    assert second.param_groups[0]["lr"] == options["lr"]
    assert second.param_groups[0]["params"][0] is resumed.params[0]
    for step in range(30):
        _step(uninterrupted, straight, sign)
        _step(resumed, second, sign)
        for a, b in zip(uninterrupted.values(), resumed.values()):
            np.testing.assert_array_equal(a, b, err_msg=f"step {step} after loading")


def test_state_dict_layout_loads_into_pytorch():
    ours, theirs = Problem(gv), Problem(torch)
    optimizer = optim.RMSprop(ours.params, lr=1e-3, momentum=0.5, centered=True)
    for _ in range(5):
        _step(ours, optimizer, 1.0)
    saved = optimizer.state_dict()
    reference = torch.optim.RMSprop(theirs.params, lr=1.0)
    reference.load_state_dict(
        {
            "state": {i: {k: torch.tensor(host(v)) for k, v in s.items()} for i, s in saved["state"].items()},
            "param_groups": saved["param_groups"],
        }
    )
    _assert_same_state(optimizer, reference)


def test_loaded_state_is_a_copy():
    problem = Problem(gv)
    first = optim.Adam(problem.params)
    _step(problem, first, 1.0)
    second = optim.Adam(problem.params)
    second.load_state_dict(first.state_dict())
    _step(problem, second, 1.0)
    assert float(first.state[problem.params[0]]["step"]) == 1.0
    assert float(second.state[problem.params[0]]["step"]) == 2.0


def test_zero_grad():
    problem = Problem(gv)
    optimizer = optim.SGD(problem.params)
    problem.loss().backward()
    optimizer.zero_grad(set_to_none=False)
    for p in problem.params:
        assert p.grad is not None and not host(p.grad).any()
    optimizer.zero_grad()
    assert all(p.grad is None for p in problem.params)


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_parameters_without_grad_are_skipped(name):
    problem = Problem(gv)
    frozen = gv.tensor([1.0, 2.0], requires_grad=True)
    options = {"momentum": 0.9} if name == "SGD" else {}
    optimizer = getattr(optim, name)(problem.params + [frozen], **options)
    theirs = Problem(torch)
    reference = getattr(torch.optim, name)(
        theirs.params + [torch.tensor([1.0, 2.0], requires_grad=True)], **options
    )
    problem.loss().backward()
    theirs.loss().backward()
    optimizer.step()
    reference.step()
    assert host(frozen).tolist() == [1.0, 2.0]
    assert all(float(p.detach().sum()) != 0 for p in problem.params)
    torch_state = reference.state_dict()["state"].get(3, {})
    ours = optimizer.state_dict()["state"].get(3, {})
    assert ours.keys() == torch_state.keys()


def test_closure_is_evaluated_with_grad_enabled():
    ours, theirs = Problem(gv), Problem(torch)
    optimizer = optim.Adam(ours.params, lr=0.05)
    reference = torch.optim.Adam(theirs.params, lr=0.05)

    def closure_for(problem, opt):
        def closure():
            opt.zero_grad()
            loss = problem.loss()
            loss.backward()
            return loss

        return closure

    for step in range(10):
        with gv.no_grad():
            loss = optimizer.step(closure_for(ours, optimizer))
        expected = reference.step(closure_for(theirs, reference))
        assert float(loss) == pytest.approx(float(expected.detach()), rel=1e-12)
        _assert_same_params(ours, theirs, step)
    assert optim.SGD(ours.params).step() is None


def test_update_rules_are_plain_functions():
    from gradviz.optim.adam import adam_update
    from gradviz.optim.sgd import sgd_update

    param = gv.tensor([1.0, -2.0], dtype=gv.float64)
    grad = gv.tensor([0.5, 0.5], dtype=gv.float64)
    sgd_update(param, grad, {}, lr=0.1, momentum=0, dampening=0, weight_decay=0, nesterov=False)
    np.testing.assert_allclose(host(param), [0.95, -2.05])
    state = {"step": gv.tensor(0.0), "exp_avg": gv.zeros_like(param), "exp_avg_sq": gv.zeros_like(param)}
    adam_update(param, grad, state, lr=0.1, beta1=0.9, beta2=0.999, eps=0.0, weight_decay=0, amsgrad=False)
    np.testing.assert_allclose(host(param), [0.85, -2.15])


BAD_HYPER_PARAMETERS = [
    (lambda p: optim.SGD(p, lr=-0.1), "SGD: invalid lr value: -0.1"),
    (lambda p: optim.SGD(p, momentum=-1), "SGD: invalid momentum value: -1"),
    (lambda p: optim.SGD(p, weight_decay=-1e-4), "SGD: invalid weight_decay value"),
    (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum > 0"),
    (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "and zero dampening"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Adagrad: invalid lr_decay value"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "initial_accumulator_value"),
    (lambda p: optim.Adagrad(p, eps=-1), "Adagrad: invalid eps value"),
    (lambda p: optim.RMSprop(p, alpha=-0.5), "RMSprop: invalid alpha value"),
    (lambda p: optim.RMSprop(p, momentum=-0.5), "RMSprop: invalid momentum value"),
    (
        lambda p: optim.Adam(p, betas=(1.5, 0.999)),
        r"Adam: invalid beta parameter at index 0: 1.5 \(must be in",
    ),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), "Adam: invalid beta parameter at index 1: 1.0"),
    (lambda p: optim.Adam(p, eps=-1e-8), "Adam: invalid eps value"),
    (lambda p: optim.AdamW(p, betas=(-0.1, 0.9)), "AdamW: invalid beta parameter at index 0"),
    (lambda p: optim.AdamW(p, lr=-1), "AdamW: invalid lr value"),
    (lambda p: optim.Adadelta(p, rho=1.5), r"Adadelta: invalid rho value: 1.5 \(must be in \[0, 1\]\)"),
    (lambda p: optim.Adamax(p, betas=(0.9, 1.0)), "Adamax: invalid beta parameter at index 1"),
    (lambda p: optim.NAdam(p, momentum_decay=-1), "NAdam: invalid momentum_decay value"),
    (lambda p: optim.RAdam(p, eps=-1), "RAdam: invalid eps value"),
    (lambda p: optim.Rprop(p, etas=(1.2, 0.5)), r"Rprop: invalid eta values: 1.2, 0.5 \(need 0 < eta- < 1"),
]


@pytest.mark.parametrize("make, message", BAD_HYPER_PARAMETERS)
def test_bad_hyper_parameters_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make(Problem(gv).params)


def test_bad_parameters_are_refused():
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="appears more than once"):
        optim.SGD([x, x])
    with pytest.raises(ValueError, match="appears more than once"):
        optim.Adam([{"params": [x]}, {"params": [x], "lr": 0.1}])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([x * 2])
    with pytest.raises(DtypeError, match="floating point.*int64"):
        optim.SGD([gv.tensor([1, 2])])
    with pytest.raises(TypeError, match="only optimize Tensors.*ndarray"):
        optim.SGD([np.zeros(2)])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(x)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({x})
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    optimizer = optim.SGD([x])
    with pytest.raises(ValueError, match="parameter groups"):
        optimizer.load_state_dict({"state": {}, "param_groups": []})


def test_named_parameters_like_pytorch():
    """Since PyTorch 2.6 an optimizer takes ``named_parameters()`` and keeps the names as 'param_names'."""
    ours, theirs = gv.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    with torch.no_grad():
        for mine, reference in zip(ours.parameters(), theirs.parameters()):
            reference.copy_(torch.tensor(host(mine)))
    optimizer = optim.Adam(ours.named_parameters(), lr=0.1)
    reference = torch.optim.Adam(theirs.named_parameters(), lr=0.1)
    inputs = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for _ in range(5):
        for model, opt, x in [
            (ours, optimizer, gv.tensor(inputs)),
            (theirs, reference, torch.tensor(inputs)),
        ]:
            opt.zero_grad()
            (model(x) ** 2).sum().backward()
            opt.step()
    for mine, theirs_param in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(host(mine), theirs_param.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert optimizer.param_groups[0]["param_names"] == reference.param_groups[0]["param_names"]
    assert optimizer.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    with pytest.raises(ValueError, match="with/without names"):
        optimizer.add_param_group({"params": [gv.zeros(2, requires_grad=True)]})
    with pytest.raises(ValueError, match="with/without names"):
        optim.SGD([("weight", ours.weight), ours.bias])


def test_works_with_module_parameters():
    from gradviz.nn.module import Module
    from gradviz.nn.parameter import Parameter

    class Line(Module):
        def __init__(self):
            super().__init__()
            self.slope = Parameter(gv.tensor(0.0))
            self.offset = Parameter(gv.tensor(0.0))

    line = Line()
    xs = gv.linspace(-1, 1, 20)
    ys = 3 * xs + 1
    optimizer = optim.SGD(line.parameters(), lr=0.3, momentum=0.5)
    for _ in range(200):
        optimizer.zero_grad()
        ((line.slope * xs + line.offset - ys) ** 2).mean().backward()
        optimizer.step()
    assert float(line.slope) == pytest.approx(3.0, abs=1e-4)
    assert float(line.offset) == pytest.approx(1.0, abs=1e-4)


def _hook_log(lib):
    """An SGD step's pre and post hooks on ``lib``, logging what they receive (the optimizer as 'opt')."""
    param = lib.nn.Parameter(lib.ones(2))
    param.grad = lib.ones(2)
    optimizer = lib.optim.SGD([param], lr=0.5)
    log = []

    def logger(phase):
        def hook(opt, args, kwargs):
            named = ["opt" if a is optimizer else "closure" for a in args]
            log.append((phase, opt is optimizer, named, kwargs))

        return hook

    optimizer.register_step_pre_hook(logger("pre"))
    handle = optimizer.register_step_post_hook(logger("post"))
    return optimizer, param, log, handle


def test_step_hooks_receive_pytorchs_arguments():
    for_lib = {}
    for lib in (gv, torch):
        optimizer, _, log, handle = _hook_log(lib)
        optimizer.step()
        optimizer.step(lambda: 1.0)
        handle.remove()
        optimizer.step()
        for_lib[lib] = log
    assert for_lib[gv] == for_lib[torch]
    assert [entry[0] for entry in for_lib[gv]] == ["pre", "post", "pre", "post", "pre"]


def test_a_step_pre_hook_can_replace_the_closure():
    for lib in (gv, torch):
        optimizer, param, _, _ = _hook_log(lib)
        optimizer.register_step_pre_hook(lambda opt, args, kwargs: ((opt, lambda: 7.0), {}))
        assert optimizer.step(lambda: 1.0) == 7.0
        assert param[0].item() == 0.5


def test_a_step_pre_hook_returning_something_else_is_refused():
    optimizer, param, _, _ = _hook_log(gv)

    def bad_hook(opt, args, kwargs):
        return 5

    optimizer.register_step_pre_hook(bad_hook)
    with pytest.raises(RuntimeError, match=r"hook 'bad_hook' returned 5; return None, or a tuple"):
        optimizer.step()
    assert float(param[0]) == 1.0
