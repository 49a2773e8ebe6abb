"""gradviz: see how deep learning computes.

A NumPy/CuPy tensor library with reverse-mode autograd that reports every forward and backward op, a
PyTorch-shaped nn/optim/data layer, a recorder and Jupyter widgets. Names follow PyTorch.
"""

from . import autograd, data, linalg, metrics, nn, ops, optim, special, trace
from .autograd import Tensor, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.grad_mode import inference_mode, is_inference_mode_enabled
from .autograd.printing import get_printoptions, set_printoptions
from .autograd.tensor import Size
from .backend import Device, cuda_is_available, device
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    tril_indices,
    triu_indices,
    zeros,
    zeros_like,
)
from .dtypes import (
    bool,  # noqa: A004
    double,
    dtype,
    finfo,
    float,  # noqa: A004
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int,  # noqa: A004
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    uint8,
)
from .io import load, save
from .ops import *  # noqa: F403 - the op functions: gradviz.exp, gradviz.matmul, ...
from .random import Generator, initial_seed, manual_seed, seed
from .runner import Runner
from .summary import Summary, summary
from .tensor_info import is_floating_point, is_tensor, numel

__version__ = "0.1.0"


def __getattr__(name):
    """``gradviz.widgets`` is imported on first use: scripts that only train never load ipywidgets."""
    if name == "widgets":
        import importlib

        return importlib.import_module(".widgets", __name__)
    raise AttributeError(f"module 'gradviz' has no attribute '{name}'")
