"""Module: registration, traversal, state dicts, hooks, and the module scope every op is reported in."""

import numpy as np
import pytest
import torch

import gradviz as gv
import gradviz.nn.functional as F
from gradviz.autograd import events
from gradviz.errors import ShapeError
from gradviz.nn.containers import ModuleDict, ModuleList, Sequential
from gradviz.nn.module import Module
from gradviz.nn.parameter import Parameter


class Affine(Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = Parameter(gv.randn(n_out, n_in))
        self.bias = Parameter(gv.zeros(n_out))
        self.register_buffer("calls", gv.zeros(1))
        self.register_buffer("scratch", gv.zeros(1), persistent=False)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class Net(Module):
    def __init__(self):
        super().__init__()
        self.encoder = Sequential(Affine(4, 8), Affine(8, 8))
        self.heads = ModuleList([Affine(8, 2), Affine(8, 3)])
        self.extra = ModuleDict({"gate": Affine(8, 1)})

    def forward(self, x):
        h = self.encoder(x).tanh()
        return [head(h) for head in self.heads] + [self.extra["gate"](h)]


def test_parameters_and_modules_are_named_like_pytorch():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names[:4] == ["encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias"]
    assert names[-2:] == ["extra.gate.weight", "extra.gate.bias"]
    assert [n for n, _ in net.named_modules()][:4] == ["", "encoder", "encoder.0", "encoder.1"]
    assert [n for n, _ in net.named_children()] == ["encoder", "heads", "extra"]
    assert len(list(net.parameters())) == 10
    assert [n for n, _ in net.named_buffers()][0] == "encoder.0.calls"


def test_get_submodule_and_get_parameter_follow_dotted_names():
    net = Net()
    assert net.get_submodule("") is net
    assert net.get_submodule("extra.gate") is net.extra["gate"]
    assert net.get_parameter("heads.1.bias") is net.heads[1].bias
    for name, param in net.named_parameters():
        assert net.get_parameter(name) is param
    with pytest.raises(AttributeError, match="encoder has no submodule '7'"):
        net.get_submodule("encoder.7")
    with pytest.raises(AttributeError, match=r"encoder.0 has no parameter 'scale'.*\['weight', 'bias'\]"):
        net.get_parameter("encoder.0.scale")
    for name, buffer in net.named_buffers():
        assert net.get_buffer(name) is buffer
    with pytest.raises(AttributeError, match="get_buffer: encoder.0 has no buffer 'weight'"):
        net.get_buffer("encoder.0.weight")


def test_set_submodule_replaces_a_module_at_a_dotted_path_as_in_pytorch():
    for nn, make in ((gv.nn, gv.nn.Sequential), (torch.nn, torch.nn.Sequential)):
        net = make(nn.Linear(2, 3), make(nn.ReLU(), nn.Linear(3, 1)))
        net.set_submodule("1.0", nn.Tanh())
        assert type(net[1][0]).__name__ == "Tanh"
        with pytest.raises(AttributeError):
            net.set_submodule("2.0", nn.Tanh())
    with pytest.raises(TypeError, match="set_submodule: int is not a Module"):
        gv.nn.Sequential(gv.nn.ReLU()).set_submodule("0", 3)


def test_shared_parameters_are_listed_once():
    net = Sequential(Affine(2, 2), Affine(2, 2))
    net[1].weight = net[0].weight
    assert len(list(net.parameters())) == 3


def test_a_shared_submodule_is_in_the_state_dict_under_every_name_like_pytorch():
    """PyTorch's state_dict and named_parameters(remove_duplicate=False) walk every path to a shared
    submodule; gradviz kept only the first, so a torch checkpoint of a tied model was refused."""
    import torch

    def names(nn):
        shared = nn.Linear(2, 2)
        net = nn.Sequential(shared, nn.ReLU(), shared)
        return (
            list(net.state_dict()),
            [name for name, _ in net.named_parameters(remove_duplicate=False)],
            [name for name, _ in net.named_parameters()],
        )

    assert names(gv.nn) == names(torch.nn)
    shared = gv.nn.Linear(2, 2)
    net = Sequential(shared, shared)
    torch_net = torch.nn.Sequential(*[torch.nn.Linear(2, 2)] * 2)
    net.load_state_dict({k: v.detach().numpy() for k, v in torch_net.state_dict().items()})
    np.testing.assert_array_equal(shared.weight.data, torch_net[0].weight.detach().numpy())


def test_every_op_reports_its_qualified_module():
    net = Net()
    seen = []
    with events.subscribe(seen.append):
        outputs = net(gv.randn(5, 4))
        sum(out.sum() for out in outputs).backward()
    modules = {(e.phase, e.op, e.module) for e in seen if isinstance(e, events.OpEvent)}
    assert ("forward", "linear", "encoder.0") in modules
    assert ("forward", "linear", "heads.1") in modules
    assert ("forward", "linear", "extra.gate") in modules
    assert ("forward", "tanh", "") in modules
    assert ("backward", "linear", "encoder.1") in modules


def test_names_follow_structure_changes():
    net = Sequential(Affine(2, 2))
    net(gv.randn(1, 2))
    net.append(Affine(2, 2))
    seen = []
    with events.subscribe(seen.append):
        net(gv.randn(1, 2))
    assert [e.module for e in seen if isinstance(e, events.OpEvent)] == ["0", "1"]


def test_state_dict_round_trip_and_strict_errors():
    source, target = Net(), Net()
    state = source.state_dict()
    assert "encoder.0.calls" in state and "encoder.0.scratch" not in state
    assert target.load_state_dict(state) == ([], [])
    for (_, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(
            a.numpy() if not a.requires_grad else a.detach().numpy(), b.detach().numpy()
        )
    partial = dict(state)
    partial.pop("encoder.0.bias")
    partial["stray"] = gv.zeros(1)
    with pytest.raises(ShapeError, match="missing keys: encoder.0.bias.*unexpected keys: stray"):
        target.load_state_dict(partial)
    result = target.load_state_dict(partial, strict=False)
    assert result.missing_keys == ["encoder.0.bias"] and result.unexpected_keys == ["stray"]
    state["encoder.0.weight"] = gv.zeros(3, 3)
    with pytest.raises(ShapeError, match=r"encoder.0.weight: checkpoint \(3, 3\), model \(8, 4\)"):
        target.load_state_dict(state)


def test_train_eval_zero_grad_and_to():
    net = Net()
    assert net.eval() is net and not net.encoder[0].training
    net.train()
    assert net.heads[1].training
    out = net(gv.randn(2, 4))
    sum(o.sum() for o in out).backward()
    assert net.encoder[0].weight.grad is not None
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.to(gv.float64).to("sim")
    assert net.encoder[0].weight.dtype == gv.float64 and net.encoder[0].weight.device == "sim"
    assert net.encoder[0].calls.device == "sim"


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_zero_grad_without_set_to_none_detaches_a_gradient_built_with_create_graph():
    import torch

    def zeroed(nn, tensor):
        layer = nn.Linear(2, 1)
        (layer(tensor([[1.0, 2.0]])) ** 2).sum().backward(create_graph=True)
        layer.zero_grad(set_to_none=False)
        grad = layer.weight.grad
        return grad.requires_grad, grad.grad_fn is None, grad.tolist()

    assert zeroed(gv.nn, gv.tensor) == zeroed(torch.nn, torch.tensor) == (False, True, [[0.0, 0.0]])


def test_forward_hooks_and_pre_hooks():
    layer = Affine(2, 2)
    calls = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out * 2)
    out = layer(gv.ones(1, 2))
    assert calls == [(1, 2)]
    assert out.tolist() == [[0.0, 0.0]]
    pre.remove()
    post.remove()
    assert layer(gv.ones(1, 2)).tolist() != [[0.0, 0.0]]


def test_full_backward_hook_sees_and_can_replace_gradients():
    layer = Affine(2, 3)
    seen = {}

    def hook(module, grad_input, grad_output):
        seen["in"], seen["out"] = grad_input, grad_output
        return (grad_input[0] * 0,)

    layer.register_full_backward_hook(hook)
    x = gv.ones(4, 2, requires_grad=True)
    layer(x).sum().backward()
    assert seen["out"][0].shape == (4, 3) and seen["in"][0].shape == (4, 2)
    assert x.grad.tolist() == [[0.0, 0.0]] * 4
    assert layer.weight.grad is not None


def _watched(module):
    """``module`` with a full backward hook that lists (grad_input, grad_output) of each call."""
    seen = []
    module.register_full_backward_hook(
        lambda m, grad_input, grad_output: seen.append(
            [[None if g is None else g.tolist() for g in grads] for grads in (grad_input, grad_output)]
        )
    )
    return module, seen


def _boundary_gradients(lib):
    """What a full backward hook sees of a two-output module when only one output is used."""

    class Two(lib.nn.Module):
        def forward(self, x, y):
            return x * 2, y * 3

    module, seen = _watched(Two())
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = lib.tensor([3.0], requires_grad=True)
    _, second = module(x, y)
    second.sum().backward()
    return seen, x.grad.tolist()


def test_an_output_without_gradient_reaches_backward_hooks_as_none_like_pytorch():
    ours, theirs = _boundary_gradients(gv), _boundary_gradients(torch)
    assert ours == theirs
    assert ours[0] == [[[[0.0, 0.0], [3.0]], [None, [1.0]]]]


def _laid_out_gradients(lib):
    """What a full backward hook sees of a module called with a tensor, a number and a tensor that
    requires no grad, returning a tensor and a nested tuple."""

    class Mixed(lib.nn.Module):
        def forward(self, x, k, y):
            return x * k + y, (x * 2, 5)

    module, seen = _watched(Mixed())
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    out, (doubled, _) = module(x, 3.0, lib.tensor([0.5, 0.5]))
    (out.sum() + doubled.sum()).backward()
    return seen


def test_backward_hooks_get_one_gradient_per_argument_and_per_output_like_pytorch():
    ours = _laid_out_gradients(gv)
    assert ours == _laid_out_gradients(torch)
    assert ours == [[[[5.0, 5.0], None, [0.0, 0.0]], [[1.0, 1.0], None]]]


def test_a_backward_hook_returning_the_wrong_number_of_gradients_is_explained():
    layer = Affine(2, 2)
    layer.register_full_backward_hook(lambda m, grad_input, grad_output: (grad_input[0], grad_input[0]))
    with pytest.raises(ValueError, match="returned 2 gradients, but grad_input has 1"):
        layer(gv.ones(1, 2, requires_grad=True)).sum().backward()


def test_assigning_a_plain_tensor_to_a_parameter_slot_is_refused():
    layer = Affine(2, 2)
    with pytest.raises(TypeError, match="Parameter"):
        layer.weight = gv.zeros(2, 2)


def test_forgetting_super_init_is_explained():
    class Broken(Module):
        def __init__(self):
            self.w = Parameter(gv.zeros(1))

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_repr_is_nested_like_pytorch():
    text = repr(Net())
    assert text.startswith("Net(\n  (encoder): Sequential(\n    (0): Affine()")


def _registrations(nn, tensor):
    """Registrations PyTorch refuses: (what, call) pairs."""
    return {
        "dotted module name": lambda: nn.Module().add_module("a.b", nn.ReLU()),
        "empty module name": lambda: nn.Module().add_module("", nn.ReLU()),
        "dotted ModuleDict key": lambda: nn.ModuleDict({"a.b": nn.ReLU()}),
        "dotted parameter name": lambda: nn.Module().register_parameter("a.b", None),
        "dotted buffer name": lambda: nn.Module().register_buffer("a.b", None),
        "buffer over a parameter": lambda: nn.Linear(1, 1).register_buffer("weight", tensor(1.0)),
        "module over a parameter": lambda: nn.Linear(1, 1).add_module("weight", nn.ReLU()),
    }


@pytest.mark.parametrize("what", list(_registrations(gv.nn, gv.tensor)))
def test_names_pytorch_refuses_are_refused(what):
    """A dotted or empty name would break qualified names and state_dict keys; gradviz accepted them."""
    import torch

    with pytest.raises(KeyError):
        _registrations(torch.nn, torch.tensor)[what]()
    with pytest.raises(KeyError, match="name|already exists"):
        _registrations(gv.nn, gv.tensor)[what]()


def test_a_name_that_is_not_a_string_is_refused():
    import torch

    with pytest.raises(TypeError):
        torch.nn.ModuleDict({1: torch.nn.ReLU()})
    with pytest.raises(TypeError, match="should be a string"):
        ModuleDict({1: gv.nn.ReLU()})


def test_assigning_a_non_tensor_to_a_buffer_is_refused_and_keeps_persistence():
    import torch

    with pytest.raises(TypeError):
        torch.nn.BatchNorm1d(2).running_mean = 3
    module = gv.nn.BatchNorm1d(2)
    with pytest.raises(TypeError, match="buffer 'running_mean'"):
        module.running_mean = 3
    layer = Affine(2, 2)
    layer.scratch = gv.ones(1)
    module.running_mean = None
    assert "scratch" not in layer.state_dict() and "running_mean" not in module.state_dict()


def test_train_refuses_a_mode_that_is_not_a_bool():
    import torch

    with pytest.raises(ValueError):
        torch.nn.Linear(1, 1).train(0)
    with pytest.raises(ValueError, match="boolean"):
        Affine(1, 1).train(0)


def _layout(container):
    """(key, layer type) pairs, comparable between gradviz and torch."""
    return [(key, type(module).__name__) for key, module in container._modules.items()]


def _edits(nn):
    """Container edits PyTorch supports, each giving the container's layout (or a popped layer's type)."""

    def sequential():
        return nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())

    def module_list():
        return nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()])

    def edited(make, edit):
        container = make()
        result = edit(container)
        return _layout(container) if result is None else type(result).__name__

    cases = {}
    for kind, make in (("Sequential", sequential), ("ModuleList", module_list)):
        cases |= {
            f"{kind} replace the last layer": (make, lambda c: c.__setitem__(-1, nn.Identity())),
            f"{kind} delete a layer renumbers": (make, lambda c: c.__delitem__(0)),
            f"{kind} delete a slice": (make, lambda c: c.__delitem__(slice(1, None))),
            f"{kind} insert": (make, lambda c: c.insert(1, nn.Identity()) and None),
            f"{kind} extend": (make, lambda c: c.extend([nn.Identity()]) and None),
            f"{kind} pop": (make, lambda c: c.pop(1)),
        }
    module_dict = lambda: nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()})  # noqa: E731
    cases |= {
        "ModuleDict update": (module_dict, lambda c: c.update({"c": nn.Identity(), "a": nn.Sigmoid()})),
        "ModuleDict update from pairs": (module_dict, lambda c: c.update([("c", nn.Identity())])),
        "ModuleDict pop": (module_dict, lambda c: c.pop("a")),
        "ModuleDict clear": (module_dict, lambda c: c.clear()),
    }
    return {name: (lambda make=make, edit=edit: edited(make, edit)) for name, (make, edit) in cases.items()}


