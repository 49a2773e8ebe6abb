"""gradviz.save / gradviz.load: round trips, devices, and files that are not what they claim to be."""

import io
import json
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import backend
from gradviz.errors import DeviceError
from gradviz.io import CheckpointError, load, save
from gradviz.nn.module import Module
from gradviz.nn.parameter import Parameter


class TinyNet(Module):
    def __init__(self):
        super().__init__()
        self.weight = Parameter(gv.randn(3, 4))
        self.bias = Parameter(gv.randn(3))
        self.register_buffer("steps", gv.zeros(1, dtype=gv.int64))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class RunsCode:
    """Unpickling this creates ``marker``: proof that a loader executed code from the file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def host(t):
    return backend.to_host(t._data)


def round_trip(obj, tmp_path, **load_args):
    path = tmp_path / "checkpoint.gv"
    save(obj, path)
    return load(path, **load_args)


def rewrite(path, edit_manifest=None, drop=(), add=None):
    """Copy the checkpoint at ``path`` with its manifest edited, members dropped or added."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist() if name not in drop}
    manifest = json.loads(members["manifest.json"])
    if edit_manifest:
        edit_manifest(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    members.update(add or {})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / "model.gv"
    save({"weight": gv.randn(2, 3), "step": 4}, path)
    return path


# ---- round trips ----


@pytest.mark.parametrize("dtype", [gv.float32, gv.float64, gv.int64, gv.int32, gv.uint8, gv.bool])
def test_cpu_tensors_round_trip_exactly(tmp_path, dtype):
    original = gv.tensor(np.arange(12).reshape(3, 4) % 3, dtype=dtype)
    loaded = round_trip(original, tmp_path)
    assert loaded.dtype == dtype and loaded.device == "cpu"
    assert np.array_equal(host(loaded), host(original))


def test_simulated_device_tensors_come_back_on_their_device(tmp_path):
    loaded = round_trip({"z": gv.zeros(2, device="sim"), "c": gv.ones(2)}, tmp_path)
    assert loaded["z"].device == "sim" and host(loaded["z"]).tolist() == [0.0, 0.0]
    assert loaded["c"].device == "cpu"


def test_map_location_moves_every_tensor(tmp_path):
    obj = {"z": gv.zeros(2, device="sim"), "c": gv.ones(2)}
    on_cpu = round_trip(obj, tmp_path, map_location="cpu")
    assert on_cpu["z"].device == "cpu" and on_cpu["c"].device == "cpu"
    on_sim = round_trip(obj, tmp_path, map_location=gv.device("sim"))
    assert on_sim["c"].device == "sim" and host(on_sim["c"]).tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="map_location"):
        round_trip(obj, tmp_path, map_location={"sim": "cpu"})


def test_nested_structures_keep_their_types_and_key_types(tmp_path):
    obj = {
        "state": {0: {"step": 3, "exp_avg": gv.ones(2)}, 1: {}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False}],
        "misc": {None: None, True: "yes", 2.5: float("inf"), "big": 2**70, "array": np.arange(3)},
    }
    loaded = round_trip(obj, tmp_path)
    assert list(loaded["state"]) == [0, 1] and all(type(k) is int for k in loaded["state"])
    assert loaded["state"][0]["step"] == 3 and host(loaded["state"][0]["exp_avg"]).tolist() == [1.0, 1.0]
    assert loaded["param_groups"] == obj["param_groups"]
    assert type(loaded["param_groups"][0]["betas"]) is tuple
    assert (
        loaded["misc"][None] is None and loaded["misc"][True] == "yes" and loaded["misc"][2.5] == float("inf")
    )
    assert loaded["misc"]["big"] == 2**70 and np.array_equal(loaded["misc"]["array"], np.arange(3))


def test_a_module_state_dict_round_trips_into_a_fresh_model(tmp_path):
    model, fresh = TinyNet(), TinyNet()
    model.steps.data[...] = 7
    state = round_trip(model.state_dict(), tmp_path)
    assert isinstance(state, OrderedDict) and list(state) == ["weight", "bias", "steps"]
    fresh.load_state_dict(state)
    x = gv.randn(5, 4)
    assert np.array_equal(host(fresh(x)), host(model(x)))
    assert host(fresh.steps).tolist() == [7]


def test_parameters_requires_grad_and_tied_tensors_are_kept(tmp_path):
    shared = Parameter(gv.randn(2))
    loaded = round_trip(
        {"a": shared, "b": shared, "c": gv.randn(2, requires_grad=True), "d": gv.randn(2)}, tmp_path
    )
    assert isinstance(loaded["a"], Parameter) and loaded["a"] is loaded["b"]
    assert loaded["c"].requires_grad and not isinstance(loaded["c"], Parameter)
    assert not loaded["d"].requires_grad


def test_file_objects_work_too():
    buffer = io.BytesIO()
    save([gv.arange(3), "x"], buffer)
    buffer.seek(0)
    tensor, text = load(buffer)
    assert tensor.tolist() == [0, 1, 2] and text == "x"


def test_the_file_is_a_zip_of_json_and_npy_without_pickle(checkpoint):
    with zipfile.ZipFile(checkpoint) as archive:
        assert sorted(archive.namelist()) == ["arrays/0.npy", "manifest.json"]
        manifest = json.loads(archive.read("manifest.json"))
        with archive.open("arrays/0.npy") as member:
            array = np.lib.format.read_array(member, allow_pickle=False)
    assert manifest["object"]["items"][0][1]["dtype"] == "float32" and array.shape == (2, 3)


