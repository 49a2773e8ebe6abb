"""Jupyter widgets (ipywidgets + plotly) that draw what the recorder measured. They hold no engine
logic and run no training in their callbacks: they map the recorder's data to pictures."""

from .attention_view import AttentionView
from .dashboard import Dashboard
from .gradient_flow import GradientFlow
from .graph_view import GraphView
from .loss_curves import LossCurves
from .optimizer_race import ModelRace, OptimizerRace
from .plot import Plot
from .step_debugger import StepDebugger
