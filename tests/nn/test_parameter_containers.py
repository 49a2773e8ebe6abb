"""ParameterList and ParameterDict against PyTorch's: names, editing, errors, and everything that walks
a model's parameters (state_dict, checkpoints, to/half, zero_grad, optimizers, the recorder)."""

import io
from collections import OrderedDict

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.trace import Recorder
from tests.oracle import check_refused_like_torch, host

rng = np.random.default_rng(0)
VALUES = {name: rng.standard_normal(shape) for name, shape in (("s0", (3,)), ("s1", (3,)), ("a", (2, 2)))}
VALUES["b"] = rng.standard_normal(2)


def _mixture(nn, tensor):
    """A model holding parameters in both containers, next to a layer; the same for gradviz and torch."""

    class Mixture(nn.Module):
        def __init__(self):
            super().__init__()
            self.scales = nn.ParameterList([tensor(VALUES["s0"]), nn.Parameter(tensor(VALUES["s1"]))])
            self.heads = nn.ParameterDict({"b": tensor(VALUES["b"]), "a": tensor(VALUES["a"])})
            self.linear = nn.Linear(3, 2).double()

        def forward(self, x):
            for scale in self.scales:
                x = x * scale
            return self.linear(x) @ self.heads["a"] + self.heads["b"]

    return Mixture()


def _twins():
    ours, theirs = _mixture(gv.nn, gv.tensor), _mixture(torch.nn, torch.tensor)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _torch_repr(text):
    """torch's repr in gradviz's words: its dtypes print as torch.float64, or as torch.DoubleTensor in a
    ParameterDict (torch.typename); gradviz prints its dtype in both."""
    for legacy, dtype in (("DoubleTensor", "float64"), ("FloatTensor", "float32"), ("HalfTensor", "float16")):
        text = text.replace(f"torch.{legacy}", f"torch.{dtype}")
    return text.replace("torch.", "gradviz.")


def test_parameters_are_registered_under_pytorch_names():
    ours, theirs = _twins()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert (
        list(ours.state_dict())
        == list(theirs.state_dict())
        == [
            "scales.0",
            "scales.1",
            "heads.a",  # a plain dict is added in sorted key order, as PyTorch does
            "heads.b",
            "linear.weight",
            "linear.bias",
        ]
    )
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert repr(ours) == _torch_repr(repr(theirs))
    assert ours.get_parameter("heads.a") is ours.heads["a"]


def test_plain_tensors_become_parameters_sharing_their_data_and_other_objects_are_kept():
    def wrapped(nn, tensor):
        plain = tensor([1.0, 2.0])
        param = nn.Parameter(tensor([3.0]))
        params = nn.ParameterList([plain, param, "note"])
        table = nn.ParameterDict(OrderedDict(x=plain, note=None))
        with_data = params[0].detach()
        with_data[0] = 9.0  # writes through: the Parameter wraps plain's data
        return (
            [type(p).__name__ for p in params],
            params[0].requires_grad,
            params[1] is param,
            plain.tolist(),
            type(table["x"]).__name__,
            table["note"],
            list(params.state_dict()),
            list(table.state_dict()),
            _torch_repr(repr(params)) if nn is torch.nn else repr(params),
        )

    assert wrapped(gv.nn, gv.tensor) == wrapped(torch.nn, torch.tensor)


