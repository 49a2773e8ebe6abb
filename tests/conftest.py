import pytest
import torch
from threadpoolctl import threadpool_limits

import gradviz as gv

DEVICES = ["cpu", "sim"] + (["cuda"] if gv.cuda_is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request):
    """Every device the op suite runs on: numpy, the simulated accelerator, and CuPy where a GPU is."""
    return request.param


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread_per_worker():
    """Tests run in parallel workers on two cores: two BLAS threads per worker would oversubscribe them
    and stall (small matmuls then take 10x longer)."""
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(autouse=True)
def _seeded():
    gv.manual_seed(0)
    yield
