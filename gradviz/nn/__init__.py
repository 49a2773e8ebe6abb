"""Neural-network building blocks, PyTorch-shaped: ``gradviz.nn.functional`` (imported as ``F``)."""

from . import functional
