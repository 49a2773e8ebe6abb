"""Data sets that need no download: the 8x8 handwritten digits, 2-D toy sets, sequence tasks and a toy
sentiment set."""

from .digits import Digits
from .sequences import SequenceTask
from .text import SentimentToy
from .toy2d import blobs, circles, moons, spirals, xor

__all__ = ["Digits", "SequenceTask", "SentimentToy", "blobs", "circles", "moons", "spirals", "xor"]