@pytest.mark.parametrize("edit", list(_edits(gv.nn)))
def test_container_edits_match_pytorch(edit):
    """Replacing a head (model[-1] = ...), deleting, inserting and popping layers work as in PyTorch."""
    import torch

    assert _edits(gv.nn)[edit]() == _edits(torch.nn)[edit]()


@pytest.mark.parametrize("kind", ["Sequential", "ModuleList"])
def test_an_index_out_of_range_names_the_index_and_the_length(kind):
    import torch

    for nn in (torch.nn, gv.nn):
        container = getattr(nn, kind)(
            *[[nn.ReLU(), nn.Tanh()]] if kind == "ModuleList" else [nn.ReLU(), nn.Tanh()]
        )
        with pytest.raises(IndexError, match="index 2 is out of range"):
            container[2]
        with pytest.raises(IndexError, match="index -3 is out of range"):
            container[-3] = nn.ReLU()


def test_replacing_a_parameter_or_a_submodule_keeps_its_position_like_pytorch():
    """gradviz moved a replaced parameter to the end, so ``layer.weight = Parameter(...)`` reordered the
    state_dict and an optimizer's parameter list ('bias' before 'weight')."""
    import torch

    def order(nn, tensor):
        net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        setattr(net, "0", nn.Linear(2, 2))
        net[0].weight = nn.Parameter(tensor([[1.0, 0.0], [0.0, 1.0]]))
        return list(net.state_dict()), [n for n, _ in net.named_modules()]

    assert order(gv.nn, gv.tensor) == order(torch.nn, torch.tensor)


