"""``save``/``load``: checkpoints that never use pickle, so loading a file can never run code from it.

A checkpoint is a zip archive holding ``manifest.json`` and one ``arrays/<n>.npy`` per tensor. The
manifest describes the saved object: JSON numbers, strings, booleans and null stand for themselves;
objects tagged with a ``kind`` stand for tensors (array name, dtype, shape, device, requires_grad),
numpy arrays, lists, tuples and dicts (as key/value pairs, so integer keys of an optimizer state dict
stay integers). Arrays are written with ``allow_pickle=False`` and stored uncompressed: trained weights
hardly compress (about 7%) while deflating them is twenty times slower than writing them.

A tensor that appears twice (tied weights) is stored once and loads back as one tensor.
"""

import contextlib
import json
import os
import tempfile
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from . import backend
from .autograd.tensor import Tensor
from .dtypes import as_dtype
from .errors import DeviceError, GradvizError
from .nn.parameter import Parameter

FORMAT = "gradviz-checkpoint"
VERSION = 1
MANIFEST = "manifest.json"
SCALARS = (type(None), bool, int, float, str)


class CheckpointError(GradvizError, RuntimeError):
    """A file that is not a readable gradviz checkpoint: foreign, truncated, corrupt or altered."""


def save(obj, f):
    """Write ``obj`` — a tensor, or (nested) dicts, lists and tuples of tensors, numpy arrays, numbers,
    strings, bools and None, such as a model's or an optimizer's ``state_dict()`` — to ``f`` (a path or
    a binary file object). A path is written atomically: into a temporary file in the same folder that
    then replaces ``f``, so an interrupted save leaves the previous checkpoint intact."""
    encoder = _Encoder()
    manifest = json.dumps({"format": FORMAT, "version": VERSION, "object": encoder.encode(obj, "obj")})
    if hasattr(f, "write"):
        _write_archive(f, manifest, encoder.arrays)
    else:
        _write_atomically(os.fspath(f), lambda file: _write_archive(file, manifest, encoder.arrays))


def load(f, map_location=None):
    """Read an object written by :func:`save` from ``f`` (a path or a binary file object).

    Tensors come back on the device they were saved from, or on ``map_location`` (``'cpu'``, ``'sim'``,
    ``'cuda:0'``, a ``gradviz.device``) when given: ``map_location='cpu'`` opens a GPU checkpoint on a
    machine without one."""
    where = _describe(f)
    target = None if map_location is None else _map_location(map_location)
    with _open_archive(f, where) as archive:
        manifest = _read_manifest(archive, where)
        return _Decoder(archive, where, target).decode(manifest["object"], "obj")


# ---- writing ----


class _Encoder:
    """Turns an object into its JSON manifest entry, collecting the arrays to store by name."""

    def __init__(self):
        self.arrays = {}
        self.names = {}
        self.open = set()

    def encode(self, obj, path):
        if isinstance(obj, SCALARS):
            return obj
        if isinstance(obj, np.generic) and isinstance(obj.item(), SCALARS):
            return obj.item()
        if isinstance(obj, Tensor):
            return self.tensor(obj, path)
        if isinstance(obj, np.ndarray):
            return {"kind": "ndarray", **self.array(obj, obj, path)}
        if isinstance(obj, (dict, list, tuple)):
            return self.container(obj, path)
        raise _unsaveable(obj, path)

    def tensor(self, t, path):
        return {
            "kind": "tensor",
            **self.array(t, backend.to_host(t._data), path),
            "device": str(t.device),
            "requires_grad": t.requires_grad,
            "parameter": isinstance(t, Parameter),
        }

    def array(self, owner, host, path):
        """Store ``host`` once per ``owner`` object; the manifest fields that describe it."""
        try:
            dtype = as_dtype(host.dtype).name
        except TypeError:
            raise _unsaveable(owner, path, f" with dtype {host.dtype}") from None
        name = self.names.get(id(owner))
        if name is None:
            name = self.names[id(owner)] = str(len(self.arrays))
            self.arrays[name] = np.ascontiguousarray(host).reshape(host.shape)  # keeps 0-d arrays 0-d
        return {"array": name, "dtype": dtype, "shape": list(host.shape)}

    def container(self, obj, path):
        if id(obj) in self.open:
            raise ValueError(f"gradviz.save: {path} contains itself; a checkpoint cannot hold a cycle")
        self.open.add(id(obj))
        try:
            if isinstance(obj, dict):
                return self.mapping(obj, path)
            items = [self.encode(item, f"{path}[{i}]") for i, item in enumerate(obj)]
            return {"kind": "tuple" if isinstance(obj, tuple) else "list", "items": items}
        finally:
            self.open.discard(id(obj))

    def mapping(self, obj, path):
        pairs = []
        for key, value in obj.items():
            if not isinstance(key, SCALARS):
                raise _unsaveable(key, f"a key of {path}", " (keys must be str, int, float, bool or None)")
            pairs.append([key, self.encode(value, f"{path}[{key!r}]")])
        return {"kind": "dict", "ordered": isinstance(obj, OrderedDict), "items": pairs}


def _unsaveable(obj, path, detail=""):
    return TypeError(
        f"gradviz.save: cannot save {type(obj).__module__}.{type(obj).__qualname__}{detail} at {path}; "
        "a checkpoint holds tensors, numpy arrays, numbers, strings, bools, None and dicts, lists and "
        "tuples of them (it never pickles arbitrary objects)"
    )


