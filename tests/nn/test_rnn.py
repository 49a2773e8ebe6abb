"""RNN, LSTM, GRU and their cells against PyTorch with the same weights, in float64: outputs, final
states, and the gradients of the input, the initial state and every parameter."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.autograd import events
from gradviz.errors import ShapeError
from gradviz.nn.layers.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from tests.nn.test_attention import assert_close, assert_parameter_grads, load_torch_state
from tests.oracle import host

IN, HIDDEN, LENGTH, BATCH = 3, 5, 6, 4

LAYERS = {
    "rnn tanh": (RNN, torch.nn.RNN, {"nonlinearity": "tanh"}),
    "rnn relu": (RNN, torch.nn.RNN, {"nonlinearity": "relu"}),
    "lstm": (LSTM, torch.nn.LSTM, {}),
    "gru": (GRU, torch.nn.GRU, {}),
}

CONFIGS = {
    "2 layers bidirectional with state": {"num_layers": 2, "bidirectional": True, "initial_state": True},
    "batch_first with state": {"batch_first": True, "initial_state": True},
    "2 layers batch_first": {"num_layers": 2, "batch_first": True},
    "bidirectional no bias": {"bidirectional": True, "bias": False},
}


def pair(kind, **kwargs):
    cls, torch_cls, extra = LAYERS[kind]
    torch_module = torch_cls(IN, HIDDEN, **extra, **kwargs).double()
    return load_torch_state(cls(IN, HIDDEN, **extra, **kwargs).double(), torch_module), torch_module


def as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


def initial_state(kind, shape, rng):
    """Random (h_0,) or (h_0, c_0) as gradviz and torch leaves."""
    arrays = [rng.standard_normal(shape) for _ in range(2 if kind == "lstm" else 1)]
    return [gv.tensor(a, requires_grad=True) for a in arrays], [
        torch.tensor(a, requires_grad=True) for a in arrays
    ]


def compare(module, torch_module, kind, input_shape, state_shape, rng):
    """Run both on the same input (and initial state if ``state_shape``); compare everything."""
    x = rng.standard_normal(input_shape)
    gv_x, torch_x = gv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gv_h, torch_h = initial_state(kind, state_shape, rng) if state_shape else ([], [])
    gv_args, torch_args = [gv_x], [torch_x]
    if state_shape:
        gv_args.append(gv_h[0] if len(gv_h) == 1 else tuple(gv_h))
        torch_args.append(torch_h[0] if len(torch_h) == 1 else tuple(torch_h))
    (gv_out, gv_state), (torch_out, torch_state) = module(*gv_args), torch_module(*torch_args)
    assert_close(gv_out, torch_out, "output")
    for g, t in zip(as_tuple(gv_state), as_tuple(torch_state), strict=True):
        assert_close(g, t, "final state")
    seeds = [rng.standard_normal(tuple(t.shape)) for t in (torch_out, *as_tuple(torch_state))]
    gv_loss = sum((g * gv.tensor(s)).sum() for g, s in zip((gv_out, *as_tuple(gv_state)), seeds))
    torch_loss = sum((t * torch.tensor(s)).sum() for t, s in zip((torch_out, *as_tuple(torch_state)), seeds))
    gv_loss.backward()
    torch_loss.backward()
    assert_close(gv_x.grad, torch_x.grad, "input gradient")
    for g, t in zip(gv_h, torch_h):
        assert_close(g.grad, t.grad, "initial state gradient")
    assert_parameter_grads(module, torch_module)


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("kind", list(LAYERS))
def test_layer_matches_torch(kind, config):
    options = dict(CONFIGS[config])
    with_state = options.pop("initial_state", False)
    module, torch_module = pair(kind, **options)
    assert list(module.state_dict()) == list(torch_module.state_dict())
    directions = 2 if options.get("bidirectional") else 1
    input_shape = (BATCH, LENGTH, IN) if options.get("batch_first") else (LENGTH, BATCH, IN)
    state_shape = (options.get("num_layers", 1) * directions, BATCH, HIDDEN) if with_state else None
    compare(module, torch_module, kind, input_shape, state_shape, np.random.default_rng(0))


@pytest.mark.parametrize("kind", list(LAYERS))
def test_unbatched_input_matches_torch(kind):
    module, torch_module = pair(kind, num_layers=2, bidirectional=True)
    compare(module, torch_module, kind, (LENGTH, IN), (4, HIDDEN), np.random.default_rng(1))


@pytest.mark.parametrize("kind", ["rnn tanh", "lstm", "gru"])
def test_parameter_names_shapes_and_init_follow_torch(kind):
    module, torch_module = pair(kind, num_layers=2, bidirectional=True)
    fresh = LAYERS[kind][0](IN, HIDDEN, num_layers=2, bidirectional=True, **LAYERS[kind][2])
    shapes = {name: tuple(p.shape) for name, p in fresh.named_parameters()}
    assert shapes == {name: tuple(p.shape) for name, p in torch_module.named_parameters()}
    bound = 1 / np.sqrt(HIDDEN)
    for name, param in fresh.named_parameters():
        values = host(param)
        assert np.abs(values).max() <= bound and values.std() > bound / 4, name


def test_dropout_between_layers_in_training_only():
    """With p=1 every input of the second layer is zeroed, in PyTorch too: a deterministic check."""
    module, torch_module = pair("lstm", num_layers=2, dropout=1.0)
    compare(module, torch_module, "lstm", (LENGTH, BATCH, IN), None, np.random.default_rng(2))
    module.eval()
    torch_module.eval()
    compare(module, torch_module, "lstm", (LENGTH, BATCH, IN), None, np.random.default_rng(3))


def test_dropout_is_random_in_training():
    module = GRU(IN, HIDDEN, num_layers=2, dropout=0.5).double()
    x = gv.randn(LENGTH, BATCH, IN, dtype=gv.float64)
    assert not np.allclose(host(module(x)[0]), host(module(x)[0]))
    module.eval()
    np.testing.assert_array_equal(host(module(x)[0]), host(module(x)[0]))


CELLS = {
    "rnn cell relu": (RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"}),
    "lstm cell": (LSTMCell, torch.nn.LSTMCell, {}),
    "gru cell": (GRUCell, torch.nn.GRUCell, {}),
}


def cell_pair(kind):
    """A float64 cell of ``kind`` and its PyTorch twin with the same weights."""
    cls, torch_cls, extra = CELLS[kind]
    torch_cell = torch_cls(IN, HIDDEN, **extra).double()
    return load_torch_state(cls(IN, HIDDEN, **extra).double(), torch_cell), torch_cell


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_matches_torch(kind, batched):
    cell, torch_cell = cell_pair(kind)
    rng = np.random.default_rng(4)
    lead = (BATCH,) if batched else ()
    x = rng.standard_normal((*lead, IN))
    states = [rng.standard_normal((*lead, HIDDEN)) for _ in range(2 if kind == "lstm cell" else 1)]
    gv_args = [gv.tensor(x, requires_grad=True), *(gv.tensor(s, requires_grad=True) for s in states)]
    torch_args = [torch.tensor(x, requires_grad=True), *(torch.tensor(s, requires_grad=True) for s in states)]
    gv_out = as_tuple(cell(gv_args[0], tuple(gv_args[1:]) if len(states) == 2 else gv_args[1]))
    torch_out = as_tuple(
        torch_cell(torch_args[0], tuple(torch_args[1:]) if len(states) == 2 else torch_args[1])
    )
    for g, t in zip(gv_out, torch_out, strict=True):
        assert_close(g, t, "cell output")
    sum(o.pow(2).sum() for o in gv_out).backward()
    sum(o.pow(2).sum() for o in torch_out).backward()
    for g, t in zip(gv_args, torch_args):
        assert_close(g.grad, t.grad, "input or state gradient")
    assert_parameter_grads(cell, torch_cell)


def test_cell_without_state_starts_from_zeros():
    cell = LSTMCell(IN, HIDDEN)
    x = gv.randn(BATCH, IN)
    h, c = cell(x)
    zero = gv.zeros(BATCH, HIDDEN)
    h0, c0 = cell(x, (zero, zero))
    np.testing.assert_array_equal(host(h), host(h0))
    np.testing.assert_array_equal(host(c), host(c0))


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_without_state_matches_torch(kind, batched):
    """Every cell starts from zeros when hx is omitted, as PyTorch (RNNCell and GRUCell used to crash)."""
    cell, torch_cell = cell_pair(kind)
    x = np.random.default_rng(6).standard_normal((BATCH, IN) if batched else (IN,))
    for g, t in zip(as_tuple(cell(gv.tensor(x))), as_tuple(torch_cell(torch.tensor(x))), strict=True):
        assert_close(g, t, "cell output")


@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_refuses_a_state_of_the_wrong_shape(kind):
    """PyTorch refuses an hx whose batch or hidden size does not fit the input (gradviz broadcast it)."""
    cls, torch_cls, extra = CELLS[kind]
    count = 2 if kind == "lstm cell" else 1
    for x_shape, h_shape in (((BATCH, IN), (BATCH - 1, HIDDEN)), ((IN,), (BATCH, HIDDEN))):
        gv_h = tuple(gv.zeros(*h_shape) for _ in range(count))
        torch_h = tuple(torch.zeros(*h_shape) for _ in range(count))
        with pytest.raises(RuntimeError):
            torch_cls(IN, HIDDEN, **extra)(torch.zeros(*x_shape), torch_h if count == 2 else torch_h[0])
        with pytest.raises(ShapeError, match="hidden state of shape"):
            cls(IN, HIDDEN, **extra)(gv.zeros(*x_shape), gv_h if count == 2 else gv_h[0])


HX_MISTAKES = {
    "lstm given a tensor": (LSTM, torch.nn.LSTM, "tensor"),
    "lstm given three states": (LSTM, torch.nn.LSTM, "three"),
    "gru given a pair": (GRU, torch.nn.GRU, "pair"),
    "lstm cell given a tensor": (LSTMCell, torch.nn.LSTMCell, "tensor"),
    "gru cell given a pair": (GRUCell, torch.nn.GRUCell, "pair"),
}


@pytest.mark.parametrize("mistake", list(HX_MISTAKES))
def test_an_hx_of_the_wrong_kind_is_refused_with_what_is_expected(mistake):
    """PyTorch refuses these (with errors from deep inside); gradviz iterated a tensor as if it were
    (h, c), or failed with 'tuple' has no attribute 'shape' / too many values to unpack."""
    cls, torch_cls, kind = HX_MISTAKES[mistake]
    cell = cls in (LSTMCell, GRUCell)
    h_shape = (BATCH, HIDDEN) if cell else (1, BATCH, HIDDEN)
    x_shape = (BATCH, IN) if cell else (LENGTH, BATCH, IN)

    def hx(zeros):
        h = zeros(*h_shape)
        return {"tensor": h, "three": (h, h, h), "pair": (h, h)}[kind]

    with pytest.raises((RuntimeError, TypeError, AttributeError, IndexError)):
        torch_cls(IN, HIDDEN)(torch.zeros(*x_shape), hx(torch.zeros))
    with pytest.raises(TypeError, match=r"hx must be a (tensor h_0|tuple \(h_0, c_0\))"):
        cls(IN, HIDDEN)(gv.zeros(*x_shape), hx(gv.zeros))


def test_every_step_is_made_of_ops_reported_in_the_module():
    """Backpropagation through time is visible: one input projection for all steps, ops per step."""
    module = LSTM(IN, HIDDEN)
    seen = []
    handle = events.subscribe(lambda event: seen.append((event.op, event.module)))
    module(gv.randn(LENGTH, BATCH, IN))
    handle.remove()
    ops = [op for op, _ in seen]
    assert {name for _, name in seen} == {""}
    assert ops.count("linear") == 1 + LENGTH and ops.count("sigmoid") == 3 * LENGTH
    assert ops.count("tanh") == 2 * LENGTH


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(IN, HIDDEN, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout"):
        LSTM(IN, HIDDEN, dropout=1.5)
    module = GRU(IN, HIDDEN, num_layers=2)
    with pytest.raises(ShapeError, match=r"\(L, N, 3\)"):
        module(gv.randn(LENGTH, BATCH, IN + 1))
    with pytest.raises(ShapeError, match="hidden state of shape"):
        module(gv.randn(LENGTH, BATCH, IN), gv.zeros(1, BATCH, HIDDEN))


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_runs_on_device(kind, device):
    module = LAYERS[kind][0](IN, HIDDEN, num_layers=2, bidirectional=True)
    x = np.random.default_rng(5).standard_normal((LENGTH, BATCH, IN)).astype(np.float32)
    expected_out, expected_state = module(gv.tensor(x))
    module.to(device)
    gv_x = gv.tensor(x, device=device, requires_grad=True)
    output, state = module(gv_x)
    assert output.device == gv.device(device)
    np.testing.assert_allclose(host(output), host(expected_out), rtol=1e-5, atol=1e-6)
    for g, expected in zip(as_tuple(state), as_tuple(expected_state)):
        np.testing.assert_allclose(host(g), host(expected), rtol=1e-5, atol=1e-6)
    output.sum().backward()
    assert gv_x.grad.device == gv.device(device) and module.weight_hh_l1_reverse.grad.device == gv.device(
        device
    )
