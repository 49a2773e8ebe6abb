"""DataLoader, default_collate, TensorDataset, Subset and random_split."""

import collections
import time

import numpy as np
import pytest
import torch
import torch.utils.data as torch_data

import gradviz as gv
from gradviz import backend
from gradviz.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    default_convert,
    random_split,
)
from gradviz.data.datasets import Digits


def numbered(n, device="cpu"):
    """Sample i is (i as a float row of 2, i as a label): easy to trace through batching."""
    values = np.arange(n)
    rows = np.stack([values, values * 10], axis=1).astype(np.float32)
    return TensorDataset(gv.tensor(rows, device=device), gv.tensor(values, device=device))


def labels_of(loader):
    return [batch[1].tolist() for batch in loader]


class Records(Dataset):
    """A dataset of dict samples, fetched one at a time."""

    def __len__(self):
        return 5

    def __getitem__(self, index):
        return {"x": gv.full((2,), float(index)), "y": index, "name": f"s{index}"}


def test_tensor_dataset_gives_samples_and_checks_first_dims():
    ds = numbered(4)
    x, y = ds[2]
    assert len(ds) == 4 and x.tolist() == [2.0, 20.0] and y.item() == 2
    with pytest.raises(ValueError, match=r"size mismatch.*\[4, 3\]"):
        TensorDataset(gv.zeros(4, 2), gv.zeros(3))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()


def test_batches_in_order_with_a_short_last_batch():
    loader = DataLoader(numbered(10), batch_size=3)
    assert len(loader) == 4
    assert labels_of(loader) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    x, y = next(iter(loader))
    assert x.shape == (3, 2) and x.dtype == gv.float32 and y.dtype == gv.int64


def test_drop_last_skips_the_incomplete_batch():
    loader = DataLoader(numbered(10), batch_size=3, drop_last=True)
    assert len(loader) == 3
    assert labels_of(loader) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(DataLoader(numbered(9), batch_size=3, drop_last=True)) == 3


def test_len_matches_pytorch():
    for n, size, drop in [(10, 3, False), (10, 3, True), (9, 3, False), (2, 5, False), (2, 5, True)]:
        expected = len(torch_data.DataLoader(range(n), batch_size=size, drop_last=drop))
        assert len(DataLoader(numbered(n), batch_size=size, drop_last=drop)) == expected


def test_shuffle_with_a_seeded_generator_is_reproducible_and_new_each_epoch():
    first = DataLoader(numbered(20), batch_size=4, shuffle=True, generator=gv.Generator(7))
    second = DataLoader(numbered(20), batch_size=4, shuffle=True, generator=gv.Generator(7))
    epoch_one, epoch_two = labels_of(first), labels_of(first)
    assert epoch_one == labels_of(second)
    assert epoch_one != epoch_two
    for epoch in (epoch_one, epoch_two):
        assert sorted(sum(epoch, [])) == list(range(20))
        assert sum(epoch, []) != list(range(20))


def test_shuffle_follows_the_global_seed():
    loader = DataLoader(numbered(20), batch_size=5, shuffle=True)
    gv.manual_seed(3)
    once = labels_of(loader)
    gv.manual_seed(3)
    assert labels_of(loader) == once


def test_the_whole_batch_fast_path_matches_sample_by_sample_collation():
    ds = numbered(23)
    nested = Subset(Subset(ds, list(range(3, 23))), list(range(19, -1, -2)))
    for dataset in (ds, nested):
        fast = DataLoader(dataset, batch_size=4, shuffle=True, generator=gv.Generator(1))
        slow = DataLoader(
            dataset, batch_size=4, shuffle=True, generator=gv.Generator(1), collate_fn=default_collate
        )
        for (fx, fy), (sx, sy) in zip(fast, slow, strict=True):
            assert fx.tolist() == sx.tolist() and fy.tolist() == sy.tolist()


def test_subset_float_indices_are_refused_like_pytorch():
    """The whole-batch path cast a Subset's indices to int64, so index 1.5 silently became row 1."""
    with pytest.raises(IndexError):
        reference = torch_data.TensorDataset(torch.arange(5.0))
        list(torch_data.DataLoader(torch_data.Subset(reference, [1.5, 2.0]), batch_size=2))
    with pytest.raises(IndexError, match="integers"):
        list(DataLoader(Subset(numbered(5), [1.5, 2.0]), batch_size=2))


