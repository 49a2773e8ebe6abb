"""Training views in a real JupyterLab: GradientFlow, LossCurves and OptimizerRace render; the loss
curve gains points while the training cell runs; the race's Step, Play and Pause drive it."""

from tests.browser import harness

SETUP = """
import gradviz as gv
from gradviz import nn
from gradviz.widgets import GradientFlow, LossCurves, OptimizerRace

gv.manual_seed(0)
hidden = [m for _ in range(5) for m in (nn.Linear(16, 16), nn.Sigmoid())]
layers = [nn.Linear(2, 16), nn.Sigmoid(), *hidden]
model = nn.Sequential(*layers, nn.Linear(16, 3))
loader = gv.data.DataLoader(gv.data.datasets.spirals(n_samples=300), batch_size=30, shuffle=True)
runner = gv.Runner(model, gv.optim.SGD(model.parameters(), lr=0.5), nn.CrossEntropyLoss())
recorder = runner.add_callback(gv.trace.Recorder())
curves = runner.add_callback(LossCurves(runner=runner))
flow = runner.add_callback(GradientFlow(recorder))
"""
SHOW_CURVES = "curves"
SHOW_FLOW = "flow"
TRAIN = """
import time
for _ in range(8):
    runner.train(loader, num_epochs=1, progress=False)
    time.sleep(0.3)
"""
RACE = "race = OptimizerRace('rosenbrock')\nrace"

LOSS_POINTS = "() => document.querySelector('.gradviz-loss-plot').data[0].x.length"
RACE_STATUS = "() => document.querySelector('.gradviz-race-status').textContent"
WATCH_LOSS_POINTS = """() => {
    window.__lossPoints = [];
    setInterval(() => {
        const plot = document.querySelector('.gradviz-loss-plot');
        if (plot && plot.data) window.__lossPoints.push(plot.data[0].x.length);
    }, 50);
}"""


def test_training_views_render_and_follow_a_run(browser, jupyterlab, tmp_path, artifacts):
    notebook = harness.write_notebook(
        tmp_path / "training.ipynb", [SETUP, SHOW_CURVES, SHOW_FLOW, TRAIN, RACE]
    )
    page = harness.open_notebook(browser, jupyterlab, notebook)
    try:
        page.evaluate(WATCH_LOSS_POINTS)
        harness.run_all_cells(page)
        harness.assert_notebook_healthy(page, artifacts)
        seen = page.evaluate("() => window.__lossPoints")
        assert any(0 < n < 80 for n in seen), seen  # points arrived while the training cell ran
        assert page.evaluate(LOSS_POINTS) == 80  # 8 epochs of 10 batches, all drawn by the end
        assert page.evaluate("() => document.querySelector('.gradviz-flow-plot').data[3].x.length") == 80
        assert page.locator(".gradviz-finding").count() >= 1  # the sigmoid net's gradients vanish
        race_step_play_pause(page, artifacts)
    finally:
        harness.close_notebook(page)


def race_step_play_pause(page, artifacts):
    """Step advances by exactly one, Play keeps advancing, Pause holds the count, Step adds one more."""
    page.locator("button.gradviz-race-step").click()
    page.wait_for_function(f"() => ({RACE_STATUS})().includes('step 1 ')")
    page.locator(".gradviz-optimizer-race").screenshot(path=artifacts / "race.png")
    page.locator("button.gradviz-race-play").click()
    page.wait_for_function(f"() => parseInt(({RACE_STATUS})().split(' ')[1]) > 5")
    # the page redraws while the race plays: click from inside the page rather than wait for stillness
    page.evaluate("() => document.querySelector('button.gradviz-race-pause').click()")
    page.wait_for_function(f"() => ({RACE_STATUS})().includes('paused')", timeout=10_000)
    paused = page.evaluate(RACE_STATUS)
    page.wait_for_timeout(1000)
    assert page.evaluate(RACE_STATUS) == paused
    page.locator("button.gradviz-race-step").click()
    step = int(paused.split()[1])
    page.wait_for_function(f"() => ({RACE_STATUS})().includes('step {step + 1} ')")
