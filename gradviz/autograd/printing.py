"""How a tensor prints: PyTorch's layout and rules (``torch/_tensor_str.py``), and ``set_printoptions``.

Floats print with ``precision`` digits after the point, all in one width; integral floats print as ``1.``;
scientific notation is chosen when the non-zero magnitudes span more than 1000x, exceed 1e8 or fall
below 1e-4 (or forced by ``sci_mode``). A tensor with more than ``threshold`` elements is summarised
with ``...``, showing ``edgeitems`` items at each end of every dimension. The values are copied to the
host once; the formatting is plain Python on the host.
"""

import math

import numpy as np

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80}
_PROFILES = {
    "default": _DEFAULTS,
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


class _Options:
    def __init__(self):
        self.__dict__.update(_DEFAULTS, sci_mode=None)


options = _Options()


def set_printoptions(
    precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None
):
    """Set how tensors print (``torch.set_printoptions``): ``precision`` digits after the point (4),
    summarise beyond ``threshold`` elements (1000) showing ``edgeitems`` per end (3), wrap lines at
    ``linewidth`` (80), ``sci_mode`` True/False to force or forbid scientific notation (None: chosen per
    tensor). ``profile`` ``'default'``, ``'short'`` or ``'full'`` sets all of them first. As in PyTorch,
    ``sci_mode`` returns to None unless given."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(
                f"set_printoptions: unknown profile {profile!r}; use 'default', 'short' or 'full'"
            )
        options.__dict__.update(_PROFILES[profile])
    for name, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            setattr(options, name, value)
    options.sci_mode = sci_mode


def get_printoptions():
    """The current options, as keyword arguments for ``set_printoptions``."""
    return dict(options.__dict__)


class _Formatter:
    """One width and one notation for every element printed (PyTorch's ``_Formatter``)."""

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.ravel()
        if not floating:
            self.max_width = max((len(str(v)) for v in flat.tolist()), default=1)
            return
        shown = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if shown.size == 0:
            return
        magnitudes = np.abs(shown)
        low, high = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        self.sci_mode = (
            high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4
            if options.sci_mode is None
            else options.sci_mode
        )
        p = options.precision
        if self.sci_mode:
            widths = (len(f"{v:.{p}e}") for v in shown.tolist())
        elif self.int_mode:
            widths = (len(f"{v:.0f}") + 1 for v in shown.tolist())
        else:
            widths = (len(f"{v:.{p}f}") for v in shown.tolist())
        self.max_width = max(widths)

    def format(self, value):
        if self.floating:
            p = options.precision
            if self.sci_mode:
                text = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{p}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


def _summarized(values):
    """The elements a summarised print shows (the ``edgeitems`` ends of every dimension)."""
    edge = options.edgeitems
    for axis in range(values.ndim):
        if values.shape[axis] > 2 * edge:
            keep = np.r_[0:edge, values.shape[axis] - edge : values.shape[axis]]
            values = np.take(values, keep, axis=axis)
    return values


def _vector(values, indent, summarize, formatter):
    per_line = max(1, math.floor((options.linewidth - indent) / (formatter.max_width + 2)))
    edge = options.edgeitems
    if summarize and not edge:
        items = ["..."]
    elif summarize and values.shape[0] > 2 * edge:
        items = (
            [formatter.format(v) for v in values[:edge].tolist()]
            + [" ..."]
            + [formatter.format(v) for v in values[-edge:].tolist()]
        )
    else:
        items = [formatter.format(v) for v in values.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(values, indent, summarize, formatter):
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        return _vector(values, indent, summarize, formatter)
    edge = options.edgeitems
    n = values.shape[0]
    if summarize and n > 2 * edge:
        rows = [_nested(values[i], indent + 1, summarize, formatter) for i in range(edge)]
        rows += ["..."] + [_nested(values[i], indent + 1, summarize, formatter) for i in range(n - edge, n)]
    else:
        rows = [_nested(values[i], indent + 1, summarize, formatter) for i in range(n)]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def tensor_str(values, indent):
    """The bracketed body of a tensor's print, for host array ``values``."""
    if values.size == 0:
        return "[]"
    summarize = values.size > options.threshold
    floating = values.dtype.kind == "f"
    formatter = _Formatter(_summarized(values) if summarize else values, floating)
    return _nested(values, indent, summarize, formatter)


def with_suffixes(text, suffixes, indent):
    """``text`` + ``, suffix`` for each suffix, wrapping onto a new line past ``linewidth``, + ``)``."""
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > options.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"
