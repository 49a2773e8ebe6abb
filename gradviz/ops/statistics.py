"""Covariance and correlation of variables observed together: ``cov`` (with frequency and importance
weights, and Bessel's ``correction``) and ``corrcoef``, as PyTorch defines them. Rows are variables,
columns observations; both are compositions of ops, so they differentiate to any order."""

from ..errors import DtypeError, ShapeError
from .unary import clamp, sqrt

__all__ = ["cov", "corrcoef"]


def cov(input, *, correction=1, fweights=None, aweights=None):  # noqa: A002 - PyTorch's argument names
    """The covariance matrix of the rows of ``input`` (one variable per row, one observation per
    column; a vector is one variable): Σ w (x - x̄)(y - ȳ) / (Σ w − correction · Σ w·a / Σ w), with
    w = fweights · aweights (a = aweights), as numpy and PyTorch."""
    if input.ndim > 2:
        raise ShapeError(f"cov: expects a 1-D or 2-D input, got shape {tuple(input.shape)}")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if not x.is_floating_point():
        x = x.to("float32")
    count = x.shape[1]
    weight = None
    for name, w in (("fweights", fweights), ("aweights", aweights)):
        if w is not None:
            if w.ndim != 1 or w.shape[0] != count:
                raise ShapeError(
                    f"cov: {name} must be a vector of {count} weights, got shape {tuple(w.shape)}"
                )
            if name == "fweights" and w.is_floating_point():
                raise DtypeError("cov: fweights must be integers (frequencies), got a floating point tensor")
            weight = w if weight is None else weight * w
    if weight is None:
        mean = x.mean(1, keepdim=True)
        norm = max(count - correction, 0)
    else:
        total = weight.sum()
        mean = (x * weight).sum(1, keepdim=True) / total
        if correction == 0:
            norm = total
        elif aweights is None:
            norm = total - correction
        else:
            norm = total - correction * (weight * aweights).sum() / total
        norm = clamp(norm, min=0)
    centered = x - mean
    weighted = centered if weight is None else centered * weight
    out = (weighted @ centered.T) / norm
    return out.reshape(()) if input.ndim < 2 else out


def corrcoef(input):  # noqa: A002
    """The Pearson correlation matrix of the rows: the covariance divided by both standard deviations,
    clipped to [-1, 1] as numpy and PyTorch do."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = sqrt(c.diagonal())
    return clamp(c / std.unsqueeze(1) / std.unsqueeze(0), -1, 1)


METHODS = {"cov": cov, "corrcoef": corrcoef}
