"""Optimizers with PyTorch's names, defaults, update order and state; ``lr_scheduler`` for schedules.

Each optimizer's file holds its class and one function with its update rule for a single parameter
(``sgd_update``, ``adam_update``...), written with in-place tensor ops and documented by its formula.
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler"]
