import pytest

import gradviz as gv

DEVICES = ["cpu", "sim"] + (["cuda"] if gv.cuda_is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request):
    """Every device the op suite runs on: numpy, the simulated accelerator, and CuPy where a GPU is."""
    return request.param


@pytest.fixture(autouse=True)
def _seeded():
    gv.manual_seed(0)
    yield
