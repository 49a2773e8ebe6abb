"""Random sampling: ``normal``, ``bernoulli``, ``multinomial`` (and ``Tensor.bernoulli``/``bernoulli_``/
``multinomial``), drawing from gradviz's generator (``manual_seed``, or ``generator=``).

The random numbers are drawn on the host, so a seed gives the same samples on every device, and moved to
the device of the tensors they combine with, where the rest of the work happens. As in PyTorch, a sample
does not carry a gradient back to its parameters: ``normal(mean, std)`` and ``bernoulli(p)`` record a
graph node when ``mean``/``std``/``p`` require grad, and its gradient for them is zero (write
``mean + std * randn_like(mean)`` to differentiate through the sample).
"""

import numbers

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor, wrap
from ..backend import array_module
from ..dtypes import as_dtype, get_default_dtype
from ..errors import DeviceError, DtypeError, ShapeError
from ..random import checked_rng, rng
from .activation import softmax
from .indexing import positions_along

__all__ = ["normal", "bernoulli", "multinomial", "gumbel_softmax"]


def _zero_grads(ctx, grad):
    """PyTorch's gradient of a sample with respect to its parameters: zeros shaped like each input."""
    xp = array_module(grad._data)
    return tuple(None if like is None else wrap(xp.zeros(*like)) for like in ctx.like) + (None,)


class Normal(Function):
    deterministic = False  # fresh numbers per call: graph passes must never fold or merge it

    @staticmethod
    def forward(ctx, mean, std, generator):
        arrays = [a for a in (mean, std) if hasattr(a, "shape")]
        ctx.like = tuple((a.shape, a.dtype) if hasattr(a, "shape") else None for a in (mean, std))
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        dtype = arrays[0].dtype
        noise = rng(generator).standard_normal(shape).astype(dtype)
        noise = backend.to_device(noise, backend.device_of(arrays[0]))
        return (mean + std * noise).astype(dtype, copy=False)

    backward = staticmethod(_zero_grads)


def _floating(op, t):
    if not t.is_floating_point():
        raise DtypeError(
            f"{op}: expects a floating point tensor, got {t.dtype}; convert it first with .float()"
        )


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from N(mean, std²). ``mean`` and ``std`` are numbers or tensors (broadcast together; the
    result has ``mean``'s dtype when it is a tensor, else ``std``'s); with two numbers, ``size`` is the
    shape of the result, and ``dtype``/``device``/``requires_grad`` apply, as in PyTorch."""
    r = checked_rng("normal", generator)
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None or not isinstance(size, (tuple, list)):
            raise TypeError(
                "normal(): with a number mean and std, give the result's shape as a tuple, e.g. "
                f"normal(0.0, 1.0, size=(3,)), got size={size!r}"
            )
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        dtype = get_default_dtype() if dtype is None else as_dtype(dtype)
        host = r.normal(mean, std, tuple(int(s) for s in size)).astype(dtype.numpy)
        return Tensor(backend.to_device(host, backend.device(device)), requires_grad=requires_grad)
    if size is not None or dtype is not None or device is not None or requires_grad:
        raise TypeError(
            "normal(): size, dtype, device and requires_grad go with a number mean and std; with a tensor "
            "mean or std the result takes their broadcast shape, dtype and device"
        )
    for t in tensors:
        _floating("normal", t)
    if len(tensors) == 2 and mean.device != std.device:
        raise DeviceError(f"normal: mean is on {mean.device} but std is on {std.device}; move one of them")
    if isinstance(std, Tensor):
        if not bool(array_module(std._data).all(std._data >= 0)):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    try:
        np.broadcast_shapes(*(t._data.shape for t in tensors))
    except ValueError:
        raise ShapeError(
            f"normal: mean of shape {tuple(mean.shape)} and std of shape {tuple(std.shape)} do not broadcast"
        ) from None
    return Normal.apply(mean, std, generator)


class Bernoulli(Function):
    deterministic = False

    @staticmethod
    def forward(ctx, p, generator):
        ctx.like = ((p.shape, p.dtype),)
        return (_uniform(generator, p.shape, p) < p).astype(p.dtype)

    backward = staticmethod(_zero_grads)


def _uniform(generator, shape, like):
    """Uniform numbers on [0, 1), drawn on the host and moved to ``like``'s device."""
    return backend.to_device(rng(generator).random(shape), backend.device_of(like))


def _check_probability(op, p):
    if isinstance(p, Tensor):
        data = p._data
        if not bool(array_module(data).all((data >= 0) & (data <= 1))):
            raise RuntimeError(f"{op}: expects every probability in p to lie in [0, 1] (and not be NaN)")
    elif not 0 <= p <= 1:
        raise RuntimeError(f"{op} expects p to be in [0, 1], but got p={p}")


def bernoulli(input, p=None, *, generator=None):  # noqa: A002 - PyTorch's argument name
    """0/1 samples: each element is 1 with probability ``input[i]`` (floating, in [0, 1]); with a number
    ``p``, with probability ``p`` for every element, in ``input``'s shape, dtype and device."""
    checked_rng("bernoulli", generator)
    if p is None:
        _floating("bernoulli", input)
        _check_probability("bernoulli", input)
        return Bernoulli.apply(input, generator)
    if isinstance(p, Tensor):
        raise TypeError(
            "bernoulli(input, p): p must be a number; for a tensor of probabilities call bernoulli(p), "
            "or input.bernoulli_(p) to fill input"
        )
    _check_probability("bernoulli", p)
    data = input._data
    return wrap((_uniform(generator, data.shape, data) < p).astype(data.dtype))


