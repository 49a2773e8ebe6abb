"""``Conv2d``: PyTorch's layer over ``F.conv2d`` (which computes groups=1 only)."""

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
