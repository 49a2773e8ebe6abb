"""Compare a gradviz function with its PyTorch twin: forward values, input gradients, gradcheck."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz import backend


def host(t):
    return backend.to_host(t._data)


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _gv_input(a, device, grad):
    if isinstance(a, np.ndarray):
        return gv.tensor(a, device=device, requires_grad=grad and a.dtype.kind == "f")
    return a


def _torch_input(a, grad):
    if isinstance(a, np.ndarray):
        return torch.tensor(a, requires_grad=grad and a.dtype.kind == "f")
    return a


def check(gv_fn, torch_fn, *inputs, device="cpu", grad=True, gradcheck=True, atol=1e-7, rtol=1e-6, seed=0):
    """Run both on the same inputs (numpy arrays become tensors; anything else passes through).

    Checks forward outputs and the gradient of every float input for a random upstream gradient;
    with ``gradcheck`` also compares gradviz's gradients with finite differences (CPU, float64).
    Returns the gradviz outputs for further checks.
    """
    gv_in = [_gv_input(a, device, grad) for a in inputs]
    t_in = [_torch_input(a, grad) for a in inputs]
    gv_out, t_out = _as_tuple(gv_fn(*gv_in)), _as_tuple(torch_fn(*t_in))
    assert len(gv_out) == len(t_out), f"{len(gv_out)} outputs, PyTorch gives {len(t_out)}"
    for i, (g, t) in enumerate(zip(gv_out, t_out)):
        assert tuple(g.shape) == tuple(t.shape), (
            f"output {i}: shape {tuple(g.shape)} vs PyTorch {tuple(t.shape)}"
        )
        np.testing.assert_allclose(
            host(g), t.detach().numpy(), atol=atol, rtol=rtol, err_msg=f"forward output {i}"
        )
    if not grad:
        return gv_out
    rng = np.random.default_rng(seed)
    pairs = [(g, t) for g, t in zip(gv_out, t_out) if t.requires_grad]
    assert pairs, "no output requires grad"
    seeds = [rng.standard_normal(t.shape) for _, t in pairs]
    gv.autograd.backward(
        [g for g, _ in pairs], [gv.tensor(s, dtype=g.dtype, device=device) for (g, _), s in zip(pairs, seeds)]
    )
    torch.autograd.backward(
        [t for _, t in pairs], [torch.tensor(s, dtype=t.dtype) for (_, t), s in zip(pairs, seeds)]
    )
    for i, (g, t) in enumerate(zip(gv_in, t_in)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert g.grad is not None, f"input {i} got no gradient; PyTorch gives one"
            assert g.grad.device == g.device, f"input {i}: gradient on {g.grad.device}, input on {g.device}"
            np.testing.assert_allclose(
                host(g.grad), t.grad.numpy(), atol=atol, rtol=rtol, err_msg=f"gradient of input {i}"
            )
    if gradcheck and device == "cpu":
        fresh = [_gv_input(a, "cpu", grad) for a in inputs]
        assert gv.autograd.gradcheck(gv_fn, fresh)
    return gv_out


def check_refused_like_torch(torch_case, gv_case, message):
    """Each case is (error type, call): PyTorch's call must raise its error, and gradviz's call its error
    with a message matching ``message`` (which should say what was wrong and how to fix it)."""
    for (error, call), match in ((torch_case, None), (gv_case, message)):
        with pytest.raises(error, match=match):
            call()
