"""Two-dimensional toy classification sets for drawing decision boundaries.

Each function returns a ``TensorDataset`` of float32 points of shape (N, 2) and int64 labels, shuffled,
with the classes as equal in size as ``n_samples`` allows. The same ``seed`` always gives the same set.
"""

import numpy as np

from ...creation import from_numpy
from ..dataset import TensorDataset


def moons(n_samples=200, noise=0.1, seed=0):
    """Two interleaving half circles (scikit-learn's ``make_moons`` layout)."""
    rng = np.random.default_rng(seed)
    outer, inner = _class_sizes(n_samples, 2)
    t_outer = np.linspace(0, np.pi, outer)
    t_inner = np.linspace(0, np.pi, inner)
    points = np.concatenate(
        [
            np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
            np.stack([1 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1),
        ]
    )
    return _dataset(points, [outer, inner], noise, rng)


def circles(n_samples=200, noise=0.05, factor=0.5, seed=0):
    """A circle of radius 1 (label 0) around one of radius ``factor`` (label 1)."""
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must lie strictly between 0 and 1, got {factor}")
    rng = np.random.default_rng(seed)
    outer, inner = _class_sizes(n_samples, 2)
    points = np.concatenate([_ring(outer, 1.0), _ring(inner, factor)])
    return _dataset(points, [outer, inner], noise, rng)


def spirals(n_samples=300, classes=3, noise=0.2, seed=0):
    """``classes`` spiral arms winding out from the centre; ``noise`` jitters each point's angle."""
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n_samples, classes)
    arms = []
    for arm, size in enumerate(sizes):
        radius = np.linspace(0.0, 1.0, size)
        angle = np.linspace(arm * 4.0, (arm + 1) * 4.0, size) + rng.standard_normal(size) * noise
        arms.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
    return _dataset(np.concatenate(arms), sizes, 0.0, rng)


def xor(n_samples=200, noise=0.1, seed=0):
    """Points in the four quadrants of [-1, 1]²; label 1 where x and y have opposite signs."""
    rng = np.random.default_rng(seed)
    same, opposite = _class_sizes(n_samples, 2)
    quadrant = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    signs = np.concatenate([quadrant[np.arange(same) % 2], quadrant[2 + np.arange(opposite) % 2]])
    points = signs * rng.uniform(0.05, 1.0, size=(n_samples, 2))
    return _dataset(points, [same, opposite], noise, rng)


def blobs(n_samples=200, centers=3, std=0.5, seed=0):
    """Gaussian clusters of spread ``std``: ``centers`` is a count (centres evenly spaced on a circle of
    radius 2) or a list of (x, y) centres."""
    rng = np.random.default_rng(seed)
    if np.ndim(centers) == 0:
        angle = 2 * np.pi * np.arange(int(centers)) / int(centers)
        centers = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[1] != 2:
        raise ValueError(
            f"blobs: centers must be a count or a list of (x, y) pairs, got shape {centers.shape}"
        )
    sizes = _class_sizes(n_samples, len(centers))
    points = np.repeat(centers, sizes, axis=0)
    return _dataset(points, sizes, std, rng)


def _class_sizes(n_samples, classes):
    """``n_samples`` split into ``classes`` near-equal counts (the first classes take the remainder)."""
    if n_samples < classes or classes < 1:
        raise ValueError(f"need at least one sample per class: n_samples={n_samples}, classes={classes}")
    base, extra = divmod(n_samples, classes)
    return [base + (c < extra) for c in range(classes)]


def _ring(size, radius):
    angle = np.linspace(0, 2 * np.pi, size, endpoint=False)
    return radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def _dataset(points, sizes, noise, rng):
    """Label the points class by class (``sizes`` of each), add Gaussian ``noise``, shuffle."""
    labels = np.repeat(np.arange(len(sizes)), sizes)
    points = points + rng.standard_normal(points.shape) * noise
    order = rng.permutation(len(labels))
    return TensorDataset(
        from_numpy(points[order].astype(np.float32)), from_numpy(labels[order].astype(np.int64))
    )
