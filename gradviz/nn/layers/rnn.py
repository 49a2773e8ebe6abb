"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step ``...Cell`` versions, as PyTorch.

Every time step is built from gradviz ops, so backpropagation through time shows up op by op in the
graph: the input projection of all time steps is one ``linear`` (one matmul), then each step is a
hidden ``linear``, the gate nonlinearities and a few elementwise updates. One driver runs the layers and
directions of all three; what differs is the per-step function (``_elman_step``, ``_lstm_step``,
``_gru_step``) and the number of gates. Gate order as PyTorch: i, f, g, o (LSTM) and r, z, n (GRU).
"""

import math
from functools import partial

from ...autograd.tensor import Tensor
from ...creation import zeros
from ...errors import DtypeError, ShapeError
from ...ops.dropout import dropout as dropout_op
from ...ops.linear import linear
from ...ops.shape import cat, chunk, stack, unbind
from ...ops.unary import relu, sigmoid, tanh
from .. import init
from ..module import Module
from ..parameter import Parameter

__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]


# ---- one time step; ``x_t`` is the step's input projection x W_ih^T + b_ih, ``state`` a tuple ----


def _pre_activation(x_t, h, weight_hh, bias_hh):
    """x_t + h W_hh^T (+ b_hh) as one ``linear`` op whose bias is the input projection."""
    return linear(h, weight_hh, x_t if bias_hh is None else x_t + bias_hh)


def _elman_step(activation, x_t, state, weight_hh, bias_hh):
    (h,) = state
    return (activation(_pre_activation(x_t, h, weight_hh, bias_hh)),)


def _lstm_step(x_t, state, weight_hh, bias_hh):
    h, c = state
    i, f, g, o = chunk(_pre_activation(x_t, h, weight_hh, bias_hh), 4, -1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


def _gru_step(x_t, state, weight_hh, bias_hh):
    """PyTorch's GRU: the reset gate scales the hidden part of n *after* its bias (b_hn inside r * ...)."""
    (h,) = state
    x_r, x_z, x_n = chunk(x_t, 3, -1)
    h_r, h_z, h_n = chunk(linear(h, weight_hh, bias_hh), 3, -1)
    r = sigmoid(x_r + h_r)
    z = sigmoid(x_z + h_z)
    n = tanh(x_n + r * h_n)
    return (n + z * (h - n),)


_ELMAN_STEPS = {"tanh": partial(_elman_step, tanh), "relu": partial(_elman_step, relu)}


def _elman(nonlinearity):
    if nonlinearity not in _ELMAN_STEPS:
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    return _ELMAN_STEPS[nonlinearity]


# ---- parameters shared by layers and cells ----


def _register_weights(module, suffix, input_size, gates, bias, factory):
    """``weight_ih{suffix}``, ``weight_hh{suffix}`` and (with ``bias``) ``bias_ih/bias_hh{suffix}``."""
    rows = gates * module.hidden_size
    module.register_parameter(f"weight_ih{suffix}", Parameter(zeros(rows, input_size, **factory)))
    module.register_parameter(f"weight_hh{suffix}", Parameter(zeros(rows, module.hidden_size, **factory)))
    for name in (f"bias_ih{suffix}", f"bias_hh{suffix}"):
        module.register_parameter(name, Parameter(zeros(rows, **factory)) if bias else None)


def _reset_uniform(module):
    """PyTorch's default: every weight and bias uniform on ±1/sqrt(hidden_size)."""
    bound = 1 / math.sqrt(module.hidden_size)
    for param in module.parameters():
        init.uniform_(param, -bound, bound)


def _state_components(module, hx):
    """``hx`` as a tuple of the module's ``state_count`` tensors: ``(h,)``, or ``(h, c)`` for an LSTM."""
    if module.state_count == 1 and isinstance(hx, Tensor):
        return (hx,)
    pair = isinstance(hx, (tuple, list)) and len(hx) == 2 and all(isinstance(c, Tensor) for c in hx)
    if module.state_count == 2 and pair:
        return tuple(hx)
    expected = "a tensor h_0" if module.state_count == 1 else "a tuple (h_0, c_0) of two tensors"
    got = f"a {type(hx).__name__} of length {len(hx)}" if isinstance(hx, (tuple, list)) else type(hx).__name__
    raise TypeError(f"{type(module).__name__}: hx must be {expected}, got {got}")


