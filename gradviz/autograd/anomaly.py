"""``detect_anomaly()``: stop at the first op whose output or gradient holds a NaN or an infinity.

It is an ordinary event observer: it reads each op's tensors as they are produced and raises an
:class:`~gradviz.errors.AnomalyError` naming the op, its module, which tensor went bad, and what the
op's inputs looked like, so the message says whether the op created the bad value or received it.
"""

import math
import numbers

from .. import backend
from ..errors import AnomalyError
from .events import OpEvent, subscribe
from .tensor import Tensor


def _bad_count(value):
    """NaN/Inf entries of a tensor; a constant argument (the ``0.`` of ``x / 0.``) counts if it is one."""
    if not isinstance(value, Tensor):
        return isinstance(value, numbers.Real) and not math.isfinite(value)
    data = value._data
    if data.dtype.kind != "f":
        return 0
    return int((~backend.array_module(data).isfinite(data)).sum())


def _describe(tensor, label):
    data = backend.to_host(tensor._data)
    if data.size == 0 or data.dtype.kind not in "fiub":
        return f"{label} shape {tuple(data.shape)}"
    finite = data[abs(data.astype("float64")) < float("inf")] if data.dtype.kind == "f" else data
    span = f"min {finite.min():.4g}, max {finite.max():.4g}" if finite.size else "no finite values"
    return f"{label} shape {tuple(data.shape)}, {span}, {data.size - finite.size} NaN/Inf"


def _describe_input(value, label):
    """A forward argument: a tensor, an array (a mask, an index) or a constant such as a dim or a scalar."""
    if isinstance(value, Tensor):
        return _describe(value, label)
    return f"{label} array of shape {tuple(value.shape)}" if hasattr(value, "shape") else f"{label} {value!r}"


def _check(event):
    if event.__class__ is not OpEvent:
        return
    for i, tensor in enumerate(event.output_tensors):
        if tensor is None or not _bad_count(tensor):
            continue
        where = f" in module '{event.module}'" if event.module else ""
        if event.phase == "forward":
            what = f"forward of op '{event.op}'{where} produced NaN/Inf in output {i}"
            inputs = [_describe_input(t, f"input {k}:") for k, t in enumerate(event.input_tensors)]
        else:
            what = f"backward of op '{event.op}'{where} produced NaN/Inf in the gradient for input {i}"
            inputs = [
                _describe(t, f"incoming gradient {k}:")
                for k, t in enumerate(event.input_tensors)
                if t is not None
            ]
        origin = (
            "its inputs were already bad"
            if any(t is not None and _bad_count(t) for t in event.input_tensors)
            else "its inputs were finite, so this op created the bad values"
        )
        raise AnomalyError(f"{what} ({_describe(tensor, 'bad tensor')}); {origin}. " + "; ".join(inputs))


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) that raises at the first NaN/Inf in forward or backward;
    with ``check_nan=False`` it checks nothing (PyTorch's argument)."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self.handle = subscribe(_check) if self.check_nan else None
        return self

    def __exit__(self, *exc):
        if self.handle is not None:
            self.handle.remove()

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper
