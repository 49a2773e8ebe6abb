"""The built-in data sets: digits, 2-D toy sets, sequence tasks and the toy sentiment set."""

import collections
from importlib import resources

import numpy as np
import pytest

import gradviz as gv
from gradviz.data import DataLoader
from gradviz.data.datasets import Digits, SentimentToy, SequenceTask, blobs, circles, moons, spirals, xor

UCI_CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def class_counts(labels, classes):
    return np.bincount(labels.numpy(), minlength=classes).tolist()


# ---- digits ----


def test_digits_file_is_small_plain_uint8_arrays():
    path = resources.files("gradviz.data.datasets").joinpath("digits.npz")
    assert len(path.read_bytes()) < 100_000
    with path.open("rb") as file, np.load(file, allow_pickle=False) as arrays:
        assert sorted(arrays.files) == ["images", "labels", "test"]
        assert arrays["images"].dtype == np.uint8 and arrays["labels"].dtype == np.uint8
        assert arrays["images"].shape == (1797, 8, 8) and arrays["images"].max() == 16


@pytest.mark.parametrize("train, size", [(True, 1437), (False, 360)])
def test_digits_shapes_dtypes_and_range(train, size):
    ds = Digits(train=train)
    assert len(ds) == size
    assert ds.data.shape == (size, 1, 8, 8) and ds.data.dtype == gv.float32
    assert ds.targets.shape == (size,) and ds.targets.dtype == gv.int64
    pixels = ds.data.numpy()
    assert pixels.min() == 0.0 and pixels.max() == 1.0
    assert np.array_equal(pixels * 16, np.round(pixels * 16))
    image, label = ds[0]
    assert image.shape == (1, 8, 8) and 0 <= label.item() <= 9


def test_digits_split_is_stratified_and_complete():
    train, test = class_counts(Digits().targets, 10), class_counts(Digits(train=False).targets, 10)
    assert [a + b for a, b in zip(train, test)] == UCI_CLASS_COUNTS
    for in_test, total in zip(test, UCI_CLASS_COUNTS):
        assert abs(in_test - 0.2 * total) < 1


def samples(ds):
    """Each sample as bytes (the data set holds no duplicates, so sets of these compare splits)."""
    return {image.tobytes() + bytes([label]) for image, label in zip(ds.data.numpy(), ds.targets.numpy())}


def test_digits_split_is_fixed_and_disjoint():
    test, again = Digits(train=False), Digits(train=False)
    assert np.array_equal(test.data.numpy(), again.data.numpy())
    train_samples, test_samples = samples(Digits()), samples(test)
    assert (len(train_samples), len(test_samples)) == (1437, 360)
    assert not train_samples & test_samples


def test_digits_batches_for_a_classifier():
    x, y = next(iter(DataLoader(Digits(), batch_size=64, shuffle=True)))
    assert x.shape == (64, 1, 8, 8) and y.shape == (64,)


# ---- toy 2-D sets ----


@pytest.mark.parametrize(
    "make, size, counts",
    [
        (moons, 200, [100, 100]),
        (circles, 200, [100, 100]),
        (spirals, 300, [100, 100, 100]),
        (xor, 200, [100, 100]),
        (blobs, 200, [67, 67, 66]),
    ],
)
def test_toy_sets_shapes_dtypes_and_label_counts(make, size, counts):
    ds = make()
    points, labels = ds.tensors
    assert points.shape == (size, 2) and points.dtype == gv.float32
    assert labels.shape == (size,) and labels.dtype == gv.int64
    assert class_counts(labels, len(counts)) == counts
    assert np.array_equal(points.numpy(), make().tensors[0].numpy())
    assert not np.array_equal(points.numpy(), make(seed=1).tensors[0].numpy())
    assert labels.numpy()[:20].tolist() != sorted(labels.numpy()[:20].tolist())


def test_toy_sets_take_their_size_arguments():
    assert class_counts(spirals(n_samples=101, classes=4).tensors[1], 4) == [26, 25, 25, 25]
    assert class_counts(blobs(n_samples=50, centers=5).tensors[1], 5) == [10] * 5


def test_circles_without_noise_lie_on_their_radii():
    points, labels = circles(noise=0.0, factor=0.3).tensors
    radius = np.linalg.norm(points.numpy(), axis=1)
    assert np.allclose(radius[labels.numpy() == 0], 1.0, atol=1e-6)
    assert np.allclose(radius[labels.numpy() == 1], 0.3, atol=1e-6)


def test_xor_labels_mark_opposite_signs():
    points, labels = xor(noise=0.0).tensors
    x, y = points.numpy().T
    assert np.array_equal(labels.numpy(), (x * y < 0).astype(np.int64))


def test_blobs_gather_around_given_centers():
    points, labels = blobs(n_samples=30, centers=[[5.0, 5.0], [-5.0, 0.0]], std=0.1).tensors
    means = [points.numpy()[labels.numpy() == c].mean(axis=0) for c in (0, 1)]
    assert np.allclose(means, [[5.0, 5.0], [-5.0, 0.0]], atol=0.1)


def test_moons_are_two_half_circles():
    points, labels = moons(noise=0.0).tensors
    outer = points.numpy()[labels.numpy() == 0]
    inner = points.numpy()[labels.numpy() == 1] - [1.0, 0.5]
    assert np.allclose(np.linalg.norm(outer, axis=1), 1.0, atol=1e-6) and (outer[:, 1] >= -1e-6).all()
    assert np.allclose(np.linalg.norm(inner, axis=1), 1.0, atol=1e-6) and (inner[:, 1] <= 1e-6).all()


# ---- sequence tasks ----


def split_rows(task):
    source, target = task.tensors
    return source.numpy(), target.numpy(), task.lengths.numpy()


@pytest.mark.parametrize("kind", ["copy", "reverse", "sort"])
def test_sequence_targets_are_framed_and_padded(kind):
    task = SequenceTask(kind, n_samples=200, min_len=3, max_len=8, vocab_size=10)
    sources, targets, lengths = split_rows(task)
    assert sources.shape == (200, 9) and targets.shape == (200, 10)
    assert task.tensors[0].dtype == gv.int64 and task.tensors[1].dtype == gv.int64
    for source, target, n in zip(sources, targets, lengths):
        assert ((source[:n] >= 3) & (source[:n] <= 12)).all() and source[n] == task.eos_id
        assert (source[n + 1 :] == task.pad_id).all()
        assert target[0] == task.bos_id and target[n + 1] == task.eos_id
        assert (target[n + 2 :] == task.pad_id).all()
    assert set(lengths.tolist()) == set(range(3, 9))


@pytest.mark.parametrize("kind, answer", [("copy", list), ("reverse", lambda s: s[::-1]), ("sort", sorted)])
def test_sequence_answers_are_copied_reversed_or_sorted(kind, answer):
    task = SequenceTask(kind, n_samples=100, seed=3)
    for source, target in task:
        tokens = task.decode(source)
        assert task.decode(target) == answer(tokens)
    assert any(task.decode(s) != task.decode(t) for s, t in task) == (kind != "copy")


def test_sequence_task_attributes_and_decode():
    task = SequenceTask("copy", vocab_size=5)
    assert (task.pad_id, task.bos_id, task.eos_id, task.vocab_size) == (0, 1, 2, 8)
    assert int(task.tensors[0].numpy().max()) == 7
    assert task.decode([1, 5, 6, 2, 7, 0]) == [5, 6]
    assert task.decode(gv.tensor([[1, 3, 2], [4, 0, 0]])) == [[3], [4]]
    with pytest.raises(ValueError, match="kind"):
        SequenceTask("shuffle")


# ---- toy sentiment ----


def test_sentiment_labels_follow_the_planted_words():
    ds = SentimentToy(n_samples=400)
    positive, negative = set(ds.vocab[-12:-6]), set(ds.vocab[-6:])
    first_positions = collections.Counter()
    for (ids, label), length in zip(ds, ds.lengths.tolist()):
        words = ds.words(ids)
        assert len(words) == length and 5 <= length <= 12
        planted = [i for i, w in enumerate(words) if w in positive | negative]
        assert 1 <= len(planted) <= 2
        expected = positive if label.item() == 1 else negative
        assert all(words[i] in expected for i in planted)
        first_positions[planted[0]] += 1
    assert len(first_positions) >= 8


def test_sentiment_tensors_vocab_and_balance():
    ds = SentimentToy()
    ids, labels = ds.tensors
    assert ids.shape == (1000, 12) and ids.dtype == gv.int64 and labels.dtype == gv.int64
    assert ds.vocab[0] == "<pad>" and len(set(ds.vocab)) == len(ds.vocab)
    assert class_counts(labels, 2) == [500, 500]
    padded = np.arange(12)[None, :] >= ds.lengths.numpy()[:, None]
    assert (ids.numpy()[padded] == 0).all() and (ids.numpy()[~padded] != 0).all()
    assert np.array_equal(ids.numpy(), SentimentToy().tensors[0].numpy())
