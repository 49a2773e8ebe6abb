"""The loss landscape of a real model (Li et al. 2018) and the ModelRace that draws it."""

import numpy as np
import pytest

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import nn
from gradviz.optim import SGD, Adam
from gradviz.widgets import landscape
from gradviz.widgets.optimizer_race import ModelRace
from gradviz.widgets.race import TrainingRace


def small_model():
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))


def loader():
    return gv.data.DataLoader(gv.data.datasets.moons(n_samples=64), batch_size=16, shuffle=True)


OPTIMIZERS = {"SGD": (SGD, {"lr": 0.1}), "Adam": (Adam, {"lr": 0.01})}


def test_flatten_and_load_parameters_round_trip():
    gv.manual_seed(0)
    model = small_model()
    vector = landscape.flatten_parameters(model)
    assert vector.shape == (sum(p.numel() for p in model.parameters()),)
    landscape.load_parameters(model, vector * 2)
    assert np.allclose(landscape.flatten_parameters(model), vector * 2)


def test_projection_reproduces_the_components_along_the_directions():
    rng = np.random.default_rng(0)
    reference = rng.standard_normal(50)
    directions, _ = landscape.pca_directions(rng.standard_normal((10, 50)), reference)
    assert directions @ directions.T == pytest.approx(np.eye(2))
    components = rng.standard_normal((7, 2))
    points = reference + components @ directions
    assert landscape.project(points, reference, directions) == pytest.approx(components)
    anywhere = rng.standard_normal((5, 50))
    assert landscape.project(anywhere, reference, directions) == pytest.approx(
        (anywhere - reference) @ directions.T
    )


def test_pca_finds_the_plane_a_path_moves_in():
    rng = np.random.default_rng(1)
    plane = np.linalg.qr(rng.standard_normal((30, 2)))[0].T
    reference = rng.standard_normal(30)
    path = reference + rng.standard_normal((12, 2)) * [3.0, 1.0] @ plane
    directions, explained = landscape.pca_directions(path, reference)
    assert np.abs(directions @ plane.T) @ np.ones(2) == pytest.approx(np.ones(2), abs=0.3)
    assert explained.sum() == pytest.approx(1.0)
    assert landscape.project(path, reference, directions) @ directions + reference == pytest.approx(path)


def test_random_directions_are_filter_normalised():
    gv.manual_seed(0)
    model = small_model()
    directions = landscape.random_directions(model, seed=3)
    offset = 0
    for param in model.parameters():
        size = param.numel()
        piece = directions[0, offset : offset + size].reshape(param.shape)
        weights = param.detach().numpy()
        if param.ndim == 1:
            assert not piece.any()
        else:
            assert np.linalg.norm(piece, axis=1) == pytest.approx(np.linalg.norm(weights, axis=1), rel=1e-5)
        offset += size


def test_the_loss_grid_centre_is_the_loss_at_the_reference_point():
    gv.manual_seed(0)
    model = small_model()
    batch = next(iter(loader()))
    reference = landscape.flatten_parameters(model) + 0.1
    paths = {"run": reference + np.random.default_rng(0).standard_normal((6, reference.size))}
    before = landscape.flatten_parameters(model)
    land = landscape.build(model, F.cross_entropy, batch, paths, reference, resolution=6)
    assert land.losses.shape == (7, 7) and land.alphas[3] == 0 and land.betas[3] == 0
    assert np.array_equal(landscape.flatten_parameters(model), before)
    landscape.load_parameters(model, reference)
    with gv.no_grad():
        expected = F.cross_entropy(model(batch[0]), batch[1]).item()
    assert land.losses[3, 3] == pytest.approx(expected, rel=1e-6)
    reach = np.max(np.abs(land.paths["run"]), axis=0)
    assert 1.25 * reach == pytest.approx([land.alphas[-1], land.betas[-1]])  # the default margin


def test_every_run_starts_from_the_same_weights_and_equals_training_by_hand():
    race = TrainingRace(small_model, F.cross_entropy, loader(), OPTIMIZERS, epochs=2, seed=5)
    race.run()
    assert np.array_equal(race.snapshots["SGD"][0], race.snapshots["Adam"][0])
    assert len(race.losses["SGD"]) == race.total_steps == 8
    gv.manual_seed(5)
    model = small_model()
    optimizer = SGD(model.parameters(), lr=0.1)
    losses = []
    data = loader()
    for _ in range(2):
        for inputs, targets in data:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert race.losses["SGD"] == losses
    assert np.array_equal(race.snapshots["SGD"][-1], landscape.flatten_parameters(model))


def test_model_race_draws_losses_and_the_projected_paths():
    view = ModelRace(small_model, F.cross_entropy, loader(), OPTIMIZERS, epochs=2, resolution=5)
    view.plot.send = lambda message: None
    view.run()
    data = view.plot.current["data"]
    for i, name in enumerate(OPTIMIZERS):
        assert data[i]["y"] == pytest.approx(view.race.losses[name])
        path = view.landscape.paths[name]
        assert data[len(OPTIMIZERS) + 1 + i]["x"] == pytest.approx(path[:, 0])
    contour = data[len(OPTIMIZERS)]
    assert np.array(contour["z"]) == pytest.approx(np.log10(view.landscape.losses))
    assert view.landscape.paths["SGD"][-1] == pytest.approx([0.0, 0.0], abs=1e-9)
    assert view.plot.figure == view.plot.current
    assert "PC1" in view.plot.current["layout"]["xaxis2"]["title"]["text"]


def test_model_race_to_html_writes_the_landscape(tmp_path):
    view = ModelRace(small_model, F.cross_entropy, loader(), OPTIMIZERS, resolution=3)
    view.plot.send = lambda message: None
    view.run()
    text = view.to_html(tmp_path / "landscape.html").read_text()
    assert '"contour"' in text and "Adam" in text
    assert repr(float(view.landscape.alphas[-1])) in text
