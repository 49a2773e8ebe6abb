"""Every differentiable op: one ``Function`` per op, its backward right under its forward.

The tensor-level ops are re-exported here (and as ``gradviz.exp``, ``gradviz.matmul``...); the
neural-network ops (conv2d, losses, normalisation...) are reached through ``gradviz.nn.functional``.
"""

from . import methods
from .activation import erf, log_softmax, softmax
from .arithmetic import *
from .binary_math import *
from .broadcast import *
from .bucketing import *
from .calculus import *
from .comparison import *
from .contraction import *
from .conversion import *
from .derived import *
from .distance import cdist, pdist
from .elementary import *
from .indexing import *
from .linalg import *
from .matrix_algebra import *
from .norms import *
from .pointwise import *
from .products import *
from .promotion import *
from .quantiles import *
from .rearrange import *
from .reduction import *
from .rounding import *
from .sampling import *
from .scan import *
from .scattering import *
from .shape import *
from .sorting import *
from .stacking import *
from .statistics import *
from .totals import *
from .unary import *
from .views import *

# isort: split
# last, so that gradviz.add(1, 2) is tensor(3) as in PyTorch while the Tensor operators keep the plain ops
from .plain_numbers import *
from .tensor_first import check_exports as _check_exports

__all__ = [name for name, value in dict(globals()).items() if callable(value) and not name.startswith("_")]

_check_exports(globals())
