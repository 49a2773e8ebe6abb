"""``Conv1d``, ``Conv2d``, ``ConvTranspose1d`` and ``ConvTranspose2d``: PyTorch's layers over
``F.conv1d/2d`` and ``F.conv_transpose1d/2d``. One base holds what they share, as PyTorch's ``_ConvNd``
does: the tuples of kernel_size/stride/padding/dilation, the checks, weight and bias."""

from ...ops.spatial import single
from ...ops.windows import pair
from .. import functional as F
from ..module import Module
from .linear import add_weight_and_bias, reset_weight_and_bias

_PADDING_STRINGS = ("same", "valid")
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(value, name, op, dims):
    return (single(value, name, op),) if dims == 1 else pair(value, name, op)


class _ConvNd(Module):
    """Weight (out_channels, in_channels, *kernel_size), or (in_channels, out_channels, *kernel_size)
    when ``transposed``; PyTorch's default init (kaiming_uniform_(a=√5), bias U(±1/√fan_in))."""

    _dims = 2
    _transposed = False

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__()
        name, dims = type(self).__name__, self._dims
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _tuple(kernel_size, "kernel_size", name, dims)
        self.stride = _tuple(stride, "stride", name, dims)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, "padding", name, dims)
        self.dilation = _tuple(dilation, "dilation", name, dims)
        self.groups = groups
        self.padding_mode = padding_mode
        self._check_arguments()
        if self._transposed:
            channels = (in_channels, out_channels // groups)
        else:
            channels = (out_channels, in_channels // groups)
        add_weight_and_bias(self, (*channels, *self.kernel_size), bias, out_channels, device, dtype)
        self.reset_parameters()

    def _check_arguments(self):
        if not isinstance(self.groups, int) or self.groups <= 0:
            raise ValueError("groups must be a positive integer")
        if self.in_channels % self.groups:
            raise ValueError("in_channels must be divisible by groups")
        if self.out_channels % self.groups:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(self.padding, str) and self.padding not in _PADDING_STRINGS:
            raise ValueError(
                f"Invalid padding string {self.padding!r}, should be one of {set(_PADDING_STRINGS)}"
            )
        if self.padding == "same" and self.stride != (1,) * self._dims:
            raise ValueError("padding='same' is not supported for strided convolutions")
        if self.padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, "
                f"but got padding_mode='{self.padding_mode}'"
            )

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def _pad_widths(self):
        """The ``F.pad`` tuple (last dim first) for a padding mode other than zeros; 'same' puts the odd
        pixel of an even-sized kernel at the end, as PyTorch does."""
        if self.padding == "valid":
            return (0, 0) * self._dims
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            before = [total // 2 for total in totals]
        else:
            totals, before = [2 * p for p in self.padding], list(self.padding)
        widths = ()
        for total, first in zip(reversed(totals), reversed(before)):
            widths += (first, total - first)
        return widths

    def _conv(self, input, padding):  # noqa: A002
        conv = F.conv1d if self._dims == 1 else F.conv2d
        return conv(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def forward(self, input):  # noqa: A002 - PyTorch's argument name
        if self.padding_mode == "zeros":
            return self._conv(input, self.padding)
        return self._conv(F.pad(input, self._pad_widths(), mode=self.padding_mode), 0)

    def extra_repr(self):
        zeros, ones = (0,) * self._dims, (1,) * self._dims
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != zeros:
            text += f", padding={self.padding}"
        if self.dilation != ones:
            text += f", dilation={self.dilation}"
        if getattr(self, "output_padding", zeros) != zeros:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """Over (N, C, L) or (C, L) inputs; the 1-tuples of kernel_size etc. as PyTorch keeps them."""

    _dims = 1


class Conv2d(_ConvNd):
    """Over (N, C, H, W) or (C, H, W) inputs."""


class _ConvTransposeNd(_ConvNd):
    """The gradient of a convolution with respect to its input, as a layer (zero padding only);
    ``forward(input, output_size)`` picks the output_padding that gives ``output_size``, as PyTorch."""

    _transposed = True

    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
        bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None,
    ):  # fmt: skip
        name = type(self).__name__
        output_padding = _tuple(output_padding, "output_padding", name, self._dims)
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            device, dtype,
        )  # fmt: skip
        self.output_padding = output_padding

    def _output_padding(self, input, output_size):  # noqa: A002
        if output_size is None:
            return self.output_padding
        dims = self._dims
        wanted = tuple(output_size)[-dims:]
        smallest = tuple(
            (n - 1) * s - 2 * p + d * (k - 1) + 1
            for n, s, p, d, k in zip(
                input.shape[-dims:], self.stride, self.padding, self.dilation, self.kernel_size
            )
        )
        extra = tuple(w - m for w, m in zip(wanted, smallest))
        if any(e < 0 or e >= s for e, s in zip(extra, self.stride)):
            raise ValueError(
                f"{type(self).__name__}: requested an output size of {wanted}, but valid sizes range from "
                f"{smallest} to {tuple(m + s - 1 for m, s in zip(smallest, self.stride))} (for an input of "
                f"{tuple(input.shape[-dims:])})"
            )
        return extra

    def forward(self, input, output_size=None):  # noqa: A002
        output_padding = self._output_padding(input, output_size)
        conv = F.conv_transpose1d if self._dims == 1 else F.conv_transpose2d
        return conv(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """Over (N, C, L) or (C, L) inputs."""

    _dims = 1


class ConvTranspose2d(_ConvTransposeNd):
    """Over (N, C, H, W) or (C, H, W) inputs."""
