"""Drive JupyterLab in headless Chromium: start a private server, open a notebook, run all its cells and
check that every widget rendered. Used by the browser tests (through ``conftest.py``) and the widget
benchmark. What works on these machines is recorded in ``shared/E2E.md``: Debian's chromium driven by
Playwright's Python package, never ``playwright install``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import nbformat

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
OUTPUTS = ".jp-NotebookPanel .jp-OutputArea-output"
LOADING_TEXT = "Loading widget..."
FAILURE_TEXTS = ("Error displaying widget", "model not found")
STARTUP_TIMEOUT_S = 60
RUN_ALL_TIMEOUT_S = 180
_LAB_DIRS = ("root", "config", "data", "runtime", "ipython", "settings", "workspaces")


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if CHROMIUM.exists():
        return None
    return f"{CHROMIUM} is not installed (the README's test command installs it: apt-get install -y chromium)"


def write_notebook(path: Path, cells: list[str]) -> Path:
    """A notebook of code cells for the ``python3`` kernel, which the server runs with this interpreter."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _write_settings(settings_dir: Path, save_widget_state: bool) -> None:
    """Quiet, deterministic JupyterLab: no news toast, no autosave (a run must never write back into a
    notebook), every cell in the DOM (windowing would leave views below the fold unrendered)."""
    settings = {
        "@jupyterlab/apputils-extension/notification": {"checkForUpdates": False, "fetchNews": "false"},
        "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        "@jupyter-widgets/jupyterlab-manager/plugin": {"saveState": save_widget_state},
    }
    for plugin, values in settings.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _lab_command(port: int, token: str, dirs: dict[str, Path]) -> list[str]:
    return [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
        f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={dirs['root']}",
        "--LabApp.expose_app_in_browser=True", f"--LabApp.user_settings_dir={dirs['settings']}",
        f"--LabApp.workspaces_dir={dirs['workspaces']}", "--LabApp.news_url=",
    ]  # fmt: skip


