"""``detect_anomaly()``: stop at the first op whose output or gradient holds a NaN or an infinity.

It is an ordinary event observer: it reads each op's tensors as they are produced and raises an
:class:`~gradviz.errors.AnomalyError` naming the op, its module, which tensor went bad, and what the
op's inputs looked like, so the message says whether the op created the bad value or received it.
"""

from .. import backend
from ..errors import AnomalyError
from .events import OpEvent, subscribe


def _bad_count(tensor):
    data = tensor.data
    if data.dtype.kind != "f":
        return 0
    return int((~backend.array_module(data).isfinite(data)).sum())


def _describe(tensor, label):
    data = backend.to_host(tensor.data)
    if data.size == 0 or data.dtype.kind not in "fiub":
        return f"{label} shape {tuple(data.shape)}"
    finite = data[abs(data.astype("float64")) < float("inf")] if data.dtype.kind == "f" else data
    span = f"min {finite.min():.4g}, max {finite.max():.4g}" if finite.size else "no finite values"
    return f"{label} shape {tuple(data.shape)}, {span}, {data.size - finite.size} NaN/Inf"


def _check(event):
    if event.__class__ is not OpEvent:
        return
    for i, tensor in enumerate(event.output_tensors):
        if tensor is None or not _bad_count(tensor):
            continue
        where = f" in module '{event.module}'" if event.module else ""
        if event.phase == "forward":
            what = f"forward of op '{event.op}'{where} produced NaN/Inf in output {i}"
            inputs = [_describe(t, f"input {k}:") for k, t in enumerate(event.input_tensors)]
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
    """Context manager (and decorator) that raises at the first NaN/Inf in forward or backward."""

    def __enter__(self):
        self.handle = subscribe(_check)
        return self

    def __exit__(self, *exc):
        self.handle.remove()

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper
