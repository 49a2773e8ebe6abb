"""``Upsample``, ``PixelShuffle``/``PixelUnshuffle``, ``Unfold``/``Fold`` and the padding layers
(``ZeroPad1d/2d``, ``ConstantPad1d/2d``, ``ReflectionPad1d/2d``, ``ReplicationPad1d/2d``,
``CircularPad1d/2d``): no parameters,
one functional op each."""

from .. import functional as F
from ..module import Module


class Upsample(Module):
    def __init__(
        self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None
    ):
        super().__init__()
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):  # noqa: A002
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self):
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample`` with mode 'nearest' (PyTorch keeps it for old code)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample`` with mode 'bilinear' and align_corners=True (PyTorch keeps it for old code)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class _Shuffle(Module):
    """A pixel (un)shuffle by a factor kept under PyTorch's attribute name ``_field``."""

    _field = _op = ""

    def __init__(self, factor):
        super().__init__()
        setattr(self, self._field, factor)

    def forward(self, input):  # noqa: A002
        return getattr(F, self._op)(input, getattr(self, self._field))

    def extra_repr(self):
        return f"{self._field}={getattr(self, self._field)}"


class PixelShuffle(_Shuffle):
    """(*, C·r², H, W) → (*, C, H·r, W·r)."""

    _field, _op = "upscale_factor", "pixel_shuffle"

    def __init__(self, upscale_factor):
        super().__init__(upscale_factor)


class PixelUnshuffle(_Shuffle):
    """(*, C, H·r, W·r) → (*, C·r², H, W)."""

    _field, _op = "downscale_factor", "pixel_unshuffle"

    def __init__(self, downscale_factor):
        super().__init__(downscale_factor)


class Unfold(Module):
    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):  # noqa: A002
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )


class Fold(Unfold):
    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return f"output_size={self.output_size}, " + super().extra_repr()


class _PadNd(Module):
    """``F.pad`` with a fixed padding: an int pads every side, a tuple is PyTorch's pad tuple (last dim
    first)."""

    _sides = 2
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        padding = (padding,) * self._sides if isinstance(padding, int) else tuple(padding)
        if len(padding) != self._sides:
            raise ValueError(
                f"{type(self).__name__}: padding must be an int or a tuple of {self._sides} ints, "
                f"got {padding!r}"
            )
        self.padding = padding

    def forward(self, input):  # noqa: A002
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    pass


class ConstantPad2d(_ConstantPadNd):
    _sides = 4


class ZeroPad1d(_PadNd):
    pass


class ZeroPad2d(_PadNd):
    _sides = 4


class ReflectionPad1d(_PadNd):
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    _sides = 4
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    _sides = 4
    _mode = "replicate"


class CircularPad1d(_PadNd):
    _mode = "circular"


class CircularPad2d(_PadNd):
    _sides = 4
    _mode = "circular"
