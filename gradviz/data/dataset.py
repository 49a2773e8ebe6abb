"""Datasets: anything with ``__getitem__`` and ``__len__``; ``TensorDataset`` for tensors that line up
sample by sample; ``Subset`` and ``random_split`` to carve train/dev/test sets out of one."""

import math
import numbers

from ..autograd.tensor import Tensor
from ..random import Generator, rng


class Dataset:
    """A map-style dataset: ``dataset[i]`` is sample ``i`` and ``len(dataset)`` counts the samples."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__(self)")


class TensorDataset(Dataset):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)``; every tensor must have the same first dimension."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for position, t in enumerate(tensors):
            if not isinstance(t, Tensor) or t.ndim == 0:
                kind = "a 0-d tensor" if isinstance(t, Tensor) else type(t).__name__
                raise TypeError(f"TensorDataset: argument {position} must be a tensor of samples, got {kind}")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: first dimensions are {sizes}; "
                "every tensor needs one entry per sample"
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given ``lengths``: counts summing to
    ``len(dataset)``, or fractions summing to 1 (the samples left over by flooring go one each to the
    first subsets, as in PyTorch)."""
    check_generator("random_split", generator)
    counts = _split_counts(len(dataset), list(lengths))
    order = rng(generator).permutation(len(dataset)).tolist()
    subsets, start = [], 0
    for count in counts:
        subsets.append(Subset(dataset, order[start : start + count]))
        start += count
    return subsets


def _split_counts(total, lengths):
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        return _counts_from_fractions(total, lengths)
    if not all(isinstance(n, numbers.Integral) and n >= 0 for n in lengths):
        raise ValueError(
            "random_split: lengths must be non-negative integer counts or fractions summing to 1, "
            f"got {lengths}"
        )
    if sum(lengths) != total:
        raise ValueError(
            f"random_split: the lengths {lengths} sum to {sum(lengths)}, but the dataset has {total} samples"
        )
    return [int(n) for n in lengths]


def _counts_from_fractions(total, fractions):
    if any(not 0 <= f <= 1 for f in fractions):
        raise ValueError(f"random_split: every fraction must lie in [0, 1], got {fractions}")
    counts = [math.floor(total * f) for f in fractions]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def check_generator(owner, generator):
    """Raise ``TypeError`` unless ``generator`` is None or a ``gradviz.random.Generator``."""
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(
            f"{owner}: generator must be a gradviz.random.Generator, got {type(generator).__name__}; "
            "make one with gradviz.Generator(seed)"
        )
