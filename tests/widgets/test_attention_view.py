"""AttentionView at the Python level: heatmaps equal the recorder's weights, tokens label the axes,
and the layer, head, sample and step controls change what is shown."""

import numpy as np
import pytest

import gradviz as gv
from gradviz.data.datasets.sequences import SequenceTask
from gradviz.trace import Recorder
from gradviz.widgets.attention_view import AttentionView, attention_kind

from ..models import TeacherForcing, TokenCrossEntropy, TransformerSeq2Seq

HEADS = 2
ENCODER_SELF = "transformer.encoder.layers.0.self_attn"
DECODER_SELF = "transformer.decoder.layers.0.self_attn"
CROSS = "transformer.decoder.layers.0.multihead_attn"


@pytest.fixture(scope="module")
def task():
    return SequenceTask("reverse", n_samples=24, max_len=5, vocab_size=6)


def trained(task, tokens=None):
    """A tiny Transformer trained one epoch (3 batches), with the view following the runner."""
    gv.manual_seed(0)
    model = TransformerSeq2Seq(task.vocab_size, d_model=16, nhead=HEADS, num_layers=1, dim_feedforward=16)
    recorder = Recorder(model)
    runner = gv.Runner(
        model, gv.optim.Adam(model.parameters(), lr=1e-2), TokenCrossEntropy(), callbacks=[recorder]
    )
    view = AttentionView(recorder, tokens).attach(runner)
    loader = TeacherForcing(gv.data.DataLoader(task, batch_size=8))
    runner.train(loader, progress=False)
    return view, recorder, runner, loader


def latest(recorder, name):
    return next(w for s, n, w in reversed(recorder.attention) if n == name)


def heatmaps(view):
    return [np.array(trace["z"]) for trace in view.plot.current["data"]]


def axis(view, name, index=1):
    return view.plot.current["layout"][name if index == 1 else f"{name}{index}"]["ticktext"]


def test_every_head_and_their_average_equal_the_recorders_weights(task):
    view, recorder, _, _ = trained(task)
    assert view.layer.value == ENCODER_SELF and view.heads.value == "all"
    weights = latest(recorder, ENCODER_SELF)
    shown = heatmaps(view)
    assert len(shown) == HEADS + 1
    for head in range(HEADS):
        np.testing.assert_allclose(shown[head], weights[head], rtol=1e-6)
    np.testing.assert_allclose(shown[-1], weights.mean(axis=0), rtol=1e-6)
    layout = view.plot.current["layout"]
    assert layout["yaxis"]["title"]["text"] == "query"
    assert all("title" not in layout[f"yaxis{i}"] for i in range(2, len(shown) + 1))


def test_head_selector_shows_one_head_or_the_average(task):
    view, recorder, _, _ = trained(task)
    weights = latest(recorder, ENCODER_SELF)
    view.heads.value = 1
    assert len(heatmaps(view)) == 1
    np.testing.assert_allclose(heatmaps(view)[0], weights[1], rtol=1e-6)
    assert view.plot.current["layout"]["annotations"][0]["text"] == "head 1"
    view.heads.value = "average"
    np.testing.assert_allclose(heatmaps(view)[0], weights.mean(axis=0), rtol=1e-6)


def test_layer_selector_labels_the_kind_and_switches_the_weights(task):
    view, recorder, _, _ = trained(task)
    labels = dict((value, label) for label, value in view.layer.options)
    assert labels[ENCODER_SELF].endswith("· self-attention")
    assert labels[DECODER_SELF].endswith("· masked self-attention")
    assert labels[CROSS].endswith("· cross-attention")
    view.layer.value = CROSS
    np.testing.assert_allclose(heatmaps(view)[0], latest(recorder, CROSS)[0], rtol=1e-6)
    assert "cross-attention" in view.plot.current["layout"]["title"]["text"]
    view.layer.value = DECODER_SELF
    causal = heatmaps(view)[0]
    assert np.all(np.triu(causal, k=1) == 0)  # masked: no position attends to a later one


def test_kind_from_names_without_the_model():
    assert attention_kind("decoder.layers.1.self_attn") == "masked self-attention"
    assert attention_kind("encoder.layers.1.self_attn") == "self-attention"
    assert attention_kind("decoder.layers.1.multihead_attn") == "cross-attention"
    assert attention_kind("attn") == "attention"


def test_token_list_labels_both_axes(task):
    tokens = ["a", "b", "c", "d", "e", "f"]
    view, _, _, _ = trained(task, tokens=tokens)
    assert axis(view, "xaxis") == tokens == axis(view, "yaxis")
    assert axis(view, "xaxis", HEADS + 1) == tokens


def sample_tokens(calls):
    """Labels from the recorded inputs: (decoder input, source) of the sample whose weights are drawn."""

    def tokens(inputs):
        calls.append(inputs)
        source, decoder_input = inputs
        return [str(t) for t in decoder_input.tolist()], [str(t) for t in source.tolist()]

    return tokens