def bernoulli_method(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 samples, 1 with probability ``p`` (a number, or a tensor broadcastable to this
    one's shape); the tensor keeps its dtype."""
    checked_rng("bernoulli_", generator)
    _check_probability("bernoulli_", p)
    threshold = p
    if isinstance(p, Tensor):
        if p.device != self.device:
            raise DeviceError(f"bernoulli_: the tensor is on {self.device} but p is on {p.device}")
        try:
            threshold = array_module(p._data).broadcast_to(p._data, self._data.shape)
        except ValueError:
            raise ShapeError(
                f"bernoulli_: p of shape {tuple(p.shape)} does not broadcast to the tensor's shape "
                f"{tuple(self.shape)}"
            ) from None
    self._check_inplace("bernoulli_")
    self._data[...] = _uniform(generator, self._data.shape, self._data) < threshold
    return self


class Multinomial(Function):
    differentiable = False
    deterministic = False

    @staticmethod
    def forward(ctx, probs, num_samples, replacement, generator):
        xp = array_module(probs)
        p = probs.reshape(1, -1) if probs.ndim == 1 else probs
        p = p.astype("float64")
        rows, k = p.shape
        draw = rng(generator)
        device = backend.device_of(probs)
        if replacement or num_samples == 1:  # one draw is the same either way (a language model's next token)
            index = _inverse_cdf(xp, p, backend.to_device(draw.random((rows, num_samples)), device))
        else:
            # The exponential race: p / Exp(1) ranks categories in the order of sampling without
            # replacement; zero-probability ones come last, in random order.
            race = backend.to_device(draw.standard_exponential((rows, k)), device)
            keys = xp.where(p > 0, p / race, -race)
            index = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
        index = index.astype("int64", copy=False)
        return index.reshape(num_samples) if probs.ndim == 1 else index


def _inverse_cdf(xp, p, u):
    """For each row, the first category whose cumulative probability exceeds ``u``: one searchsorted
    over all rows, each row's cdf shifted up by its row number."""
    rows, k = p.shape
    cdf = xp.cumsum(p, axis=1) / p.sum(axis=1, keepdims=True)
    cdf[:, -1] = 1.0
    offsets = xp.arange(rows, dtype="float64")[:, None]
    index = xp.searchsorted((cdf + offsets).ravel(), (u + offsets).ravel(), side="right").reshape(u.shape)
    index = index - xp.arange(rows)[:, None] * k
    last_possible = k - 1 - xp.argmax(p[:, ::-1] > 0, axis=1)  # rounding never picks a trailing zero
    return xp.minimum(index, last_possible[:, None])


def multinomial(input, num_samples, replacement=False, *, generator=None):  # noqa: A002
    """``num_samples`` category indices (int64) drawn from each row of ``input`` (1-D, or 2-D with one
    distribution per row), whose non-negative weights need not sum to 1. Without ``replacement`` no
    index repeats within a row. As in PyTorch, without replacement, zero-weight categories are drawn
    once the others are exhausted."""
    checked_rng("multinomial", generator)
    if input.ndim not in (1, 2):
        raise ShapeError(
            f"multinomial: prob_dist must be 1 or 2 dim (one distribution, or one per row), got shape "
            f"{tuple(input.shape)}"
        )
    if not input.is_floating_point():
        raise DtypeError(f"multinomial only supports floating-point dtypes for input, got {input.dtype}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral):
        raise TypeError(f"multinomial: num_samples must be an int, not {type(num_samples).__name__}")
    num_samples = int(num_samples)
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples})")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"({num_samples} > {categories}); pass replacement=True to allow repeats"
        )
    data = input._data
    xp = array_module(data)
    if not bool(xp.all(xp.isfinite(data) & (data >= 0))):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    rows = data.reshape(1, -1) if data.ndim == 1 else data
    if rows.shape[0] and not bool(xp.all(rows.sum(axis=1, dtype="float64") > 0)):
        raise RuntimeError(
            "multinomial: invalid multinomial distribution (sum of probabilities <= 0): every row needs a "
            "positive weight"
        )
    return Multinomial.apply(input, num_samples, bool(replacement), generator)


def multinomial_method(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


METHODS = {
    "bernoulli": bernoulli_method,
    "bernoulli_": bernoulli_,
    "multinomial": multinomial_method,
}


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1, *, generator=None):
    """A differentiable sample from the categorical distribution of ``logits``: softmax((logits + g) /
    tau) with Gumbel noise g = −log(E), E exponential (drawn from gradviz's generator). ``hard`` returns
    the one-hot of its argmax, with the soft sample's gradient (the straight-through estimator)."""
    _floating("gumbel_softmax", logits)
    draws = backend.to_device(rng(generator).exponential(1.0, logits.shape), logits.device)
    noise = wrap(-array_module(draws).log(draws).astype(logits._data.dtype))
    soft = softmax((logits + noise) / tau, dim)
    if not hard:
        return soft
    data = soft._data
    xp = array_module(data)
    axis = dim % data.ndim
    index = xp.expand_dims(data.argmax(axis=axis), axis)
    positions = positions_along(xp, data.shape, axis)
    one_hot = (positions == index).astype(data.dtype)
    return wrap(one_hot) - soft.detach() + soft