def _list_edits(nn, tensor):
    """Edits of a ParameterList, each giving comparable (shape, is-the-original) descriptions."""

    def make():
        return [tensor(np.full(n, float(n))) for n in (1, 2, 3)]

    def describe(result, originals):
        """(shape, position among the original parameters or -1) per parameter."""
        result = [result] if isinstance(result, nn.Parameter) else result
        return [(tuple(p.shape), next((i for i, o in enumerate(originals) if p is o), -1)) for p in result]

    def edited(edit):
        params = nn.ParameterList(make())
        originals = list(params)
        result = edit(params)
        return describe(result if result is not None else params, originals)

    return {
        "iterate": lambda: edited(lambda p: list(p)),
        "index from the end": lambda: edited(lambda p: p[-1]),
        "slice shares the parameters": lambda: edited(lambda p: p[::2]),
        "slice is a ParameterList": lambda: type(nn.ParameterList(make())[1:]).__name__,
        "append": lambda: edited(lambda p: p.append(tensor(np.zeros(4)))),
        "extend": lambda: edited(lambda p: p.extend(tensor(np.zeros(n)) for n in (4, 5))),
        "+=": lambda: edited(lambda p: p.__iadd__([tensor(np.zeros(4))])),
        "replace one": lambda: edited(lambda p: p.__setitem__(-2, tensor(np.zeros(7)))),
        "state_dict after replacing one": lambda: list(
            (lambda p: p.__setitem__(0, tensor(np.zeros(7))) or p)(nn.ParameterList(make())).state_dict()
        ),
        "len": lambda: len(nn.ParameterList(make())),
        "no insert, pop or del": lambda: [
            hasattr(nn.ParameterList(), m) for m in ("insert", "pop", "__delitem__")
        ],
        "dir hides the indices": lambda: "0" in dir(nn.ParameterList(make())),
    }


@pytest.mark.parametrize("edit", list(_list_edits(gv.nn, gv.tensor)))
def test_parameter_list_edits_match_pytorch(edit):
    assert _list_edits(gv.nn, gv.tensor)[edit]() == _list_edits(torch.nn, torch.tensor)[edit]()


def _dict_edits(nn, tensor):
    """Edits of a ParameterDict, each giving its keys, a result, or both."""

    def make():
        return nn.ParameterDict(OrderedDict((k, tensor(np.full(2, float(i)))) for i, k in enumerate("zya")))

    def edited(edit):
        table = make()
        result = edit(table)
        if isinstance(result, torch.Tensor | gv.Tensor):
            result = result.tolist()
        elif isinstance(result, tuple) and isinstance(result[1], torch.Tensor | gv.Tensor):  # popitem
            result = (result[0], result[1].tolist())
        return list(table), result

    return {
        "keys in insertion order": lambda: edited(lambda t: list(t.keys())),
        "values and items": lambda: edited(
            lambda t: [v.tolist() for v in t.values()] + [k for k, _ in t.items()]
        ),
        "update with a dict sorts": lambda: edited(lambda t: t.update({"c": tensor(1.0), "b": tensor(1.0)})),
        "update with an OrderedDict keeps order": lambda: edited(
            lambda t: t.update(OrderedDict(c=tensor(1.0), b=tensor(1.0)))
        ),
        "update with pairs keeps order": lambda: edited(
            lambda t: t.update([("c", tensor(1.0)), ("b", tensor(1.0))])
        ),
        "update replaces in place": lambda: edited(lambda t: t.update({"y": tensor(5.0)})),
        "constructor from pairs": lambda: list(nn.ParameterDict([("q", tensor(1.0)), ("p", tensor(1.0))])),
        "in": lambda: edited(lambda t: ("y" in t, "w" in t)),
        "get": lambda: edited(lambda t: (t.get("y").tolist(), t.get("w"), t.get("w", 3))),
        "setdefault present": lambda: edited(lambda t: t.setdefault("y", tensor(7.0))),
        "setdefault absent": lambda: edited(lambda t: t.setdefault("w", tensor(7.0))),
        "pop": lambda: edited(lambda t: t.pop("y")),
        "popitem takes the last": lambda: edited(lambda t: t.popitem()),
        "del": lambda: edited(lambda t: t.__delitem__("z")),
        "clear": lambda: edited(lambda t: (t.clear(), list(t.state_dict()))),
        "copy shares the parameters": lambda: edited(
            lambda t: (type(t.copy()).__name__, t.copy()["y"] is t["y"])
        ),
        "fromkeys": lambda: edited(lambda t: list(t.fromkeys(["u", "v"], tensor(1.0)).state_dict())),
        "|": lambda: edited(lambda t: list(t | nn.ParameterDict({"b": tensor(1.0)}))),
        "dict | ParameterDict": lambda: edited(
            lambda t: (lambda r: (type(r).__name__, list(r)))({"q": 1} | t)
        ),
        "|=": lambda: edited(lambda t: t.__ior__({"b": tensor(1.0)}) and None),
        "reversed": lambda: edited(lambda t: list(reversed(t))),
        "len": lambda: len(make()),
    }