def _dtypes(module):
    """The dtype names of every parameter, buffer and gradient, comparable between gradviz and torch."""
    named = [*module.named_parameters(), *module.named_buffers()]
    named += [(f"{name}.grad", p.grad) for name, p in module.named_parameters() if p.grad is not None]
    return {name: str(t.dtype).split(".")[-1] for name, t in named}


def _batch_norm_with_grads(nn, tensor):
    bn = nn.BatchNorm1d(2)
    bn(tensor([[1.0, 2.0], [3.0, 5.0]])).sum().backward()
    return bn


@pytest.mark.parametrize("cast", ["half", "float", "double", "type float64", "type float16"])
def test_half_float_double_and_type_cast_like_pytorch(cast):
    """half/float/double cast floating tensors only; type casts every tensor, integer buffers too."""
    import torch

    def cast_with(nn, tensor, lib):
        bn = _batch_norm_with_grads(nn, tensor)
        method, _, dtype = cast.partition(" ")
        result = getattr(bn, method)(*([getattr(lib, dtype)] if dtype else []))
        assert result is bn
        return _dtypes(bn), type(bn.weight).__name__

    assert cast_with(gv.nn, gv.tensor, gv) == cast_with(torch.nn, torch.tensor, torch)


def test_type_to_an_integer_dtype_is_refused_while_parameters_require_grad():
    import torch

    for nn, lib in ((torch.nn, torch), (gv.nn, gv)):
        with pytest.raises(RuntimeError):
            nn.Linear(2, 2).type(lib.int64)
    linear = gv.nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match=r"parameter 'weight' requires grad.*requires_grad_\(False\)"):
        linear.type(gv.int64)
    assert _dtypes(linear) == {"weight": "float32", "bias": "float32"}, "nothing may be cast before refusing"
    frozen = lambda nn, lib: _dtypes(nn.Linear(2, 2).requires_grad_(False).type(lib.int32))  # noqa: E731
    assert frozen(gv.nn, gv) == frozen(torch.nn, torch) == {"weight": "int32", "bias": "int32"}


