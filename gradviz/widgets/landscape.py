"""A network's loss landscape along two directions, with training paths projected on it (Li et al.,
2018, "Visualizing the Loss Landscape of Neural Nets").

The parameters are flattened into one vector θ. Around a reference point θ* (the final point of a run),
two directions d₁, d₂ span a plane; the loss is evaluated at θ* + a·d₁ + b·d₂ on a small grid of (a, b)
on a fixed batch, and every saved snapshot θᵢ of every run is drawn at the (a, b) that best reproduces
θᵢ − θ*. The directions are either

- ``"pca"``: the two principal directions of the stacked snapshots relative to θ* (the paper's choice
  for trajectories: random directions in millions of dimensions are nearly orthogonal to any path), or
- ``"random"``: Gaussian directions, filter-normalised — each filter (slice along the first axis) of a
  direction scaled to the norm of the same filter of the weights, 1-D parameters (biases, norm scales)
  left out — so the picture does not depend on the scale invariance of the weights.
"""

from dataclasses import dataclass

import numpy as np

from ..autograd.grad_mode import no_grad
from ..backend import to_host
from ..creation import from_numpy


def flatten_parameters(model):
    """All parameters of ``model`` as one float64 host vector, in ``model.parameters()`` order."""
    return np.concatenate([to_host(p._data).astype(np.float64).ravel() for p in model.parameters()])


def load_parameters(model, vector):
    """Write a flat vector (from :func:`flatten_parameters`) back into ``model``'s parameters."""
    offset = 0
    with no_grad():
        for param in model.parameters():
            size = param.numel()
            chunk = np.ascontiguousarray(vector[offset : offset + size].reshape(param.shape))
            param.copy_(from_numpy(chunk))
            offset += size


def pca_directions(points, reference):
    """The two orthonormal directions along which ``points`` (one flattened snapshot per row) move most
    relative to ``reference``, and the share of that motion each explains."""
    _, singular, right = np.linalg.svd(points - reference, full_matrices=False)
    explained = singular**2 / max(float(np.sum(singular**2)), 1e-300)
    directions = np.zeros((2, points.shape[1]))
    directions[: len(right)] = right[:2]
    return directions, np.pad(explained[:2], (0, max(0, 2 - len(explained))))


def random_directions(model, seed=0):
    """Two Gaussian directions, filter-normalised to ``model``'s weights (Li et al., section 4)."""
    rng = np.random.default_rng(seed)
    return np.stack([_filter_normalized(model, rng) for _ in range(2)])


def _filter_normalized(model, rng):
    pieces = []
    for param in model.parameters():
        weights = np.asarray(to_host(param._data), dtype=np.float64)
        if weights.ndim <= 1:
            pieces.append(np.zeros(weights.size))
            continue
        direction = rng.standard_normal(weights.shape)
        axes = tuple(range(1, weights.ndim))
        scale = np.linalg.norm(weights, axis=axes, keepdims=True) / (
            np.linalg.norm(direction, axis=axes, keepdims=True) + 1e-10
        )
        pieces.append((direction * scale).ravel())
    return np.concatenate(pieces)


def project(points, reference, directions):
    """The (a, b) for each row of ``points`` such that reference + a·d₁ + b·d₂ is closest to it (the
    components along the directions when they are orthonormal)."""
    coefficients, *_ = np.linalg.lstsq(directions.T, (np.atleast_2d(points) - reference).T, rcond=None)
    return coefficients.T


def loss_grid(model, loss_fn, batch, reference, directions, alphas, betas):
    """``losses[j, i]`` = the loss on ``batch`` at reference + alphas[i]·d₁ + betas[j]·d₂, in eval mode.

    The model's own parameters and train/eval mode are restored afterwards.
    """
    inputs, targets = batch
    original, was_training = flatten_parameters(model), model.training
    model.eval()
    losses = np.empty((len(betas), len(alphas)))
    try:
        with no_grad():
            for j, beta in enumerate(betas):
                for i, alpha in enumerate(alphas):
                    load_parameters(model, reference + alpha * directions[0] + beta * directions[1])
                    losses[j, i] = loss_fn(model(inputs), targets).item()
    finally:
        load_parameters(model, original)
        model.train(was_training)
    return losses


@dataclass
class Landscape:
    """What the view draws: the grid axes, the losses on it, and each run's projected path."""

    alphas: np.ndarray
    betas: np.ndarray
    losses: np.ndarray
    paths: dict
    explained: tuple | None
    reference: np.ndarray
    directions: np.ndarray


def build(model, loss_fn, batch, paths, reference, resolution=15, directions="pca", seed=0, margin=1.25):
    """A :class:`Landscape` for ``paths`` ({name: snapshots as rows}) around ``reference``.

    The grid is centred on the reference (an odd ``resolution`` puts it exactly at the centre) and
    reaches ``margin`` times the farthest projected snapshot along each direction.
    """
    if directions == "pca":
        vectors, explained = pca_directions(np.concatenate(list(paths.values())), reference)
    elif directions == "random":
        load_parameters(model, reference)
        vectors, explained = random_directions(model, seed), None
    else:
        raise ValueError(f"directions must be 'pca' or 'random', not {directions!r}")
    projected = {name: project(points, reference, vectors) for name, points in paths.items()}
    reach = np.max(np.abs(np.concatenate(list(projected.values()))), axis=0)
    span = margin * np.where(reach > 0, reach, 1.0)
    resolution = resolution + (1 - resolution % 2)
    alphas = np.linspace(-span[0], span[0], resolution)
    betas = np.linspace(-span[1], span[1], resolution)
    losses = loss_grid(model, loss_fn, batch, reference, vectors, alphas, betas)
    return Landscape(alphas, betas, losses, projected, explained, reference, vectors)