@pytest.mark.parametrize("edit", list(_dict_edits(gv.nn, gv.tensor)))
def test_parameter_dict_edits_match_pytorch(edit):
    assert _dict_edits(gv.nn, gv.tensor)[edit]() == _dict_edits(torch.nn, torch.tensor)[edit]()


def _misuses(nn, tensor):
    """(error type in both libraries, call): what PyTorch refuses, gradviz refuses too."""
    return {
        "list index past the end": (IndexError, lambda: nn.ParameterList([tensor([1.0])])[1]),
        "list index before the start": (IndexError, lambda: nn.ParameterList([tensor([1.0])])[-2]),
        "list assignment past the end": (
            IndexError,
            lambda: nn.ParameterList().__setitem__(0, tensor([1.0])),
        ),
        "list extend with a tensor": (TypeError, lambda: nn.ParameterList().extend(tensor([1.0, 2.0]))),
        "list extend with a number": (TypeError, lambda: nn.ParameterList().extend(3)),
        "list called": (RuntimeError, lambda: nn.ParameterList()(tensor([1.0]))),
        "list of an integer tensor": (RuntimeError, lambda: nn.ParameterList([tensor([1, 2])])),
        "list entry replaced by a string": (
            TypeError,
            lambda: nn.ParameterList([tensor([1.0])]).__setitem__(0, "x"),
        ),
        "dict key not a string": (TypeError, lambda: nn.ParameterDict().__setitem__(1, tensor([1.0]))),
        "dict key with a dot": (KeyError, lambda: nn.ParameterDict({"a.b": tensor([1.0])})),
        "dict key that is a method": (KeyError, lambda: nn.ParameterDict({"keys": tensor([1.0])})),
        "dict missing key": (AttributeError, lambda: nn.ParameterDict()["w"]),
        "dict pop of a missing key": (AttributeError, lambda: nn.ParameterDict().pop("w")),
        "dict del of a missing key": (KeyError, lambda: nn.ParameterDict().__delitem__("w")),
        "dict popitem when empty": (KeyError, lambda: nn.ParameterDict().popitem()),
        "dict update with a number": (TypeError, lambda: nn.ParameterDict().update(3)),
        "dict update with a short pair": (ValueError, lambda: nn.ParameterDict().update([("a",)])),
        "dict update with a non-pair": (TypeError, lambda: nn.ParameterDict().update([3])),
        "dict called": (RuntimeError, lambda: nn.ParameterDict()(tensor([1.0]))),
    }


GV_MESSAGES = {
    "list index past the end": "index 1 is out of range for 1 entries; append",
    "list index before the start": "index -2 is out of range for 1 entries",
    "list assignment past the end": "index 0 is out of range for 0 entries",
    "list extend with a tensor": "called with an iterable, but got Tensor; to add one tensor use append",
    "list extend with a number": "but got int",
    "list called": r"should not be called; index it, e.g. params\[0\]",
    "list of an integer tensor": "only floating point tensors can require gradients",
    "list entry replaced by a string": "cannot assign str to parameter '0'",
    "dict key not a string": r"keys must be strings, got int 1.*use str\(key\)",
    "dict key with a dot": r"'a.b' must be non-empty and contain no '.'",
    "dict key that is a method": "attribute 'keys' already exists",
    "dict missing key": r"no key 'w'; its keys are \[\]",
    "dict pop of a missing key": "no key 'w'",
    "dict del of a missing key": "no key 'w'",
    "dict popitem when empty": "empty",
    "dict update with a number": "mapping or an iterable of key/value pairs, but got int",
    "dict update with a short pair": "element #0 has length 1; 2 is required",
    "dict update with a non-pair": r"element #0 should be a \(key, value\) pair; is int",
    "dict called": r"should not be called; look a parameter up, e.g. params\['weight'\]",
}


