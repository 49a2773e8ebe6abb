"""``Conv2d``: PyTorch's layer over ``F.conv2d`` (which computes groups=1 only)."""

from ...ops.spatial import single
from ...ops.windows import pair
from .. import functional as F
from ..module import Module
from .linear import empty_parameter, reset_weight_and_bias

_PADDING_STRINGS = ("same", "valid")
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class Conv2d(Module):
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
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = pair(stride, "stride", "Conv2d")
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding", "Conv2d")
        self.dilation = pair(dilation, "dilation", "Conv2d")
        self.groups = groups
        self.padding_mode = padding_mode
        self._check_arguments()
        self.weight = empty_parameter(
            out_channels, in_channels, *self.kernel_size, device=device, dtype=dtype
        )
        if bias:
            self.bias = empty_parameter(out_channels, device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _check_arguments(self):
        if self.groups != 1:
            raise ValueError(
                f"Conv2d: groups={self.groups} is not supported; gradviz's conv2d computes groups=1 only "
                "(for a depthwise convolution, use one Conv2d per group and concatenate the outputs)"
            )
        if isinstance(self.padding, str) and self.padding not in _PADDING_STRINGS:
            raise ValueError(
                f"Invalid padding string {self.padding!r}, should be one of {set(_PADDING_STRINGS)}"
            )
        if self.padding == "same" and self.stride != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions")
        if self.padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, "
                f"but got padding_mode='{self.padding_mode}'"
            )

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def _pad_widths(self):
        """The ``F.pad`` tuple (left, right, top, bottom) for a padding mode other than zeros; 'same'
        puts the odd pixel of an even-sized kernel at the end, as PyTorch does."""
        if self.padding == "valid":
            return (0, 0, 0, 0)
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            before = [total // 2 for total in totals]
        else:
            totals, before = [2 * p for p in self.padding], list(self.padding)
        (top, left), (height, width) = before, totals
        return (left, width - left, top, height - top)

    def forward(self, input):  # noqa: A002 - PyTorch's argument name
        if self.padding_mode == "zeros":
            return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation)
        padded = F.pad(input, self._pad_widths(), mode=self.padding_mode)
        return F.conv2d(padded, self.weight, self.bias, self.stride, 0, self.dilation)

    def extra_repr(self):
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(Module):
    """PyTorch's ``Conv1d`` over ``F.conv1d`` (groups=1): weight (out_channels, in_channels, kernel_size),
    the 1-tuples of kernel_size/stride/padding/dilation as PyTorch keeps them."""

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
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = (single(kernel_size, "kernel_size", "Conv1d"),)
        self.stride = (single(stride, "stride", "Conv1d"),)
        self.padding = padding if isinstance(padding, str) else (single(padding, "padding", "Conv1d"),)
        self.dilation = (single(dilation, "dilation", "Conv1d"),)
        self.groups = groups
        self.padding_mode = padding_mode
        if groups != 1:
            raise ValueError(
                f"Conv1d: groups={groups} is not supported; gradviz's conv1d computes groups=1 only"
            )
        if isinstance(padding, str) and padding not in _PADDING_STRINGS:
            raise ValueError(f"Invalid padding string {padding!r}, should be one of {set(_PADDING_STRINGS)}")
        if padding == "same" and self.stride != (1,):
            raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, but got padding_mode='{padding_mode}'"
            )
        self.weight = empty_parameter(
            out_channels, in_channels, *self.kernel_size, device=device, dtype=dtype
        )
        if bias:
            self.bias = empty_parameter(out_channels, device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def _pad_widths(self):
        if self.padding == "valid":
            return (0, 0)
        if self.padding == "same":
            total = self.dilation[0] * (self.kernel_size[0] - 1)
            return (total // 2, total - total // 2)
        return (self.padding[0], self.padding[0])

    def forward(self, input):  # noqa: A002 - PyTorch's argument name
        if self.padding_mode == "zeros":
            return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation)
        padded = F.pad(input, self._pad_widths(), mode=self.padding_mode)
        return F.conv1d(padded, self.weight, self.bias, self.stride, 0, self.dilation)

    def extra_repr(self):
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0,):
            text += f", padding={self.padding}"
        if self.dilation != (1,):
            text += f", dilation={self.dilation}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class ConvTranspose2d(Module):
    """PyTorch's ``ConvTranspose2d`` over ``F.conv_transpose2d`` (groups=1, zero padding): weight
    (in_channels, out_channels, kH, kW); ``forward(input, output_size)`` picks the output_padding that
    gives ``output_size``, as PyTorch does."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__()
        name = "ConvTranspose2d"
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair(kernel_size, "kernel_size", name)
        self.stride = pair(stride, "stride", name)
        self.padding = pair(padding, "padding", name)
        self.output_padding = pair(output_padding, "output_padding", name)
        self.dilation = pair(dilation, "dilation", name)
        self.groups = groups
        self.padding_mode = padding_mode
        if groups != 1:
            raise ValueError(f"{name}: groups={groups} is not supported; gradviz computes groups=1 only")
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self.weight = empty_parameter(
            in_channels, out_channels, *self.kernel_size, device=device, dtype=dtype
        )
        if bias:
            self.bias = empty_parameter(out_channels, device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def _output_padding(self, input, output_size):  # noqa: A002
        if output_size is None:
            return self.output_padding
        wanted = tuple(output_size)[-2:]
        smallest = tuple(
            (n - 1) * s - 2 * p + d * (k - 1) + 1
            for n, s, p, d, k in zip(
                input.shape[-2:], self.stride, self.padding, self.dilation, self.kernel_size
            )
        )
        extra = tuple(w - m for w, m in zip(wanted, smallest))
        if any(e < 0 or e >= s for e, s in zip(extra, self.stride)):
            raise ValueError(
                f"ConvTranspose2d: requested an output size of {wanted}, but valid sizes range from "
                f"{smallest} to {tuple(m + s - 1 for m, s in zip(smallest, self.stride))} (for an input of "
                f"{tuple(input.shape[-2:])})"
            )
        return extra

    def forward(self, input, output_size=None):  # noqa: A002
        return F.conv_transpose2d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(input, output_size),
            1,
            self.dilation,
        )

    def extra_repr(self):
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        if self.bias is None:
            text += ", bias=False"
        return text