def test_token_function_labels_queries_and_keys_by_attention_kind(task):
    calls = []
    view, recorder, _, _ = trained(task, tokens=sample_tokens(calls))
    queries, keys = sample_tokens([])(recorder.attention_inputs[-1][1])
    length = latest(view.recorder, ENCODER_SELF).shape[-1]
    fit = lambda labels: (labels + [str(i) for i in range(len(labels), length)])[:length]  # noqa: E731
    assert axis(view, "xaxis") == fit(keys) == axis(view, "yaxis")
    view.layer.value = CROSS
    assert axis(view, "yaxis") == fit(queries) and axis(view, "xaxis") == fit(keys)
    view.layer.value = DECODER_SELF
    assert axis(view, "yaxis") == fit(queries) == axis(view, "xaxis")


def test_sample_selector_sets_the_recorded_sample_from_the_next_step(task):
    calls = []
    view, recorder, runner, loader = trained(task, tokens=sample_tokens(calls))
    view.sample.value = 3
    assert recorder.attention_sample == 3
    changed_at = recorder.step
    runner.train(loader, progress=False)
    batch_start = lambda step: (step % len(loader)) * 8  # noqa: E731 - the loader does not shuffle
    view.step.value = changed_at - 1
    np.testing.assert_array_equal(calls[-1][0], task.tensors[0][batch_start(changed_at - 1)].numpy())
    view.step.value = view.step.max
    np.testing.assert_array_equal(calls[-1][0], task.tensors[0][batch_start(view.step.max) + 3].numpy())
    module = dict(runner.model.named_modules())[ENCODER_SELF]
    np.testing.assert_allclose(heatmaps(view)[0], module.last_attn_weights.numpy()[3, 0], rtol=1e-6)


def test_labels_belong_to_the_drawn_sample_when_the_data_is_shuffled(task):
    gv.manual_seed(1)
    model = TransformerSeq2Seq(task.vocab_size, d_model=16, nhead=HEADS, num_layers=1, dim_feedforward=16)
    sources = []
    model.register_forward_pre_hook(lambda module, args: sources.append(args[0][0].numpy()))
    recorder = Recorder(model, attention_sample=2)
    runner = gv.Runner(model, gv.optim.Adam(model.parameters()), TokenCrossEntropy(), callbacks=[recorder])
    calls = []
    view = AttentionView(recorder, sample_tokens(calls)).attach(runner)
    runner.train(TeacherForcing(gv.data.DataLoader(task, batch_size=8, shuffle=True)), progress=False)
    for step, (source, _) in recorder.attention_inputs:
        np.testing.assert_array_equal(source, sources[step][2])
        view.step.value = step
        np.testing.assert_array_equal(calls[-1][0], sources[step][2])
    assert len(recorder.attention_inputs) == len(sources) == 3


def test_step_slider_scrubs_and_stops_following(task):
    view, recorder, runner, loader = trained(task)
    first = min(s for s, n, _ in recorder.attention)
    view.step.value = first
    assert not view.following
    old = next(w for s, n, w in recorder.attention if s == first and n == ENCODER_SELF)
    np.testing.assert_allclose(heatmaps(view)[0], old[0], rtol=1e-6)
    runner.train(loader, progress=False)
    assert view.step.value == first and f"step {first}" in view.plot.current["layout"]["title"]["text"]
    view.step.value = view.step.max
    assert view.following


def test_follows_training_live_with_deltas_and_a_late_view_sees_the_end(task):
    view, recorder, runner, loader = trained(task)
    sent = []
    view.plot.send = sent.append
    runner.train(loader, progress=False)
    assert sent and all(message["type"] == "delta" for message in sent)
    assert view.step.value == recorder.step - 1
    np.testing.assert_allclose(heatmaps(view)[0], latest(recorder, ENCODER_SELF)[0], rtol=1e-6)
    assert view.plot.figure == view.plot.current


def test_empty_before_training_and_exports_html(task, tmp_path):
    view = AttentionView(Recorder())
    assert view.plot.current["data"] == [] and "no weights" in view.plot.current["layout"]["title"]["text"]
    view, _, _, _ = trained(task)
    path = view.to_html(tmp_path / "attention.html")
    assert "heatmap" in path.read_text()


def test_a_saved_recording_keeps_the_inputs_its_labels_come_from(task, tmp_path):
    _, recorder, _, _ = trained(task)
    recorder.save(tmp_path / "run.gvrec")
    loaded = Recorder.load(tmp_path / "run.gvrec")
    assert [s for s, _ in loaded.attention_inputs] == [s for s, _ in recorder.attention_inputs]
    for (_, rows), (_, saved) in zip(loaded.attention_inputs, recorder.attention_inputs):
        assert all(np.array_equal(a, b) for a, b in zip(rows, saved, strict=True))
    view = AttentionView(loaded, sample_tokens([]))
    view.layer.value = CROSS
    assert axis(view, "xaxis") == [str(t) for t in recorder.attention_inputs[-1][1][0].tolist()]