@pytest.mark.parametrize("what", list(GV_MESSAGES))
def test_misuse_is_refused_like_pytorch_with_a_message_that_says_what_to_do(what):
    check_refused_like_torch(
        _misuses(torch.nn, torch.tensor)[what], _misuses(gv.nn, gv.tensor)[what], GV_MESSAGES[what]
    )


def test_a_missing_key_is_a_key_error_too_and_a_refused_key_leaves_the_dict_as_it_was():
    """PyTorch raises AttributeError for a missing key (a dict user catches KeyError: gradviz's error is
    both), and records a refused key (``'a.b'``) in its key list although nothing was stored."""
    table = gv.nn.ParameterDict({"w": gv.zeros(1)})
    with pytest.raises(KeyError):
        table["v"]
    for key in ("a.b", 1):
        with pytest.raises((KeyError, TypeError)):
            table[key] = gv.zeros(1)
    assert list(table) == ["w"] and table.copy().keys() == {"w"}
    params = gv.nn.ParameterList()
    with pytest.raises(RuntimeError):
        params.append(gv.tensor([1, 2]))
    assert len(params) == 0 and list(params) == []


def test_a_training_step_through_both_containers_matches_pytorch():
    ours, theirs = _twins()
    x = rng.standard_normal((4, 3))
    our_opt = gv.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    their_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        for model, opt, tensor in ((ours, our_opt, gv.tensor), (theirs, their_opt, torch.tensor)):
            opt.zero_grad()
            (model(tensor(x)) ** 2).sum().backward()
            opt.step()
    theirs_now = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(host(param), theirs_now[name].detach().numpy(), rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(host(param.grad), theirs_now[name].grad.numpy(), rtol=1e-12, err_msg=name)
    ours.zero_grad()
    assert all(p.grad is None for p in ours.parameters())


def test_to_half_and_float_reach_the_parameters_in_place():
    model = _mixture(gv.nn, gv.tensor)
    held = model.scales[0], model.heads["a"]
    model.half()
    assert {str(p.dtype) for p in model.parameters()} == {"gradviz.float16"}
    model.float().to("sim")
    assert model.scales[0] is held[0] and model.heads["a"] is held[1], "converting must keep the objects"
    assert held[0].dtype == gv.float32 and held[1].device == gv.device("sim")


def test_a_checkpoint_round_trips_through_save_and_load():
    source, target = _mixture(gv.nn, gv.tensor), _mixture(gv.nn, gv.tensor)
    with gv.no_grad():
        for param in source.parameters():
            param.mul_(3.0).add_(1.0)
    buffer = io.BytesIO()
    gv.save(source.state_dict(), buffer)
    buffer.seek(0)
    loaded = gv.load(buffer)
    assert list(loaded) == list(source.state_dict())
    assert target.load_state_dict(loaded) == ([], [])
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(host(a), host(b), err_msg=name)
    del loaded["heads.b"]
    with pytest.raises(RuntimeError, match="missing keys: heads.b"):
        target.load_state_dict(loaded)


def test_a_torch_checkpoint_loads_into_the_gradviz_twin():
    ours, theirs = _mixture(gv.nn, gv.tensor), _mixture(torch.nn, torch.tensor)
    with torch.no_grad():
        theirs.heads["a"].fill_(4.0)
        theirs.scales[1].fill_(-2.0)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert host(ours.heads["a"]).tolist() == [[4.0, 4.0], [4.0, 4.0]]
    assert host(ours.scales[1]).tolist() == [-2.0, -2.0, -2.0]


def test_the_recorder_names_their_gradients():
    model = _mixture(gv.nn, gv.tensor)
    with Recorder(model) as recorder:
        model.zero_grad()
        (model(gv.tensor(rng.standard_normal((4, 3)))) ** 2).sum().backward()
    flow = recorder.gradient_flow()
    assert {"scales.0", "scales.1", "heads.a", "heads.b"} <= set(flow)
    assert all(flow[name][-1] > 0 for name in ("scales.0", "heads.a"))