@dataclass
class JupyterLab:
    """A JupyterLab server on a free loopback port, with its own config, data, runtime and IPython dirs
    under ``workdir`` so nothing from the user's setup leaks in. Its kernels use one BLAS thread: tests
    share two cores, where two threads per process stall."""

    root_dir: Path
    base_url: str
    token: str
    process: subprocess.Popen
    log_path: Path

    @classmethod
    def start(cls, workdir: Path, save_widget_state: bool = False) -> JupyterLab:
        dirs = {name: workdir / name for name in _LAB_DIRS}
        for directory in dirs.values():
            directory.mkdir(parents=True, exist_ok=True)
        _write_settings(dirs["settings"], save_widget_state)
        port, token = _free_port(), secrets.token_hex(16)
        env = os.environ | {
            "JUPYTER_CONFIG_DIR": str(dirs["config"]),
            "JUPYTER_DATA_DIR": str(dirs["data"]),
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "IPYTHONDIR": str(dirs["ipython"]),
            "OPENBLAS_NUM_THREADS": "1",
        }
        log_path = workdir / "jupyterlab.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                _lab_command(port, token, dirs),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        lab = cls(dirs["root"], f"http://127.0.0.1:{port}", token, process, log_path)
        lab._wait_until_ready()
        return lab

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                urllib.request.urlopen(self.url("api/status"), timeout=2).close()
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"JupyterLab did not start; its log ends:\n{self.log_path.read_text()[-3000:]}")

    def url(self, path: str, **query: str) -> str:
        params = "".join(f"&{key}={value}" if value else f"&{key}" for key, value in query.items())
        return f"{self.base_url}/{path}?token={self.token}{params}"

    def serve(self, notebook: Path) -> str:
        """The notebook's path relative to the server root. A notebook from elsewhere (``notebooks/``) is
        copied in with its folder, so relative files still resolve and the original is never touched."""
        notebook = notebook.resolve()
        if not notebook.is_relative_to(self.root_dir):
            copy_dir = self.root_dir / "copies" / notebook.parent.name
            shutil.copytree(notebook.parent, copy_dir, dirs_exist_ok=True)
            notebook = copy_dir / notebook.name
        return notebook.relative_to(self.root_dir).as_posix()

    def stop(self) -> None:
        """SIGTERM lets the server shut its kernels down before it exits."""
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def chromium(profile_dir: Path) -> Iterator[BrowserContext]:
    """A persistent headless Chromium context (Playwright is imported here so that a machine without
    chromium can report why before needing the package)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1024},
        )
        try:
            yield context
        finally:
            context.close()


_WAIT_FOR_KERNEL = """async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    await panel.context.ready;
    await panel.sessionContext.ready;
    await panel.sessionContext.session.kernel.info;
}"""

_RUN_ALL = """async (timeoutMs) => {
    const timeout = new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`Run All took longer than ${timeoutMs} ms`)), timeoutMs));
    await Promise.race([window.jupyterapp.commands.execute('notebook:run-all-cells'), timeout]);
}"""

_CELL_ERRORS = """() => window.jupyterapp.shell.currentWidget.content.model.toJSON().cells.flatMap(
    (cell, index) => (cell.outputs || []).filter((output) => output.output_type === 'error').map(
        (output) => `cell ${index} raised ${output.ename}: ${output.evalue}`))"""

_SHUTDOWN_KERNEL = "() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()"


def open_notebook(context: BrowserContext, lab: JupyterLab, notebook: Path) -> Page:
    """A new page showing the notebook, its kernel started and answering (``reset`` drops any saved
    workspace, so exactly this notebook is open and current)."""
    page = context.new_page()
    page.goto(lab.url(f"lab/tree/{quote(lab.serve(notebook))}", reset=""))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=STARTUP_TIMEOUT_S * 1000)
    page.evaluate(_WAIT_FOR_KERNEL)
    return page


def run_all_cells(page: Page) -> None:
    """Resolves once the last cell has run (outputs may still be rendering)."""
    page.evaluate(_RUN_ALL, RUN_ALL_TIMEOUT_S * 1000)


def run_notebook(context: BrowserContext, lab: JupyterLab, notebook: Path) -> Page:
    page = open_notebook(context, lab, notebook)
    run_all_cells(page)
    return page


def close_notebook(page: Page) -> None:
    page.evaluate(_SHUTDOWN_KERNEL)
    page.close()


_WIDGETS_SETTLE = """async ([outputs, text, timeoutMs]) => {
    const deadline = performance.now() + timeoutMs;
    const loading = () => [...document.querySelectorAll(outputs)].some((o) => o.textContent.includes(text));
    while (loading() && performance.now() < deadline) await new Promise((wake) => setTimeout(wake, 100));
    return !loading();
}"""


def notebook_problems(page: Page, settle_timeout_s: float = 20) -> list[str]:
    """Everything that shows a notebook did not run and render cleanly, in words; empty when it did."""
    problems = page.evaluate(_CELL_ERRORS)
    if not page.evaluate(_WIDGETS_SETTLE, [OUTPUTS, LOADING_TEXT, settle_timeout_s * 1000]):
        problems.append(f"a widget still shows {LOADING_TEXT!r} after {settle_timeout_s} s")
    text = "\n".join(page.locator(OUTPUTS).all_text_contents())
    problems += [f"an output shows {failure!r}" for failure in FAILURE_TEXTS if failure in text]
    return problems


def save_screenshots(page: Page, directory: Path) -> list[Path]:
    """One element screenshot per cell with output (a full-page shot would show only the visible part of
    the notebook, which scrolls inside its panel)."""
    directory.mkdir(parents=True, exist_ok=True)
    cells = page.locator(".jp-CodeCell:has(.jp-OutputArea-output)")
    paths = [directory / f"cell-{index}.png" for index in range(cells.count())]
    for index, path in enumerate(paths):
        cells.nth(index).screenshot(path=path)
    return paths


def assert_notebook_healthy(page: Page, screenshots_dir: Path, settle_timeout_s: float = 20) -> None:
    """Screenshots are saved before asserting, so a failing run leaves its evidence in ``test-artifacts/``."""
    problems = notebook_problems(page, settle_timeout_s)
    save_screenshots(page, screenshots_dir)
    assert not problems, "the notebook did not run cleanly:\n" + "\n".join(problems)