def test_a_multi_line_extra_repr_is_laid_out_like_pytorch():
    import torch

    def text(nn, lines):
        class Table(nn.Module):
            def extra_repr(self):
                return "\n".join(lines)

        outer = nn.Sequential(Table(), nn.ReLU())
        return repr(Table()), repr(outer)

    for lines in (["a=1"], ["a=1", "b=2"], ["  (0): x", "  (1): y"]):
        assert text(gv.nn, lines) == text(torch.nn, lines)


def _joins(nn):
    """Joining and repeating containers: each gives (result, the modules it may share)."""
    from collections import OrderedDict

    def parts():
        return nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.Identity()

    def case(build):
        layers = parts()
        return lambda: (build(*layers), layers)

    def in_place(container, edit):
        same = container
        container = edit(container)
        assert container is same, "an augmented assignment must edit the container in place"
        return container

    named = lambda a, b: nn.Sequential(OrderedDict(first=a, second=b))  # noqa: E731
    return {
        "Sequential + Sequential": case(lambda a, b, c, d: nn.Sequential(a, b) + nn.Sequential(c, d)),
        "named Sequential + Sequential renumbers": case(lambda a, b, c, d: named(a, b) + nn.Sequential(c)),
        "Sequential += Sequential": case(
            lambda a, b, c, d: in_place(nn.Sequential(a), lambda s: s.__iadd__(nn.Sequential(b, c)))
        ),
        "named Sequential += keeps the names": case(
            lambda a, b, c, d: in_place(named(a, b), lambda s: s.__iadd__(nn.Sequential(c)))
        ),
        "Sequential * 3": case(lambda a, b, c, d: nn.Sequential(a, b) * 3),
        "2 * Sequential": case(lambda a, b, c, d: 2 * nn.Sequential(a, b)),
        "Sequential *= 2": case(lambda a, b, c, d: in_place(nn.Sequential(a, b), lambda s: s.__imul__(2))),
        "Sequential * 1": case(lambda a, b, c, d: nn.Sequential(a) * 1),
        "ModuleList + list": case(lambda a, b, c, d: nn.ModuleList([a]) + [b, c]),
        "ModuleList + Sequential": case(lambda a, b, c, d: nn.ModuleList([a, b]) + nn.Sequential(c)),
        "ModuleList += tuple": case(
            lambda a, b, c, d: in_place(nn.ModuleList([a]), lambda m: m.__iadd__((b, c)))
        ),
        "Sequential append": case(lambda a, b, c, d: nn.Sequential(a, b).append(c)),
        "Sequential extend with a list": case(lambda a, b, c, d: nn.Sequential(a).extend([b, c])),
        "Sequential insert at -1": case(lambda a, b, c, d: nn.Sequential(a, b, c).insert(-1, d)),
        "Sequential insert at -len": case(lambda a, b, c, d: nn.Sequential(a, b).insert(-2, c)),
        "Sequential insert at len": case(lambda a, b, c, d: nn.Sequential(a, b).insert(2, c)),
    }


