"""``gradcheck``: compare autograd's gradients with central finite differences in float64.

Numerical differentiation perturbs one input element at a time by ``±eps`` and measures how every
output moves; automatic differentiation gets the same Jacobian from one backward pass per output
element. They must agree within ``atol + rtol * |numerical|``.
"""

import numpy as np

from .. import backend
from ..errors import GradvizError
from .engine import grad
from .grad_mode import no_grad
from .tensor import Tensor, wrap


class GradcheckError(GradvizError, RuntimeError):
    pass


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _float64_inputs(inputs):
    prepared = []
    for x in inputs:
        if isinstance(x, Tensor) and x._data.dtype.kind == "f":
            copy = wrap(x._data.astype("float64", order="C"))  # C order: reshape(-1) below is a view
            copy.requires_grad = x.requires_grad
            prepared.append(copy)
        else:
            prepared.append(x)
    return prepared


def _outputs(fn, inputs):
    return [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def _numerical(fn, inputs, x, eps):
    """Columns of d(outputs)/dx, one per element of x, by central differences."""
    flat = x._data.reshape(-1)
    columns = []
    for i in range(flat.size):
        original = flat[i].item()
        flat[i] = original + eps
        plus = [np.array(backend.to_host(o._data)).ravel() for o in _outputs(fn, inputs)]
        flat[i] = original - eps
        minus = [np.array(backend.to_host(o._data)).ravel() for o in _outputs(fn, inputs)]
        flat[i] = original
        columns.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]))
    if not columns:  # an empty input: no columns, a row per output element
        return np.zeros((sum(o._data.size for o in _outputs(fn, inputs)), 0))
    return np.stack(columns, axis=1)


def _analytical(outputs, wrt):
    """Rows of d(outputs)/d(wrt), one backward pass per output element."""
    rows = {id(x): [] for x in wrt}
    for out in outputs:
        xp = backend.array_module(out._data)
        for j in range(out._data.size):
            seed = xp.zeros(out._data.size, dtype=out._data.dtype)
            seed[j] = 1
            grads = (
                grad(out, wrt, wrap(seed.reshape(out._data.shape)), retain_graph=True, allow_unused=True)
                if out.requires_grad
                else (None,) * len(wrt)
            )
            for x, g in zip(wrt, grads):
                rows[id(x)].append(np.zeros(x._data.size) if g is None else backend.to_host(g._data).ravel())
    # an empty output has no rows: a Jacobian of shape (0, input size), as the numerical one
    return {id(x): np.stack(rows[id(x)]) if rows[id(x)] else np.zeros((0, x._data.size)) for x in wrt}


def gradcheck(fn, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when ``fn``'s autograd gradients match finite differences for every input that requires grad.

    Floating-point inputs are copied to float64 first, since finite differences in float32 are too
    coarse to compare with.
    """
    inputs = _float64_inputs(_as_tuple(inputs))
    wrt = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise GradcheckError("gradcheck: no input requires grad, so there is nothing to check")
    analytical = _analytical(_outputs(fn, inputs), wrt)
    for k, x in enumerate(wrt):
        numerical = _numerical(fn, inputs, x, eps)
        auto = analytical[id(x)]
        if auto.shape != numerical.shape or not np.allclose(auto, numerical, atol=atol, rtol=rtol):
            if not raise_exception:
                return False
            error = np.abs(auto - numerical) if auto.shape == numerical.shape else None
            where = (
                "shapes differ"
                if error is None
                else f"max difference {error.max():.3g} at (output element, input element) "
                f"{np.unravel_index(error.argmax(), error.shape)}"
            )
            raise GradcheckError(
                f"gradcheck: the gradient for input {k} (shape {tuple(x._data.shape)}) does not match finite "
                f"differences: {where}\nautograd:\n{auto}\nnumerical:\n{numerical}"
            )
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check second derivatives: gradcheck of ``x -> grad(fn(x), x, v, create_graph=True)``."""
    inputs = _float64_inputs(_as_tuple(inputs))
    wrt_positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    rng = np.random.default_rng(0)
    if grad_outputs is None:
        with no_grad():
            outs = _outputs(fn, inputs)
        grad_outputs = [Tensor(backend.to_device(rng.standard_normal(o._data.shape), o.device)) for o in outs]

    def first_derivative(*xs):
        outs = _outputs(fn, xs)
        wrt = [xs[i] for i in wrt_positions]
        return grad(outs, wrt, grad_outputs, create_graph=True, allow_unused=True)

    return gradcheck(first_derivative, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
