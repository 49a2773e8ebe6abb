"""Data loading with PyTorch's names (``torch.utils.data``): datasets, splits and the DataLoader."""

from . import datasets
from .dataloader import DataLoader, default_collate, default_convert
from .dataset import Dataset, Subset, TensorDataset, random_split

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "datasets",
    "default_collate",
    "default_convert",
    "random_split",
]