def _check_dtype(module, input):  # noqa: A002 - PyTorch's argument name
    weight = module.weight_ih_l0 if isinstance(module, RNNBase) else module.weight_ih
    if input.dtype != weight.dtype:
        raise DtypeError(
            f"{type(module).__name__}: input is {input.dtype} but the weights are {weight.dtype}; "
            f"convert one of them (input.to({weight.dtype}) or module.to({input.dtype}))"
        )


# ---- multi-layer, bidirectional layers ----


class RNNBase(Module):
    """The driver of ``RNN``, ``LSTM`` and ``GRU``: subclasses set ``gates``, ``state_count`` and ``_step``.

    Where the hidden bias is simply added to the gates (RNN, LSTM; not GRU, whose reset gate scales
    b_hn) it is added to the input projection of all steps at once: the same sum, one op fewer per step.
    """

    gates = 1
    state_count = 1
    hidden_bias_folds = True

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        _check_sizes(input_size, hidden_size, num_layers, dropout)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        factory = {"device": device, "dtype": dtype}
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self._directions
            for direction in range(self._directions):
                _register_weights(self, _suffix(layer, direction), layer_input, self.gates, bias, factory)
        self.reset_parameters()

    @property
    def _directions(self):
        return 2 if self.bidirectional else 1

    def reset_parameters(self):
        _reset_uniform(self)

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's argument name
        batched = self._check_input(input)
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        states = self._initial_states(hx, x, batched)
        finals = []
        for layer in range(self.num_layers):
            if layer > 0 and self.training and self.dropout > 0:
                x = dropout_op(x, self.dropout)
            outputs = []
            for direction in range(self._directions):
                output, final = self._run(x, layer, direction, states[layer * self._directions + direction])
                outputs.append(output)
                finals.append(final)
            x = outputs[0] if len(outputs) == 1 else cat(outputs, 2)
        return self._shaped_output(x, batched), self._shaped_state(finals, batched)

    def _run(self, x, layer, direction, state):
        """One layer in one direction over the whole sequence ``x`` (L, N, features)."""
        suffix = _suffix(layer, direction)
        weight_ih, weight_hh, bias_ih, bias_hh = (
            getattr(self, f"{name}{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )
        projected = linear(x, weight_ih, bias_ih)
        if self.hidden_bias_folds and bias_hh is not None:
            projected, bias_hh = projected + bias_hh, None
        steps = unbind(projected, 0)
        outputs = []
        for x_t in reversed(steps) if direction else steps:
            state = self._step(x_t, state, weight_hh, bias_hh)
            outputs.append(state[0])
        if direction:
            outputs.reverse()
        return stack(outputs, 0), state

    def _initial_states(self, hx, x, batched):
        """One state tuple per (layer, direction), from ``hx`` or zeros."""
        count = self.num_layers * self._directions
        if hx is None:
            blank = zeros(x.shape[1], self.hidden_size, dtype=x.dtype, device=x.device)
            return [(blank,) * self.state_count] * count
        components = _state_components(self, hx)
        expected = (count, x.shape[1], self.hidden_size) if batched else (count, self.hidden_size)
        for component in components:
            if tuple(component.shape) != expected:
                raise ShapeError(
                    f"{type(self).__name__}: expected hidden state of shape {expected} "
                    f"(num_layers * num_directions, batch, hidden_size), got {tuple(component.shape)}"
                )
        return list(zip(*(unbind(c if batched else c.unsqueeze(1), 0) for c in components)))

    def _shaped_output(self, x, batched):
        if not batched:
            return x.squeeze(1)
        return x.transpose(0, 1) if self.batch_first else x

    def _shaped_state(self, finals, batched):
        stacked = tuple(stack(list(component), 0) for component in zip(*finals))
        if not batched:
            stacked = tuple(s.squeeze(1) for s in stacked)
        return stacked[0] if self.state_count == 1 else stacked

    def _check_input(self, input):  # noqa: A002
        """Whether ``input`` is batched; refuses shapes and dtypes the layer cannot take."""
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ShapeError(
                f"{type(self).__name__}: expected input of shape (L, N, {self.input_size})"
                f"{' with batch_first (N, L, ...)' if self.batch_first else ''} or unbatched "
                f"(L, {self.input_size}), got {tuple(input.shape)}"
            )
        _check_dtype(self, input)
        return input.ndim == 3

    def extra_repr(self):
        defaults = {
            "num_layers": 1,
            "bias": True,
            "batch_first": False,
            "dropout": 0.0,
            "bidirectional": False,
        }
        options = [
            f"{k}={getattr(self, k)}" for k, default in defaults.items() if getattr(self, k) != default
        ]
        return ", ".join([f"{self.input_size}, {self.hidden_size}", *options])


def _suffix(layer, direction):
    return f"_l{layer}" + ("_reverse" if direction else "")


def _check_sizes(input_size, hidden_size, num_layers, dropout):
    if not isinstance(hidden_size, int) or hidden_size <= 0:
        raise ValueError(f"hidden_size must be a positive integer, got {hidden_size!r}")
    if not isinstance(num_layers, int) or num_layers <= 0:
        raise ValueError(f"num_layers must be a positive integer, got {num_layers!r}")
    if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
        raise ValueError(
            "dropout should be a number in range [0, 1] representing the probability of an element being "
            f"zeroed, got {dropout!r}"
        )


class RNN(RNNBase):
    """Elman RNN: h_t = nonlinearity(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), 'tanh' or 'relu'."""

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        step = _elman(nonlinearity)
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype
        )
        self._step = step
        self.nonlinearity = nonlinearity

    def extra_repr(self):
        nonlinearity = "" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity}"
        return super().extra_repr() + nonlinearity