def _shared(result, layers):
    """(key, which of ``layers`` it holds, by identity) for every entry, and the result's type."""
    return type(result).__name__, [
        (k, [m is x for x in layers].index(True)) for k, m in result._modules.items()
    ]


@pytest.mark.parametrize("join", list(_joins(gv.nn)))
def test_joining_and_repeating_containers_shares_modules_like_pytorch(join):
    import torch

    assert _shared(*_joins(gv.nn)[join]()) == _shared(*_joins(torch.nn)[join]())


def _join_errors(nn):
    return {
        "Sequential + list": (ValueError, lambda: nn.Sequential(nn.ReLU()) + [nn.Tanh()]),
        "Sequential + ModuleList": (ValueError, lambda: nn.Sequential() + nn.ModuleList()),
        "Sequential += list": (ValueError, lambda: nn.Sequential().__iadd__([nn.Tanh()])),
        "Sequential * 0": (ValueError, lambda: nn.Sequential(nn.ReLU()) * 0),
        "Sequential *= -1": (ValueError, lambda: nn.Sequential(nn.ReLU()).__imul__(-1)),
        "Sequential * 1.5": (TypeError, lambda: nn.Sequential(nn.ReLU()) * 1.5),
        "Sequential insert past the end": (IndexError, lambda: nn.Sequential(nn.ReLU()).insert(2, nn.Tanh())),
        "Sequential insert before -len": (IndexError, lambda: nn.Sequential(nn.ReLU()).insert(-2, nn.Tanh())),
        "ModuleList extend with a module": (TypeError, lambda: nn.ModuleList().extend(nn.ReLU())),
        "ModuleList + a number": (TypeError, lambda: nn.ModuleList() + 3),
        "list + ModuleList": (TypeError, lambda: [nn.ReLU()] + nn.ModuleList()),
    }


