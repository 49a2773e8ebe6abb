"""Optimizers with PyTorch's names, defaults, update order and state; ``lr_scheduler`` for schedules.

Each optimizer's file holds its class and one function with its update rule for a single parameter
(``sgd_update``, ``adam_update``...), written with in-place tensor ops and documented by its formula.
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Rprop",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "RAdam",
    "lr_scheduler",
]
