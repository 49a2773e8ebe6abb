"""AttentionView in a real JupyterLab: one heatmap per head plus their average, tokens on the axes."""

from tests.browser import harness

CELL = """
import gradviz as gv
from gradviz import nn

gv.manual_seed(0)
model = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
recorder = gv.trace.Recorder(model)
x = gv.randn(4, 5, 16)
with recorder:
    for _ in range(3):
        loss = model(x).pow(2).mean()
        model.zero_grad()
        loss.backward()
view = gv.widgets.AttentionView(recorder, tokens=list("abcde"))
view
"""
HEATMAPS = """() => {
    const plot = document.querySelector('.gradviz-attention-plot');
    return plot.data.filter((t) => t.type === 'heatmap').length;
}"""
TICK_LABELS = """() => {
    const layout = document.querySelector('.gradviz-attention-plot').layout;
    const axes = Object.keys(layout).filter((k) => /^[xy]axis\\d*$/.test(k));
    return axes.map((k) => Array.from(layout[k].ticktext));
}"""


def test_attention_view_renders_heads_and_average_with_tokens(run_notebook, tmp_path, artifacts):
    page = run_notebook(harness.write_notebook(tmp_path / "attention.ipynb", [CELL]))
    harness.assert_notebook_healthy(page, artifacts)
    page.wait_for_selector(".gradviz-attention-plot .main-svg")
    assert page.evaluate(HEATMAPS) == 3  # two heads and their average
    labels = page.evaluate(TICK_LABELS)
    assert len(labels) == 6 and all(axis == list("abcde") for axis in labels), labels
    shown = page.locator(".gradviz-attention-plot .xtick text").all_text_contents()
    assert shown[:5] == list("abcde")
    page.locator(".gradviz-attention-view").screenshot(path=artifacts / "attention.png")
