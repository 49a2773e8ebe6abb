"""``DataLoader``: turns a dataset into batches, one per iteration; one pass over all batches is an epoch.

With the default collate and a ``TensorDataset`` (also inside ``Subset``s from ``random_split``), a batch
is one indexing op per tensor with the whole batch of row numbers, instead of fetching samples one by one
and stacking them: an epoch of the digits at batch size 64 then takes a few milliseconds.
"""

import collections.abc
import copy
import math
import numbers

import numpy as np

from ..autograd.tensor import Tensor
from ..creation import from_numpy, tensor
from ..dtypes import float64
from ..ops.shape import stack
from ..random import rng
from .dataset import Subset, TensorDataset, check_generator


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples.

    ``shuffle`` draws a new order every epoch from ``generator`` (a ``gradviz.random.Generator``) or the
    global one, so ``gv.manual_seed`` or a seeded generator makes the order reproducible. ``drop_last``
    skips a final incomplete batch. ``collate_fn`` merges a list of samples into a batch
    (``default_collate`` when None). With ``batch_size=None`` the samples come one at a time, each passed
    through ``collate_fn`` (``default_convert`` when None), as in PyTorch.
    """

    def __init__(
        self, dataset, batch_size=1, shuffle=False, *, drop_last=False, collate_fn=None, generator=None
    ):
        _check_batch_size(batch_size, drop_last)
        check_generator("DataLoader", generator)
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator

    def __len__(self):
        """The number of batches (iterations) in one epoch."""
        if self.batch_size is None:
            return len(self.dataset)
        if self.drop_last:
            return len(self.dataset) // self.batch_size
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        return self._samples() if self.batch_size is None else self._batches()

    def _samples(self):
        convert = self.collate_fn or default_convert
        for index in self._order().tolist():
            yield convert(self.dataset[index])

    def _batches(self):
        fetch = self._fetcher()
        for indices in self._batch_indices():
            yield fetch(indices)

    def _order(self):
        n = len(self.dataset)
        return rng(self.generator).permutation(n) if self.shuffle else np.arange(n)

    def _batch_indices(self):
        order = self._order()
        stop = len(self) * self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield order[start : start + self.batch_size]

    def _fetcher(self):
        source = None if self.collate_fn is not None else _tensor_rows(self.dataset)
        if source is None:
            collate = self.collate_fn or default_collate
            return lambda indices: collate([self.dataset[i] for i in indices.tolist()])
        tensors, rows = source
        if rows is None:
            return lambda indices: [t[indices] for t in tensors]
        return lambda indices: [t[rows[indices]] for t in tensors]


def _check_batch_size(batch_size, drop_last):
    if batch_size is None:
        if drop_last:
            raise ValueError(
                "DataLoader: batch_size=None loads samples one at a time, so there is no last batch to drop; "
                "leave drop_last=False or give a batch_size"
            )
        return
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(
            f"DataLoader: batch_size must be a positive integer (or None for single samples), "
            f"got {batch_size!r}"
        )


def _plain(dataset, cls):
    """Whether ``dataset`` is a ``cls`` whose samples come from ``cls.__getitem__`` itself."""
    return isinstance(dataset, cls) and type(dataset).__getitem__ is cls.__getitem__


def _tensor_rows(dataset):
    """``(tensors, rows)`` when every sample of ``dataset`` is row ``rows[i]`` (row ``i`` when ``rows`` is
    None) of a TensorDataset's tensors, seen through any number of Subsets with integer indices; None
    otherwise (then samples are fetched one by one, which refuses float indices as PyTorch does)."""
    rows = None
    while _plain(dataset, Subset):
        indices = np.asarray(dataset.indices)
        if indices.size and indices.dtype.kind not in "iu":
            return None
        indices = indices.astype(np.int64)
        rows = indices if rows is None else indices[rows]
        dataset = dataset.dataset
    if _plain(dataset, TensorDataset):
        return dataset.tensors, rows
    return None


def default_collate(batch):
    """Merge a list of samples into a batch, the way PyTorch's ``default_collate`` does: tensors and numpy
    arrays are stacked along a new first dimension; Python floats become a float64 tensor, ints int64 and
    bools bool; strings are returned as given (a tuple when they are a field of tuple samples); dicts,
    namedtuples, tuples and lists are collated field by field (tuples and lists come back as lists)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch)
    if isinstance(elem, np.ndarray):
        return from_numpy(np.stack(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, np.generic):
        return tensor(np.array(batch))
    if isinstance(elem, numbers.Number):
        return _collate_numbers(batch)
    if isinstance(elem, collections.abc.Mapping):
        return _collate_mapping(batch)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        return _collate_sequences(batch)
    raise TypeError(
        "default_collate: a batch must hold tensors, numpy arrays, numbers, strings, or dicts/lists/tuples "
        f"of them; found {type(elem).__name__}. Pass a collate_fn to DataLoader for other samples."
    )


def _collate_numbers(batch):
    """A batch starting with a float is float64; otherwise the dtype is inferred from all the numbers (bools,
    int64, or the default float dtype when ints and floats mix), as in PyTorch."""
    if isinstance(batch[0], numbers.Integral):
        return tensor(batch)
    return tensor(batch, dtype=float64)


def _collate_mapping(batch):
    return _mapping_like(
        batch[0], {key: default_collate([sample[key] for sample in batch]) for key in batch[0]}
    )


def _mapping_like(mapping, values):
    """The dict ``values`` as the type of ``mapping``, as PyTorch builds it: a mutable mapping is copied and
    updated (so a defaultdict keeps its factory), another is rebuilt from ``values``; a plain dict when the
    type refuses."""
    try:
        if isinstance(mapping, collections.abc.MutableMapping):
            clone = copy.copy(mapping)
            clone.update(values)
            return clone
        return type(mapping)(values)
    except TypeError:
        return values


def _collate_sequences(batch):
    sizes = {len(sample) for sample in batch}
    if len(sizes) > 1:
        raise RuntimeError(
            "default_collate: every sample in a batch must have the same number of fields, "
            f"got {sorted(sizes)}"
        )
    return [default_collate(field) for field in zip(*batch)]


def default_convert(data):
    """Convert one sample the way PyTorch's ``default_convert`` does (the ``collate_fn`` of a DataLoader with
    ``batch_size=None``): numpy arrays and scalars become tensors, also inside dicts, namedtuples, tuples and
    lists (tuples come back as lists); tensors, Python numbers, strings and string arrays stay as they are."""
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind not in "SUO":
        return from_numpy(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return _mapping_like(data, {key: default_convert(value) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(field) for field in data))
    if isinstance(data, collections.abc.Sequence):
        return [default_convert(field) for field in data]
    return data
