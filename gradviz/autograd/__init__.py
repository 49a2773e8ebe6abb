"""Reverse-mode automatic differentiation over the graph that running ops records."""

from . import events
from .anomaly import detect_anomaly
from .engine import backward, grad
from .function import Function
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .scope import module_scope
from .tensor import Tensor

__all__ = [
    "Function",
    "GradcheckError",
    "Tensor",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "events",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "module_scope",
    "no_grad",
    "set_grad_enabled",
]
