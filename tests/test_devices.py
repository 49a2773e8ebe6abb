"""Devices: the simulated accelerator proves host/device discipline where no GPU exists."""

import numpy as np
import pytest

import gradviz as gv
from gradviz import backend
from gradviz.backend.simulated import DeviceMixError
from gradviz.errors import DeviceError


def test_simulated_arrays_refuse_to_mix_with_host_arrays():
    sim = backend.to_device(np.ones(3), gv.device("sim"))
    with pytest.raises(DeviceMixError):
        sim + np.ones(3)
    with pytest.raises(DeviceMixError):
        np.asarray(sim)
    assert backend.to_host(sim * 2).tolist() == [2.0, 2.0, 2.0]


def test_ops_keep_data_and_gradients_on_the_device():
    x = gv.tensor([1.0, 2.0], device="sim", requires_grad=True)
    y = (x * x).exp()
    assert y.device == "sim" and isinstance(y._data, backend.simulated.SimArray)
    y.backward(gv.ones(2, device="sim"))
    assert x.grad.device == gv.device("sim")
    np.testing.assert_allclose(x.grad.tolist(), 2 * np.array([1.0, 2.0]) * np.exp([1.0, 4.0]), rtol=1e-6)


def test_mixing_devices_in_an_op_names_the_op_and_devices():
    with pytest.raises(
        DeviceError, match=r"mul: expected all tensors on the same device, but found sim and cpu"
    ):
        gv.ones(2, device="sim") * gv.ones(2)


def test_numpy_of_a_device_tensor_says_to_copy_to_host():
    with pytest.raises(TypeError, match=r"\.cpu\(\)"):
        gv.ones(2, device="sim").numpy()
    assert gv.ones(2, device="sim").cpu().numpy().tolist() == [1.0, 1.0]


def test_gradients_flow_back_across_a_device_copy():
    x = gv.tensor([1.0, 3.0], requires_grad=True)
    y = x.to("sim") * 2
    y.backward(gv.ones(2, device="sim"))
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, 2.0]


def test_to_returns_self_when_nothing_changes_and_converts_dtype():
    x = gv.ones(2)
    assert x.to("cpu") is x and x.to(gv.float32) is x
    assert x.to(gv.float64).dtype == gv.float64
    assert x.to("sim", gv.float64).device == "sim"


def test_creation_functions_place_tensors_on_the_device():
    for t in (
        gv.zeros(2, device="sim"),
        gv.randn(2, device="sim"),
        gv.arange(3, device="sim"),
        gv.eye(2, device="sim"),
    ):
        assert t.device == "sim"


def test_cuda_without_cupy_or_gpu_is_a_clear_error():
    if gv.cuda_is_available():
        pytest.skip("a GPU is present: the error path cannot be exercised")
    for make in (lambda: gv.ones(2).cuda(), lambda: gv.zeros(2, device="cuda")):
        with pytest.raises(RuntimeError, match=r"CuPy.*pip install 'gradviz-lab\[gpu\]'") as error:
            make()
        assert "input shapes" not in str(error.value)  # the whole message is about the missing GPU


def test_device_parsing():
    assert gv.device("cuda:1").index == 1 and str(gv.device("cuda:1")) == "cuda:1"
    assert gv.device("cpu") == "cpu"
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        gv.device("tpu")