# ---- saving what cannot be saved ----


def test_unsaveable_objects_are_named_with_their_key_path(tmp_path):
    path = tmp_path / "bad.gv"
    with pytest.raises(TypeError, match=r"builtins\.object at obj\['a'\]\[1\]"):
        save({"a": [1, object()]}, path)
    with pytest.raises(TypeError, match=r"tuple.*key of obj\['m'\]"):
        save({"m": {(1, 2): 3}}, path)
    cycle = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="contains itself"):
        save(cycle, path)
    assert not path.exists()


def test_an_interrupted_save_leaves_the_old_checkpoint_intact(checkpoint, monkeypatch):
    before = checkpoint.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np.lib.format, "write_array", crash)
    with pytest.raises(KeyboardInterrupt):
        save({"weight": gv.zeros(2)}, checkpoint)
    assert checkpoint.read_bytes() == before
    assert os.listdir(checkpoint.parent) == [checkpoint.name]


# ---- files that are not checkpoints ----


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.gv"):
        load(tmp_path / "nowhere.gv")


def test_a_pickle_is_refused_without_running_it(tmp_path):
    marker, path = tmp_path / "pwned", tmp_path / "evil.pt"
    with open(path, "wb") as file:
        pickle.dump({"weights": RunsCode(str(marker))}, file)
    with pytest.raises(CheckpointError, match=r"evil\.pt.*pickle"):
        load(path)
    assert not marker.exists()


def test_a_torch_checkpoint_is_refused_with_a_pointer_to_torch(tmp_path):
    marker, path = tmp_path / "pwned", tmp_path / "torch_model.pt"
    torch.save({"w": torch.zeros(2), "hook": RunsCode(str(marker))}, path)
    with pytest.raises(CheckpointError, match=r"torch_model\.pt.*torch\.save"):
        load(path)
    assert not marker.exists()


def test_text_and_empty_files_are_refused(tmp_path):
    text, empty = tmp_path / "notes.txt", tmp_path / "empty.gv"
    text.write_text("weights = [1, 2, 3]\n")
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"notes\.txt.*not a gradviz checkpoint"):
        load(text)
    with pytest.raises(CheckpointError, match=r"empty\.gv.*empty"):
        load(empty)


def test_a_truncated_file_is_named_as_truncated(checkpoint):
    data = checkpoint.read_bytes()
    checkpoint.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"model\.gv.*truncated or corrupt"):
        load(checkpoint)


def test_a_manifest_pointing_at_a_missing_array_is_refused(checkpoint):
    rewrite(checkpoint, drop=["arrays/0.npy"])
    with pytest.raises(CheckpointError, match=r"model\.gv.*array '0'.*obj\['weight'\]"):
        load(checkpoint)


def test_a_manifest_that_lies_about_an_array_is_refused(checkpoint):
    def claim_float64(manifest):
        manifest["object"]["items"][0][1]["dtype"] = "float64"

    rewrite(checkpoint, claim_float64)
    with pytest.raises(CheckpointError, match=r"model\.gv.*altered"):
        load(checkpoint)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda m: m["object"].update(kind="function"),
        lambda m: m["object"]["items"][0][1].update(dtype="object"),
        lambda m: m["object"]["items"][0][1].pop("array"),
        lambda m: m["object"]["items"][0][1].update(device="tpu"),
    ],
)
def test_a_malformed_manifest_is_refused(checkpoint, tamper):
    rewrite(checkpoint, tamper)
    with pytest.raises(CheckpointError, match=r"model\.gv.*malformed"):
        load(checkpoint)


def test_an_object_array_inside_the_archive_is_never_unpickled(checkpoint, tmp_path):
    marker = tmp_path / "pwned"
    payload = io.BytesIO()
    np.save(payload, np.array([RunsCode(str(marker))], dtype=object), allow_pickle=True)
    rewrite(checkpoint, add={"arrays/0.npy": payload.getvalue()})
    with pytest.raises(CheckpointError, match=r"model\.gv"):
        load(checkpoint)
    assert not marker.exists()


def test_a_foreign_zip_and_a_newer_format_are_refused(checkpoint, tmp_path):
    foreign = tmp_path / "photos.zip"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("a.txt", "hello")
    with pytest.raises(CheckpointError, match=r"photos\.zip.*without a gradviz manifest"):
        load(foreign)
    rewrite(checkpoint, lambda m: m.update(version=99))
    with pytest.raises(CheckpointError, match=r"model\.gv.*version 99"):
        load(checkpoint)


@pytest.mark.skipif(gv.cuda_is_available(), reason="needs a machine without a GPU")
def test_a_gpu_checkpoint_needs_map_location_without_a_gpu(checkpoint):
    rewrite(checkpoint, lambda m: m["object"]["items"][0][1].update(device="cuda:0"))
    with pytest.raises(DeviceError, match=r"model\.gv.*cuda:0.*map_location='cpu'"):
        load(checkpoint)
    assert load(checkpoint, map_location="cpu")["weight"].device == "cpu"


def test_zero_dimensional_tensors_and_arrays_keep_their_shape(tmp_path):
    path = tmp_path / "scalars.gv"
    gv.save({"t": gv.tensor(2.5), "a": np.array(3.0)}, path)
    loaded = gv.load(path)
    assert loaded["t"].shape == () and loaded["t"].item() == 2.5
    assert loaded["a"].shape == () and float(loaded["a"]) == 3.0
