"""Every lesson notebook runs top to bottom headless (the kernel side; tests/browser checks the pages) and
its outputs show what the lesson teaches.

The kernel runs in a fresh virtualenv built only from ``binder/`` (``pip install -r
binder/requirements.txt`` then ``binder/postBuild``, from a copy of the repository), which is what
mybinder.org and a JupyterHub do: a lesson that needs anything the binder files do not install fails here.

A notebook states its taught facts in its metadata, ``metadata["gradviz"]["facts"]``: Python boolean
expressions over the notebook's own variables (e.g. ``"ratio['sigmoid'] < 1e-3"``). After the last cell
the test evaluates each one in the kernel; a fact that is false, or that raises, fails the test.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FACTS_MARKER = "gradviz-facts:"
BINDER_KERNEL = "gradviz-binder"
pytestmark = pytest.mark.xdist_group("binder")


@pytest.fixture(scope="session")
def binder_kernels(tmp_path_factory) -> Path:
    """A kernelspec directory holding one kernel, whose Python is the binder virtualenv's. One BLAS thread:
    the test workers share two cores, where two threads per process stall."""
    work = tmp_path_factory.mktemp("binder")
    repo = work / "repo"
    shutil.copytree(
        ROOT, repo, ignore=shutil.ignore_patterns(".git", ".venv", "test-artifacts", "__pycache__")
    )
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = os.environ | {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    for command in (["pip", "install", "-q", "-r", "binder/requirements.txt"], ["binder/postBuild"]):
        subprocess.run(command, cwd=repo, env=env, check=True)
    spec = work / "kernels" / BINDER_KERNEL
    spec.mkdir(parents=True)
    argv = [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {
        "argv": argv,
        "display_name": "binder",
        "language": "python",
        "env": {"OPENBLAS_NUM_THREADS": "1"},
    }
    (spec / "kernel.json").write_text(json.dumps(kernel))
    return spec.parent


def taught_facts(notebook) -> list[str]:
    return list(notebook.metadata.get("gradviz", {}).get("facts", []))


def facts_cell(facts: list[str]) -> str:
    """A cell that prints, as one JSON line, each fact with its truth value or the error it raised."""
    return "\n".join(
        [
            "def _gradviz_fact(expression):",
            "    try:",
            "        return bool(eval(expression))",
            "    except Exception as error:",
            "        return f'{type(error).__name__}: {error}'",
            f"print({FACTS_MARKER!r} + __import__('json').dumps({{f: _gradviz_fact(f) for f in {facts!r}}}))",
        ]
    )


def executed(path: Path, kernels: Path, extra_cells=()):
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.extend(nbformat.v4.new_code_cell(source) for source in extra_cells)
    specs = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)
    kernel = KernelManager(kernel_name=BINDER_KERNEL, kernel_spec_manager=specs)
    client = nbclient.NotebookClient(
        notebook, km=kernel, timeout=120, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return notebook


def cell_errors(notebook) -> list:
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


def fact_results(notebook) -> dict:
    for output in notebook.cells[-1].outputs:
        for line in output.get("text", "").splitlines():
            if line.startswith(FACTS_MARKER):
                return json.loads(line[len(FACTS_MARKER) :])
    raise AssertionError(f"the facts cell printed nothing: {notebook.cells[-1].outputs}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs_and_states_its_facts(path):
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    assert taught_facts(notebook), f"{path.name}: no metadata['gradviz']['facts']"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_the_binder_environment_and_shows_its_facts(path, binder_kernels):
    facts = taught_facts(nbformat.read(path, as_version=4))
    notebook = executed(path, binder_kernels, extra_cells=[facts_cell(facts)])
    assert not cell_errors(notebook), cell_errors(notebook)
    results = fact_results(notebook)
    assert results == dict.fromkeys(facts, True), {f: r for f, r in results.items() if r is not True}
