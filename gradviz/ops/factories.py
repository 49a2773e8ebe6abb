"""``Tensor.new_zeros``, ``new_ones``, ``new_full``, ``new_empty``, ``new_tensor``: new tensors with this
tensor's dtype and device unless told otherwise (PyTorch's way to build a mask or a buffer that matches
an input, on any device); and ``Tensor.stride()``, the strides in elements."""

from .arguments import normalize_dim, shape_args


def _creation():
    from .. import creation  # creation imports ops: imported on first use to keep the import order free

    return creation


def _options(self, dtype, device):
    return (self.dtype if dtype is None else dtype), (self.device if device is None else device)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    dtype, device = _options(self, dtype, device)
    return _creation().full(size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return new_full(
        self, shape_args(size, "new_zeros"), 0, dtype=dtype, device=device, requires_grad=requires_grad
    )


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return new_full(
        self, shape_args(size, "new_ones"), 1, dtype=dtype, device=device, requires_grad=requires_grad
    )


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    """Zeros: gradviz has no uninitialised memory (PyTorch's values are arbitrary)."""
    return new_zeros(self, *size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` in this tensor's dtype and on its device (unless ``dtype``/``device`` say else)."""
    dtype, device = _options(self, dtype, device)
    return _creation().tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def stride(self, dim=None):
    """How many elements to step to reach the next index along each dim, as ``torch.Tensor.stride``.
    Layouts follow the array library: a transpose or expand is a view with swapped or zero strides, as
    in PyTorch, but ``contiguous()`` does not copy here, so it keeps a view's strides."""
    data = self._data
    strides = tuple(int(s) // data.itemsize for s in data.strides)
    return strides if dim is None else strides[normalize_dim(dim, data.ndim, "stride")]


METHODS = {
    "new_full": new_full,
    "new_zeros": new_zeros,
    "new_ones": new_ones,
    "new_empty": new_empty,
    "new_tensor": new_tensor,
    "stride": stride,
}
