"""Recordings on disk: everything a recorder holds, as plain data in a gradviz checkpoint (JSON manifest
plus arrays, never pickle), so widgets can replay a run without retraining and a teacher can ship a
recording with a lesson. Graphs come back drawable but not replayable (Function classes are code)."""

from collections import deque

from .. import io
from .capture import CapturedOp, LeafGrad, StepCapture, Value
from .graph import Graph
from .series import SeriesStore

FORMAT = "gradviz-recording"
VERSION = 1
CONFIG = ("every", "max_bytes", "histogram_every", "bins", "attention_sample", "break_on")


def save(recorder, path):
    io.save(
        {
            "format": FORMAT,
            "version": VERSION,
            "config": {name: getattr(recorder, name) for name in CONFIG}
            | {"max_steps": recorder.store.max_steps},
            "step": recorder.step,
            "series": _store_state(recorder.store),
            "graph_of_step": _store_state(recorder.graph_of_step),
            "graphs": [(signature, graph.to_dict()) for signature, graph in recorder.graphs.items()],
            "histograms": list(recorder.histograms),
            "attention": list(recorder.attention),
            "attention_inputs": [(step, list(rows)) for step, rows in recorder.attention_inputs],
            "nan_origin": recorder.nan_origin,
            "parameter_ndims": recorder.parameter_ndims(),
            "captured": None if recorder.captured is None else _capture_state(recorder.captured),
        },
        path,
    )


def load(path):
    from .recorder import ATTENTION_STEPS, Recorder

    state = io.load(path)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise io.CheckpointError(f"{path}: not a gradviz recording (it is a checkpoint of something else)")
    _validate(state, path)
    config = state["config"]
    recorder = Recorder(
        **{k: v for k, v in config.items() if k != "break_on"}, break_on=tuple(config["break_on"])
    )
    recorder.step = state["step"]
    recorder.store = _store(state["series"], config["max_steps"])
    recorder.graph_of_step = _store(state["graph_of_step"], config["max_steps"])
    recorder.graphs = {signature: Graph.from_dict(data) for signature, data in state["graphs"]}
    recorder.histograms.extend(tuple(h) for h in state["histograms"])
    recorder.attention = deque(
        (tuple(a) for a in state["attention"]), maxlen=max(ATTENTION_STEPS, len(state["attention"]))
    )
    recorder.attention_inputs.extend((step, tuple(rows)) for step, rows in state.get("attention_inputs", ()))
    recorder.nan_origin = state["nan_origin"]
    recorder.saved_parameter_ndims = dict(state.get("parameter_ndims") or {})
    recorder.captured = None if state["captured"] is None else _capture(state["captured"])
    return recorder


REQUIRED = ("version", "config", "step", "series", "graph_of_step", "graphs", "histograms", "attention")
OPTIONAL = ("nan_origin", "captured")  # saved by every version, but None is a fine value
STORE_KEYS = ("keys", "arrays")


def _validate(state, path):
    """Refuse a damaged or foreign recording with a message naming the file and what is wrong."""
    version = state.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise io.CheckpointError(
            f"{path}: the recording's format version is {version!r}, not a positive integer"
        )
    if version > VERSION:
        raise io.CheckpointError(f"{path}: recording format {version} is newer than this gradviz reads")
    missing = [key for key in (*REQUIRED, *OPTIONAL) if key not in state]
    if missing:
        raise io.CheckpointError(
            f"{path}: this recording is incomplete: it has no {', '.join(map(repr, missing))} (was it "
            "written by Recorder.save, and completely?)"
        )
    config = state["config"]
    if not isinstance(config, dict):
        raise io.CheckpointError(
            f"{path}: the recording's 'config' is a {type(config).__name__}, not a mapping"
        )
    missing = [key for key in (*CONFIG, "max_steps") if key not in config]
    if missing:
        raise io.CheckpointError(f"{path}: the recording's config has no {', '.join(map(repr, missing))}")
    for name in ("series", "graph_of_step"):
        store = state[name]
        if not isinstance(store, dict) or any(key not in store for key in STORE_KEYS):
            raise io.CheckpointError(
                f"{path}: the recording's {name!r} is not a saved series (keys and arrays)"
            )
        arrays = store["arrays"]
        needed = ["steps", *(f"column:{i}" for i in range(len(store["keys"])))]
        lost = [key for key in needed if not isinstance(arrays, dict) or key not in arrays]
        if lost:
            raise io.CheckpointError(f"{path}: the recording's {name!r} has no arrays {', '.join(lost)}")


def _store_state(store):
    return {"keys": list(store.keys()), "arrays": store.to_arrays()}


def _store(state, max_steps):
    return SeriesStore.from_arrays(max_steps, [tuple(k) for k in state["keys"]], state["arrays"])


def _value_state(value):
    if not isinstance(value, Value):
        return value
    return {
        "shape": value.shape,
        "dtype": value.dtype,
        "summary": value.summary,
        "array": value.array,
        "preview": value.preview,
    }


def _value(state):
    if not isinstance(state, dict):
        return state
    return Value(tuple(state["shape"]), state["dtype"], state["array"], state["preview"], state["summary"])


def _capture_state(capture):
    records = []
    for record in capture.records:
        if isinstance(record, LeafGrad):
            records.append(
                {
                    "leaf": True,
                    "order": record.order,
                    "tensor_id": record.tensor_id,
                    "name": record.name,
                    "value": _value_state(record.value),
                }
            )
        else:
            fields = dict(vars(record))
            fields["inputs"] = [_value_state(v) for v in record.inputs]
            fields["outputs"] = [_value_state(v) for v in record.outputs]
            records.append({"leaf": False} | fields)
    return {
        "step": capture.step,
        "max_bytes": capture.max_bytes,
        "bytes_used": capture.bytes_used,
        "summarised": capture.summarised,
        "without_preview": capture.without_preview,
        "records": records,
        "graph": None if capture.graph is None else capture.graph.to_dict(),
    }


def _capture(state):
    capture = StepCapture(
        state["step"],
        state["max_bytes"],
        bytes_used=state["bytes_used"],
        summarised=state.get("summarised", 0),  # recordings saved before these counts existed
        without_preview=state.get("without_preview", 0),
    )
    for record in state["records"]:
        record = dict(record)
        if record.pop("leaf"):
            capture.records.append(
                LeafGrad(record["order"], record["tensor_id"], record["name"], _value(record["value"]))
            )
        else:
            record["inputs"] = [_value(v) for v in record["inputs"]]
            record["outputs"] = [_value(v) for v in record["outputs"]]
            record["input_ids"], record["output_ids"] = (
                tuple(record["input_ids"]),
                tuple(record["output_ids"]),
            )
            capture.records.append(CapturedOp(**record))
    capture.graph = None if state["graph"] is None else Graph.from_dict(state["graph"])
    return capture