def test_tensor_datasets_are_batched_without_fetching_single_samples(monkeypatch):
    def refuse(self, index):
        raise AssertionError("the fast path must not fetch samples one by one")

    monkeypatch.setattr(TensorDataset, "__getitem__", refuse)
    train, _ = random_split(numbered(12), [8, 4], generator=gv.Generator(0))
    assert sum(len(y) for _, y in DataLoader(train, batch_size=3)) == 8


def test_a_subclass_with_its_own_getitem_is_fetched_sample_by_sample():
    class Doubled(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x * 2, y

    x, _ = next(iter(DataLoader(Doubled(*numbered(4).tensors), batch_size=4)))
    assert x[:, 0].tolist() == [0.0, 2.0, 4.0, 6.0]


def test_batches_stay_on_the_simulated_device():
    x, y = next(iter(DataLoader(numbered(6, device="sim"), batch_size=4, shuffle=True)))
    assert x.device == "sim" and y.device == "sim"
    assert sorted(backend.to_host(y._data).tolist()) == sorted(set(backend.to_host(y._data).tolist()))


def test_a_digits_epoch_at_batch_64_takes_milliseconds():
    loader = DataLoader(Digits(), batch_size=64, shuffle=True)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        batches = sum(1 for _ in loader)
        timings.append(time.perf_counter() - start)
    assert batches == 23
    assert min(timings) < 0.02


def test_collate_dicts_of_tensors_numbers_and_strings():
    batch = next(iter(DataLoader(Records(), batch_size=3)))
    assert set(batch) == {"x", "y", "name"}
    assert batch["x"].shape == (3, 2) and batch["x"][:, 0].tolist() == [0.0, 1.0, 2.0]
    assert batch["y"].tolist() == [0, 1, 2] and batch["y"].dtype == gv.int64
    assert batch["name"] == ["s0", "s1", "s2"]


def test_collate_tuples_become_lists_of_batches_like_pytorch():
    samples = [(gv.tensor([1.0, 2.0]), 0.5, True), (gv.tensor([3.0, 4.0]), 1.5, False)]
    batch = default_collate(samples)
    reference = torch_data.default_collate([(torch.tensor(s[0].tolist()), s[1], s[2]) for s in samples])
    assert isinstance(batch, list) and isinstance(reference, list)
    assert batch[0].tolist() == reference[0].tolist()
    assert [b.dtype.name for b in batch[1:]] == [str(r.dtype).removeprefix("torch.") for r in reference[1:]]
    assert batch[1].tolist() == [0.5, 1.5] and batch[2].tolist() == [True, False]


def test_collate_ints_numpy_and_namedtuples():
    Point = collections.namedtuple("Point", ["xy", "label"])
    batch = default_collate(
        [Point(np.array([1, 2], dtype=np.int32), 3), Point(np.array([4, 5], np.int32), 6)]
    )
    assert isinstance(batch, Point)
    assert batch.xy.dtype == gv.int32 and batch.xy.tolist() == [[1, 2], [4, 5]]
    assert batch.label.dtype == gv.int64 and batch.label.tolist() == [3, 6]
    scalars = default_collate([np.float64(0.25), np.float64(0.5)])
    assert scalars.dtype == gv.float64 and scalars.tolist() == [0.25, 0.5]


@pytest.mark.parametrize("numbers", [[1, 2.5], [True, 1], [True, False], [1, 2], [1.5, 2]])
def test_collate_numbers_of_mixed_types_like_pytorch(numbers):
    """PyTorch infers the dtype of a batch that starts with an int or bool, so [1, 2.5] stays float."""
    batch, reference = default_collate(numbers), torch_data.default_collate(numbers)
    assert batch.dtype.name == str(reference.dtype).removeprefix("torch.")
    assert batch.tolist() == reference.tolist()


Named = collections.namedtuple("Named", ["label", "name"])


@pytest.mark.parametrize(
    "samples, names",
    [
        ([(1, "a"), (2, "b")], lambda batch: batch[1]),
        ([Named(1, "a"), Named(2, "b")], lambda batch: batch.name),
        ([{"name": "a"}, {"name": "b"}], lambda batch: batch["name"]),
        (["a", "b"], lambda batch: batch),
        ([(1, np.str_("cat")), (2, np.str_("dog"))], lambda batch: batch[1]),
    ],
)
def test_collate_keeps_strings_as_pytorch_passes_them(samples, names):
    """PyTorch returns a field of strings as it gets it: a tuple from tuple samples, a list from dicts."""
    ours, theirs = names(default_collate(samples)), names(torch_data.default_collate(samples))
    assert type(ours) is type(theirs) and ours == theirs


def test_collate_and_convert_keep_a_defaultdict_like_pytorch():
    """PyTorch copies a mutable mapping and updates it, so a defaultdict keeps its type and factory."""
    samples = [collections.defaultdict(list, a=1), collections.defaultdict(list, a=2)]
    batch, reference = default_collate(samples), torch_data.default_collate(samples)
    assert type(batch) is type(reference) and batch.default_factory is reference.default_factory is list
    assert batch["a"].tolist() == reference["a"].tolist()
    sample, reference = default_convert(samples[0]), torch_data.default_convert(samples[0])
    assert type(sample) is type(reference) and sample.default_factory is list and sample == reference


def test_collate_refuses_ragged_or_unknown_samples():
    with pytest.raises(RuntimeError, match="same number of fields"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="collate_fn"):
        default_collate([object(), object()])


class Mixed(Dataset):
    """Samples mixing a numpy array, a Python int and a string, fetched one at a time."""

    def __len__(self):
        return 4

    def __getitem__(self, index):
        return {"x": np.full(2, float(index)), "label": (index, f"s{index}")}


def test_batch_size_none_yields_converted_samples_like_pytorch():
    ours = list(DataLoader(Mixed(), batch_size=None))
    theirs = list(torch_data.DataLoader(Mixed(), batch_size=None))
    assert len(DataLoader(Mixed(), batch_size=None)) == len(theirs) == 4
    for mine, reference in zip(ours, theirs, strict=True):
        assert isinstance(mine["x"], gv.Tensor) and mine["x"].tolist() == reference["x"].tolist()
        assert mine["label"] == reference["label"] == [reference["label"][0], reference["label"][1]]
    samples = list(DataLoader(numbered(5), batch_size=None, shuffle=True, generator=gv.Generator(0)))
    assert sorted(label.item() for _, label in samples) == list(range(5))
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(numbered(3), batch_size=None, drop_last=True)


def test_loader_rejects_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(numbered(3), batch_size=0)
    with pytest.raises(TypeError, match="Generator"):
        DataLoader(numbered(3), shuffle=True, generator=42)


def test_arguments_after_shuffle_are_keyword_only():
    """PyTorch's fourth positional argument is ``sampler``; gradviz took it as ``drop_last`` and silently
    dropped the last batch. It has no sampler, so it must refuse the argument instead."""
    order = [4, 3, 2, 1, 0]
    assert [batch.tolist() for batch in torch_data.DataLoader(range(5), 2, False, order)] == [
        [4, 3],
        [2, 1],
        [0],
    ]
    with pytest.raises(TypeError, match="positional"):
        DataLoader(numbered(5), 2, False, order)


def test_random_split_counts_are_disjoint_and_cover_the_dataset():
    ds = numbered(10)
    parts = random_split(ds, [7, 3], generator=gv.Generator(0))
    assert [len(p) for p in parts] == [7, 3]
    labels = [[p[i][1].item() for i in range(len(p))] for p in parts]
    assert not set(labels[0]) & set(labels[1])
    assert sorted(labels[0] + labels[1]) == list(range(10))


def test_random_split_fractions_give_pytorchs_sizes():
    for n, fractions in [(11, [0.5, 0.3, 0.2]), (1797, [0.8, 0.2]), (7, [0.25, 0.25, 0.5])]:
        ours = random_split(numbered(n), fractions, generator=gv.Generator(0))
        theirs = torch_data.random_split(range(n), fractions)
        assert [len(p) for p in ours] == [len(p) for p in theirs]


@pytest.mark.parametrize("generator", [42, torch.Generator()])
def test_random_split_refuses_a_generator_that_is_not_gradvizs(generator):
    """PyTorch raises TypeError for a generator that is not its own; gradviz raised AttributeError."""
    with pytest.raises(TypeError, match="random_split: generator must be a gradviz.random.Generator"):
        random_split(numbered(5), [3, 2], generator=generator)
    with pytest.raises(TypeError):
        torch_data.random_split(range(5), [3, 2], generator=42)


def test_random_split_is_reproducible_and_validates_lengths():
    def indices(seed):
        return [p.indices for p in random_split(numbered(10), [0.5, 0.5], generator=gv.Generator(seed))]

    assert indices(4) == indices(4) and indices(4) != indices(5)
    with pytest.raises(ValueError, match="sum to 9"):
        random_split(numbered(10), [6, 3])
    with pytest.raises(ValueError, match="fraction"):
        random_split(numbered(10), [1.5, -0.5])


def test_subset_reads_through_to_its_dataset():
    sub = Subset(numbered(10), [9, 2, 5])
    assert len(sub) == 3 and sub[1][1].item() == 2
    assert sub[[0, 2]][1].tolist() == [9, 5]
