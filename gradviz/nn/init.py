"""``gradviz.nn.init``: PyTorch's initialisers, with its names, arguments and fan computation.

Each fills a tensor in place under ``no_grad`` and returns it. Random values come from
``gradviz.random`` (the global generator, or ``generator=``), drawn on the host and moved to the
tensor's device, so a seed gives the same weights on every device.
"""

import math
import warnings

import numpy as np

from .. import creation
from ..autograd.grad_mode import no_grad
from ..random import rng

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "constant_",
    "ones_",
    "zeros_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
    "eye_",
    "dirac_",
    "trunc_normal_",
    "sparse_",
]

_LINEAR_FUNCTIONS = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through ``nonlinearity`` (PyTorch's table)."""
    if nonlinearity in _LINEAR_FUNCTIONS:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1 + _negative_slope(param) ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _negative_slope(param):
    if param is None:
        return 0.01
    if isinstance(param, (int, float)) and not isinstance(param, bool):
        return param
    raise ValueError(f"negative_slope {param} not a valid number")


def _calculate_fan_in_and_fan_out(tensor):
    """Inputs and outputs per unit: dim 1 and dim 0 times the receptive field (the trailing dims)."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field_size = math.prod(tensor.shape[2:])
    return tensor.size(1) * receptive_field_size, tensor.size(0) * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val):
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    return constant_(tensor, 1.0)


def zeros_(tensor):
    return constant_(tensor, 0.0)


def _xavier_std(tensor, gain):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with a = gain·√(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    bound = math.sqrt(3.0) * _xavier_std(tensor, gain)
    return uniform_(tensor, -bound, bound, generator=generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std²) with std = gain·√(2 / (fan_in + fan_out))."""
    return normal_(tensor, 0.0, _xavier_std(tensor, gain), generator=generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    """gain / √fan, or None for a zero-element tensor (PyTorch warns and leaves it alone)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound) with bound = gain·√(3 / fan) (He et al., 2015)."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std²) with std = gain / √fan."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return tensor if std is None else normal_(tensor, 0.0, std, generator=generator)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix, trailing dims flattened, times ``gain`` (Saxe et al., 2013).

    The Gaussian matrix is drawn on the host like every random number, and orthogonalised there by QR
    (gradviz has no QR op): only the finished values go to the tensor's device.
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    gaussian = rng(generator).standard_normal((rows, cols))
    q = _orthonormal(gaussian.T if rows < cols else gaussian)
    q = q.T if rows < cols else q
    return _copy_from_host(tensor, gain * q.reshape(tuple(tensor.shape)))


def _copy_from_host(tensor, values):
    """Fill ``tensor`` in place with the host array ``values``, cast to its dtype, on its device."""
    with no_grad():
        return tensor.copy_(creation.tensor(values, dtype=tensor.dtype))


def _orthonormal(matrix):
    """Q of a tall matrix's QR, with column signs fixed by R's diagonal so Q is uniformly distributed."""
    q, r = np.linalg.qr(matrix)
    return q * np.sign(np.diag(r))


def _require_dims(tensor, allowed, initialiser, words):
    if tensor.dim() not in allowed:
        raise ValueError(
            f"Only tensors with {words} dimensions are supported; {initialiser} got a tensor of shape "
            f"{tuple(tensor.shape)}"
        )


def eye_(tensor):
    """The identity matrix in a 2-d tensor (ones on the main diagonal of a non-square one too): a Linear
    layer that passes as many inputs through unchanged as it can."""
    _require_dims(tensor, (2,), "eye_", "2")
    return _copy_from_host(tensor, np.eye(*tensor.shape))


def dirac_(tensor, groups=1):
    """The Dirac delta in a 3-, 4- or 5-d convolution weight: in each of ``groups`` groups, output
    channel d copies input channel d (the kernel's centre is 1), so the convolution passes as many
    channels through unchanged as it can."""
    _require_dims(tensor, (3, 4, 5), "dirac_", "3, 4, or 5")
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"dirac_: groups must be a positive integer, got {groups!r}")
    out_channels, in_channels, *kernel = tensor.shape
    if out_channels % groups != 0:
        raise ValueError(
            f"dim 0 must be divisible by groups; dirac_ got {out_channels} output channels for "
            f"groups={groups}"
        )
    per_group = out_channels // groups
    values = np.zeros(tuple(tensor.shape))
    centre = tuple(k // 2 for k in kernel)
    for d in range(min(per_group, in_channels)):
        values[(np.arange(groups) * per_group + d, d, *centre)] = 1
    return _copy_from_host(tensor, values)


def _normal_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std²) truncated to [a, b]: values outside are redrawn until they fall inside.

    As PyTorch: when the interval holds more than 30% of the normal's mass, normal draws are redrawn
    where they miss; otherwise draws uniform on [a, b] are kept with probability pdf(x) / max pdf on
    [a, b]. Both give the exact truncated distribution."""
    if std <= 0:
        raise RuntimeError(f"trunc_normal_: expects std > 0.0, but got std={std}")
    if a > b:
        raise RuntimeError(f"trunc_normal_: expects a <= b, but got a={a} > b={b}; swap them")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    mass = _normal_cdf((b - mean) / std) - _normal_cdf((a - mean) / std)
    values = (_redrawn_normal if mass > 0.3 else _accepted)(rng(generator), tensor.numel(), mean, std, a, b)
    return _copy_from_host(tensor, values.reshape(tuple(tensor.shape)))


def _redrawn_normal(random, count, mean, std, a, b):
    values = random.normal(mean, std, count)
    missed = np.flatnonzero((values < a) | (values > b))
    while missed.size:
        values[missed] = random.normal(mean, std, missed.size)
        missed = missed[(values[missed] < a) | (values[missed] > b)]
    return values


def _accepted(random, count, mean, std, a, b):
    """Rejection sampling from U(a, b), accepting x with probability exp(log pdf(x) - log pdf(mode))."""
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2
    values = np.empty(count)
    pending = np.arange(count)
    while pending.size:
        candidates = random.uniform(a, b, pending.size)
        log_pdf = -0.5 * ((candidates - mean) / std) ** 2 - log_peak
        accept = np.log(random.uniform(size=pending.size)) <= log_pdf
        values[pending[accept]] = candidates[accept]
        pending = pending[~accept]
    return values


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """A 2-d tensor drawn from N(0, std²) with ``ceil(sparsity · rows)`` zeros at random rows of every
    column (Martens, 2010)."""
    _require_dims(tensor, (2,), "sparse_", "2")
    if not 0 <= sparsity <= 1:
        raise ValueError(
            f"sparse_: sparsity is the fraction of each column set to zero, from 0 to 1; got {sparsity}"
        )
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    normal_(tensor, 0.0, std, generator=generator)
    ranks = rng(generator).random((rows, cols)).argsort(axis=0).argsort(axis=0)  # a permutation per column
    zeros = creation.tensor(ranks < num_zeros, device=tensor.device)
    with no_grad():
        return tensor.masked_fill_(zeros, 0.0)
