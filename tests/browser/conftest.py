"""Fixtures for real-browser tests: one JupyterLab server and one headless Chromium per test session, and
``run_notebook(path) -> page`` that opens a notebook, runs all its cells and shuts its kernel down after
the test. Check a run with ``assert_notebook_healthy(page, artifacts)``."""

from pathlib import Path

import pytest

from tests.browser import harness

BROWSER_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Keep browser tests on one xdist worker (with ``--dist loadgroup``) so one server and one browser
    serve them all."""
    for item in items:
        if item.path.is_relative_to(BROWSER_DIR):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    reason = harness.chromium_missing_reason()
    if reason:
        pytest.fail(reason, pytrace=False)  # a skipped browser test would hide an unrendered widget
    with harness.chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory):
    lab = harness.JupyterLab.start(tmp_path_factory.mktemp("jupyterlab"))
    yield lab
    lab.stop()


@pytest.fixture
def run_notebook(browser, jupyterlab):
    """``browser`` comes first so a machine without chromium fails before starting a server."""
    pages = []

    def run(path):
        page = harness.run_notebook(browser, jupyterlab, Path(path))
        pages.append(page)
        return page

    yield run
    for page in pages:
        harness.close_notebook(page)


@pytest.fixture
def artifacts(request):
    """Where this test's screenshots go: ``test-artifacts/browser/<test>/`` (gitignored)."""
    return harness.ARTIFACTS / "browser" / request.node.name
