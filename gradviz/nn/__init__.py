"""Neural-network building blocks with PyTorch's names: modules, layers, losses, ``init``, ``utils``
and ``functional`` (imported as ``F``). While a module runs, every op it performs is reported with the
module's qualified name."""

from . import functional, init, utils
from .containers import ModuleDict, ModuleList, Sequential
from .layers import *
from .module import Module
from .parameter import Parameter
from .parameter_containers import ParameterDict, ParameterList
