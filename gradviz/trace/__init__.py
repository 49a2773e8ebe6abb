"""Watching computation: the recorder, the graph model, and static graphs traced from dynamic code.

Nothing here imports widgets; everything is plain Python and numpy, usable in a script.
"""

from .graph import Constant, Edge, Graph, GraphBuilder, ModuleNode, OpNode, TensorNode
from .passes import PassReport, eliminate_common_subexpressions, fold_constants, prune
from .recorder import Recorder
from .tracing import trace