GV_JOIN_MESSAGES = {
    "Sequential + list": r"only objects of Sequential class, but <class 'list'> is given; wrap",
    "Sequential + ModuleList": "but <class 'gradviz.nn.containers.ModuleList'> is given",
    "Sequential += list": "Sequential class",
    "Sequential * 0": "Non-positive multiplication factor 0",
    "Sequential *= -1": "Non-positive multiplication factor -1",
    "Sequential * 1.5": "unsupported operand type.*float",
    "Sequential insert past the end": r"index 2 is out of range for 1 modules \(expected -1 to 1\)",
    "Sequential insert before -len": "index -2 is out of range for 1 modules",
    "ModuleList extend with a module": "extend should be called with an iterable of modules, but got ReLU",
    "ModuleList + a number": "int",
    "list + ModuleList": "ModuleList",
}


@pytest.mark.parametrize("what", list(GV_JOIN_MESSAGES))
def test_joining_containers_wrongly_fails_like_pytorch(what):
    import torch

    from tests.oracle import check_refused_like_torch

    check_refused_like_torch(_join_errors(torch.nn)[what], _join_errors(gv.nn)[what], GV_JOIN_MESSAGES[what])


def test_a_container_joined_with_itself_doubles_where_pytorch_fails_midway():
    """PyTorch raises 'dictionary changed size during iteration' for ``seq += seq`` and leaves a half
    edited container; gradviz takes the modules first. A named Sequential also repeats (``*=``), where
    PyTorch looks its layers up as '0', '1'... and raises KeyError."""
    from collections import OrderedDict

    relu, tanh = gv.nn.ReLU(), gv.nn.Tanh()
    for container in (Sequential(relu, tanh), ModuleList([relu, tanh])):
        container += container
        assert list(container._modules) == ["0", "1", "2", "3"] and list(container) == [relu, tanh] * 2
    named = Sequential(OrderedDict(a=relu, b=tanh))
    named *= 2
    assert list(named._modules) == ["a", "b", "2", "3"] and list(named) == [relu, tanh] * 2


def test_inserting_a_non_module_leaves_the_container_as_it_was():
    """insert renumbers by clearing and re-adding; a refused module used to leave the container empty."""
    for container in (Sequential(gv.nn.ReLU()), ModuleList([gv.nn.ReLU()])):
        with pytest.raises(TypeError, match="insert: int is not a Module subclass"):
            container.insert(0, 3)
        assert list(container._modules) == ["0"]
