"""Errors gradviz raises on purpose. Each message names the op, the shapes, dtypes or devices involved,
and how to fix the call. They subclass the built-in types PyTorch raises, so ``except RuntimeError``
code written for PyTorch keeps working."""


class GradvizError(Exception):
    """Base of the errors whose message gradviz wrote itself."""


class ShapeError(GradvizError, RuntimeError, ValueError):
    pass


class DeviceError(GradvizError, RuntimeError):
    pass


class DtypeError(GradvizError, RuntimeError, TypeError):
    pass


class IndexOutOfRangeError(GradvizError, IndexError):
    pass


class GraphError(GradvizError, RuntimeError):
    """Misuse of the autograd graph: a freed graph, a non-scalar root without a gradient, ..."""


class AnomalyError(GradvizError, RuntimeError):
    """Raised by ``detect_anomaly()`` at the first op that produced a NaN or an infinity."""


class LinAlgError(GradvizError, RuntimeError):
    """A linear-algebra op met a matrix it cannot handle: singular, or not positive definite (as
    ``torch.linalg.LinAlgError``)."""