class LSTM(RNNBase):
    """Long short-term memory; the state is ``(h, c)`` and ``forward`` returns ``(output, (h_n, c_n))``."""

    gates = 4
    state_count = 2
    _step = staticmethod(_lstm_step)


class GRU(RNNBase):
    gates = 3
    hidden_bias_folds = False
    _step = staticmethod(_gru_step)


# ---- single steps ----


class RNNCellBase(Module):
    """One time step of ``RNN``/``LSTM``/``GRU`` with parameters ``weight_ih``, ``weight_hh``, ``bias_*``."""

    gates = 1
    state_count = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        _check_sizes(input_size, hidden_size, 1, 0.0)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        _register_weights(self, "", input_size, self.gates, bias, {"device": device, "dtype": dtype})
        self.reset_parameters()

    def reset_parameters(self):
        _reset_uniform(self)

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's argument name
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ShapeError(
                f"{type(self).__name__}: expected input of shape (N, {self.input_size}) or "
                f"({self.input_size},), got {tuple(input.shape)}"
            )
        _check_dtype(self, input)
        state = self._initial_state(hx, input)
        state = self._step(linear(input, self.weight_ih, self.bias_ih), state, self.weight_hh, self.bias_hh)
        return state[0] if self.state_count == 1 else state

    def _initial_state(self, hx, input):  # noqa: A002
        """The state tuple from ``hx`` or zeros; each component must be (N, hidden_size) like the input."""
        expected = (*input.shape[:-1], self.hidden_size)
        if hx is None:
            return (zeros(*expected, dtype=input.dtype, device=input.device),) * self.state_count
        state = _state_components(self, hx)
        for component in state:
            if tuple(component.shape) != expected:
                raise ShapeError(
                    f"{type(self).__name__}: expected hidden state of shape {expected} for an input of shape "
                    f"{tuple(input.shape)}, got {tuple(component.shape)}"
                )
        return state

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self._step = _elman(nonlinearity)
        self.nonlinearity = nonlinearity


class LSTMCell(RNNCellBase):
    gates = 4
    state_count = 2
    _step = staticmethod(_lstm_step)


class GRUCell(RNNCellBase):
    gates = 3
    _step = staticmethod(_gru_step)
