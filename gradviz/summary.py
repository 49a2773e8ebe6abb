"""``gradviz.summary(model, input_size)``: a table of what each layer costs, from one forward pass.

Per leaf module (one row per call): output shape, parameter count, multiply-adds per sample, and for
convolution and pooling layers the receptive field. The course's counts:

- Conv2d: H_out·W_out·kh·kw multiply-adds per (input, output) channel pair, so H_out·W_out·kh·kw·C_in·C_out
  per sample; Linear: in_features·out_features per output row. Bias additions are not counted.
- Pooling, activations, dropout, normalisation and embedding lookups count 0: no matrix products. A
  module of another type that owns parameters counts as unknown (None, shown as "?") and stays out of
  the total.
- Receptive field, per axis, along the chain of conv/pool layers in the order they run:
  r += dilation·(k − 1)·jump, then jump *= stride (starting from r = jump = 1). For branching models
  this follows the call order, so it describes the main path of a sequential stack.
"""

import html
from contextlib import contextmanager

from . import creation
from .autograd.grad_mode import no_grad
from .autograd.tensor import Tensor
from .nn.layers.conv import Conv2d
from .nn.layers.embedding import Embedding
from .nn.layers.linear import Linear
from .nn.layers.normalization import LayerNorm, _BatchNorm
from .nn.layers.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .ops.windows import pair

__all__ = ["Summary", "summary"]

_COLUMNS = (
    ("layer", "Layer (type)"),
    ("output_shape", "Output shape"),
    ("params", "Param #"),
    ("mult_adds", "Mult-adds"),
    ("receptive_field", "Receptive field"),
)
_NO_MATRIX_PRODUCTS = (_BatchNorm, LayerNorm, Embedding)


def summary(model, input_size, dtype=None, device=None):
    """Run ``model`` once on zeros of ``input_size`` (batch dim included, e.g. ``(1, 1, 28, 28)``; a list
    of sizes for several inputs) and return a :class:`Summary`.

    The pass runs in eval mode under ``no_grad`` (so batch-norm running statistics are left alone) and
    every module's mode is restored afterwards. ``dtype`` (one, or one per input; e.g. ``gradviz.long``
    for token ids) defaults to the default dtype; ``device`` to the model's.
    """
    sizes = _input_sizes(input_size)
    device = _model_device(model) if device is None else device
    inputs = [
        creation.zeros(size, dtype=kind, device=device)
        for size, kind in zip(sizes, _per_input(dtype, len(sizes)))
    ]
    recorder = _LayerRecorder(model, batch_size=sizes[0][0] if sizes[0] else 1)
    with recorder.hooked(), _eval_mode(model), no_grad():
        model(*inputs)
    params = list(model.parameters())
    return Summary(
        type(model).__name__,
        sizes,
        recorder.rows,
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
    )


class Summary:
    """The table as data (``rows``: one dict per layer call, and the totals) and as text or HTML.

    Row keys: ``name`` (qualified module name), ``type``, ``output_shape`` (a tuple, or a list of tuples
    for several outputs), ``params`` (counted at a module's first call only, 0 on later calls),
    ``mult_adds`` (per sample; None when unknown), ``receptive_field`` ((height, width) or None).
    """

    def __init__(self, model_name, input_size, rows, total_params, trainable_params):
        self.model_name = model_name
        self.input_size = input_size
        self.rows = rows
        self.total_params = total_params
        self.trainable_params = trainable_params
        self.total_mult_adds = sum(row["mult_adds"] for row in rows if row["mult_adds"] is not None)

    def totals(self):
        """(label, value) pairs printed under the table."""
        return [
            ("Total params", f"{self.total_params:,}"),
            ("Trainable params", f"{self.trainable_params:,}"),
            ("Non-trainable params", f"{self.total_params - self.trainable_params:,}"),
            ("Total mult-adds (per sample)", f"{self.total_mult_adds:,}"),
            ("Input size", ", ".join(str(list(size)) for size in self.input_size)),
        ]

    def cells(self):
        """The rows as display strings, in the order of the columns."""
        return [[_cell(key, row) for key, _ in _COLUMNS] for row in self.rows]

    def __str__(self):
        header = [title for _, title in _COLUMNS]
        cells = self.cells()
        widths = [max(len(text) for text in column) for column in zip(header, *cells)]
        rule = "=" * (sum(widths) + 2 * (len(widths) - 1))
        lines = [rule, _aligned(header, widths), rule]
        lines += [_aligned(row, widths) for row in cells]
        lines += [rule] + [f"{label}: {value}" for label, value in self.totals()] + [rule]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        head = _html_row([title for _, title in _COLUMNS], cell="th")
        body = "".join(_html_row(row) for row in self.cells())
        span = len(_COLUMNS) - 1
        foot = "".join(
            f"<tr><td colspan='{span}'>{html.escape(label)}</td><td>{html.escape(value)}</td></tr>"
            for label, value in self.totals()
        )
        return (
            f"<table><caption>{html.escape(self.model_name)}</caption><thead>{head}</thead>"
            f"<tbody>{body}</tbody><tfoot>{foot}</tfoot></table>"
        )