def _write_archive(file, manifest, arrays):
    with zipfile.ZipFile(file, "w") as archive:
        archive.writestr(MANIFEST, manifest, compress_type=zipfile.ZIP_DEFLATED)
        for name, array in arrays.items():
            with archive.open(f"arrays/{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _write_atomically(path, write):
    """Run ``write(file)`` on a temporary file next to ``path``, flush it to disk, then rename it over
    ``path`` (``os.replace`` is atomic): readers see the old file or the whole new one, never a part."""
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        os.chmod(temporary, 0o666 & ~_UMASK)
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


# ---- reading ----


def _describe(f):
    if hasattr(f, "read"):
        return f"'{getattr(f, 'name', type(f).__name__)}'"
    return f"'{os.fspath(f)}'"


def _map_location(spec):
    if not isinstance(spec, (str, backend.Device)):
        raise TypeError(
            f"gradviz.load: map_location must be a device such as 'cpu' or gradviz.device('sim'), "
            f"got {type(spec).__name__}"
        )
    return backend.device(spec)


def _open_archive(f, where):
    try:
        return zipfile.ZipFile(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"gradviz.load: no such file {where}") from None
    except zipfile.BadZipFile:
        raise CheckpointError(f"gradviz.load: {where} {_why_not_a_zip(f)}") from None


def _why_not_a_zip(f):
    head = _first_bytes(f, 4)
    if not head:
        return "is empty, not a gradviz checkpoint"
    if head.startswith(b"PK"):
        return "is truncated or corrupt: its zip archive is damaged or cut short (an interrupted copy?)"
    if head[0] == 0x80:
        return (
            "is a Python pickle (as written by pickle.dump or an old torch.save), not a gradviz checkpoint; "
            "gradviz never unpickles files, because unpickling can run any code the file contains"
        )
    return "is not a gradviz checkpoint (it is not a zip archive; save checkpoints with gradviz.save)"


def _first_bytes(f, count):
    if hasattr(f, "read"):
        f.seek(0)
        return f.read(count)
    with open(f, "rb") as file:
        return file.read(count)


def _read_manifest(archive, where):
    names = set(archive.namelist())
    if MANIFEST not in names:
        if any(name.endswith("data.pkl") for name in names):
            raise CheckpointError(
                f"gradviz.load: {where} is a PyTorch checkpoint (torch.save), which holds a pickle; gradviz "
                "never unpickles files. Load it with torch.load(path, weights_only=True) and copy the tensors"
            )
        raise CheckpointError(f"gradviz.load: {where} is a zip archive without a gradviz manifest")
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (ValueError, RecursionError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise CheckpointError(f"gradviz.load: the manifest of {where} is unreadable ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or "object" not in manifest:
        raise CheckpointError(f"gradviz.load: {where} is a zip archive without a gradviz manifest")
    if not isinstance(manifest.get("version"), int) or manifest["version"] > VERSION:
        raise CheckpointError(
            f"gradviz.load: {where} has checkpoint format version {manifest.get('version')!r}; this gradviz "
            f"reads versions up to {VERSION} (upgrade gradviz)"
        )
    return manifest


class _Decoder:
    """Rebuilds the saved object from the manifest, reading arrays from the archive by name."""

    def __init__(self, archive, where, map_location):
        self.archive = archive
        self.where = where
        self.map_location = map_location
        self.loaded = {}

    def decode(self, node, path):
        try:
            return self.node(node, path)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError) as exc:
            raise CheckpointError(
                f"gradviz.load: the manifest of {self.where} is malformed at {path} ({exc!r}); "
                "the file was altered or damaged"
            ) from exc

    def node(self, node, path):
        if isinstance(node, SCALARS):
            return node
        kind = node["kind"]
        if kind == "tensor":
            return self.tensor(node, path)
        if kind == "ndarray":
            return self.array(node, path)
        if kind == "list" or kind == "tuple":
            items = [self.node(item, f"{path}[{i}]") for i, item in enumerate(node["items"])]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            pairs = ((key, self.node(value, f"{path}[{key!r}]")) for key, value in node["items"])
            return (OrderedDict if node["ordered"] else dict)(pairs)
        raise ValueError(f"unknown entry kind {kind!r}")

    def tensor(self, node, path):
        name = node["array"]
        if name not in self.loaded:
            data = backend.to_device(self.array(node, path), self.device(node["device"]))
            cls = Parameter if node["parameter"] else Tensor
            self.loaded[name] = cls(data, requires_grad=bool(node["requires_grad"]))
        return self.loaded[name]

    def array(self, node, path):
        member = f"arrays/{node['array']}.npy"
        try:
            with self.archive.open(member) as file:
                array = np.lib.format.read_array(file, allow_pickle=False)
        except KeyError:
            raise CheckpointError(
                f"gradviz.load: the manifest of {self.where} refers to array '{node['array']}' at {path}, "
                f"but the file holds no {member}: it is incomplete or was altered"
            ) from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise CheckpointError(
                f"gradviz.load: {self.where} is corrupt or was altered: reading {member} failed ({exc})"
            ) from None
        if array.dtype.name != as_dtype(node["dtype"]).name or list(array.shape) != node["shape"]:
            raise CheckpointError(
                f"gradviz.load: {member} in {self.where} holds {array.dtype} {list(array.shape)} but the "
                f"manifest says {node['dtype']} {node['shape']} at {path}: the file was altered"
            )
        return array

    def device(self, saved):
        if self.map_location is not None:
            return self.map_location
        device = backend.device(saved)
        if device.type == "cuda" and not backend.cuda_is_available():
            raise DeviceError(
                f"gradviz.load: {self.where} holds tensors saved on {device}, which is not available here; "
                "pass map_location='cpu' to load them on the CPU"
            )
        return device