def _html_row(texts, cell="td"):
    return "<tr>" + "".join(f"<{cell}>{html.escape(text)}</{cell}>" for text in texts) + "</tr>"


class _LayerRecorder:
    """Forward hooks on every leaf module that append one row per call."""

    def __init__(self, model, batch_size):
        self.leaves = [(name, m) for name, m in model.named_modules() if next(m.children(), None) is None]
        self.batch_size = batch_size
        self.rows = []
        self.counted = set()
        self.field = _ReceptiveField()

    @contextmanager
    def hooked(self):
        handles = [module.register_forward_hook(self._hook(name)) for name, module in self.leaves]
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    def _hook(self, name):
        def record(module, args, output):
            self.rows.append(self._row(name, module, args, output))

        return record

    def _row(self, name, module, args, output):
        first_call = id(module) not in self.counted
        self.counted.add(id(module))
        window = _window(module, args)
        return {
            "name": name,
            "type": type(module).__name__,
            "output_shape": _shape_of(output),
            "params": sum(p.numel() for p in module.parameters()) if first_call else 0,
            "mult_adds": _mult_adds(module, output, self.batch_size),
            "receptive_field": None if window is None else self.field.grow(*window),
        }


class _ReceptiveField:
    """The receptive field ``size`` and the ``jump`` (input pixels between neighbouring outputs) of the
    latest conv/pool layer, per axis (height, width)."""

    def __init__(self):
        self.size = (1, 1)
        self.jump = (1, 1)

    def grow(self, kernel, stride, dilation):
        self.size = tuple(r + d * (k - 1) * j for r, k, d, j in zip(self.size, kernel, dilation, self.jump))
        self.jump = tuple(j * s for j, s in zip(self.jump, stride))
        return self.size


def _window(module, args):
    """(kernel, stride, dilation) pairs of a conv or pool layer; None for any other layer."""
    if isinstance(module, Conv2d):
        return module.kernel_size, module.stride, module.dilation
    if isinstance(module, (MaxPool2d, AvgPool2d)):
        values = (module.kernel_size, module.stride, getattr(module, "dilation", 1))
        return tuple(pair(v, "window", "summary") for v in values)
    if isinstance(module, AdaptiveAvgPool2d):
        return _adaptive_window(tuple(args[0].shape[-2:]), module.output_size)
    return None


def _adaptive_window(size, output_size):
    """Adaptive pooling's windows as a sliding window: stride ⌊n/o⌋ and the largest window's size
    (exact when o divides n; an upper bound otherwise)."""
    out = (output_size, output_size) if isinstance(output_size, int) else output_size
    out = tuple(n if o is None else o for n, o in zip(size, out))
    kernel = tuple(max(-(-(i + 1) * n // o) - (i * n) // o for i in range(o)) for n, o in zip(size, out))
    stride = tuple(max(n // o, 1) for n, o in zip(size, out))
    return kernel, stride, (1, 1)


def _mult_adds(module, output, batch_size):
    """Multiply-adds per sample: each output value of Linear/Conv2d costs one per weight it reads."""
    if isinstance(module, Linear):
        return output.numel() // batch_size * module.in_features
    if isinstance(module, Conv2d):
        kh, kw = module.kernel_size
        return output.numel() // batch_size * module.in_channels * kh * kw
    if isinstance(module, _NO_MATRIX_PRODUCTS) or next(module.parameters(), None) is None:
        return 0
    return None


def _shape_of(output):
    if isinstance(output, Tensor):
        return tuple(output.shape)
    return [tuple(t.shape) for t in output if isinstance(t, Tensor)]


def _cell(key, row):
    if key == "layer":
        return f"{row['name']} ({row['type']})" if row["name"] else row["type"]
    value = row[key]
    if key == "output_shape":
        return str(list(value)) if isinstance(value, tuple) else ", ".join(str(list(s)) for s in value)
    if key == "receptive_field":
        return "" if value is None else _pair_text(value)
    return "?" if value is None else f"{value:,}"


def _pair_text(value):
    height, width = value
    return str(height) if height == width else f"{height}x{width}"


def _aligned(texts, widths):
    """The first column left-aligned, the numbers right-aligned."""
    first, *rest = zip(texts, widths)
    return "  ".join([first[0].ljust(first[1])] + [text.rjust(width) for text, width in rest]).rstrip()


def _input_sizes(input_size):
    sizes = list(input_size)
    if all(isinstance(s, int) for s in sizes):
        return [tuple(sizes)]
    return [tuple(s) for s in sizes]


def _per_input(dtype, count):
    return list(dtype) if isinstance(dtype, (list, tuple)) else [dtype] * count


def _model_device(model):
    param = next(model.parameters(), None)
    return "cpu" if param is None else param.device


@contextmanager
def _eval_mode(model):
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training
