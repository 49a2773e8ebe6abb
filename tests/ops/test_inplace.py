import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DeviceError, DtypeError, GraphError, ShapeError
from tests.oracle import host

rng = np.random.default_rng(0)
A, B, C = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(0.5, 2.0, (4,))

UPDATES = {
    "add_": lambda x, b, c: x.add_(b),
    "add_ alpha": lambda x, b, c: x.add_(c, alpha=-0.5),
    "sub_": lambda x, b, c: x.sub_(b, alpha=2),
    "mul_": lambda x, b, c: x.mul_(c),
    "div_": lambda x, b, c: x.div_(c),
    "scalar ops": lambda x, b, c: x.add_(1.5).mul_(2).sub_(1).div_(4),
    "addcmul_": lambda x, b, c: x.addcmul_(b, c, value=0.3),
    "addcdiv_": lambda x, b, c: x.addcdiv_(b, c, value=-2),
    "lerp_": lambda x, b, c: x.lerp_(b.to(x.dtype), 0.25),
    "lerp_ tensor weight": lambda x, b, c: x.lerp_(b.to(x.dtype), (c / 3).to(x.dtype)),
    "sqrt_": lambda x, b, c: x.mul_(x).sqrt_(),
    "clamp_": lambda x, b, c: x.clamp_(-0.5, 0.5),
    "clamp_ min": lambda x, b, c: x.clamp_(min=0),
    "clip_": lambda x, b, c: x.clip_(max=0.1),
    "copy_": lambda x, b, c: x.copy_(c),
    "fill_": lambda x, b, c: x.fill_(2.5),
    "masked_fill_": lambda x, b, c: x.masked_fill_(b > 0, -1.0),
    "iadd": lambda x, b, c: x.__iadd__(b),
    "isub": lambda x, b, c: x.__isub__(c),
    "imul": lambda x, b, c: x.__imul__(3),
    "itruediv": lambda x, b, c: x.__itruediv__(c),
}


@pytest.mark.parametrize("name", UPDATES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_updates_match_pytorch_in_place(name, dtype, device):
    update = UPDATES[name]
    a = A.astype(dtype)
    x = gv.tensor(a, device=device)
    buffer = x._data
    out = update(x, gv.tensor(B, device=device), gv.tensor(C, device=device))
    expected = update(torch.tensor(a), torch.tensor(B), torch.tensor(C))
    assert out is x and x._data is buffer, "the update must write into the tensor's own buffer"
    assert x.dtype.name == dtype
    assert x.device == gv.device(device)
    np.testing.assert_allclose(host(x), expected.numpy(), rtol=1e-6)


def test_updates_allowed_under_no_grad_on_parameters(device):
    w = gv.tensor(A, device=device, requires_grad=True)
    grad = gv.tensor(B, device=device)
    with gv.no_grad():
        w.add_(grad, alpha=-0.1).mul_(0.9)
        w -= grad
    np.testing.assert_allclose(host(w), (A - 0.1 * B) * 0.9 - B)
    assert w.requires_grad and w.grad_fn is None


@pytest.mark.parametrize("update", [lambda w: w.add_(1), lambda w: w.uniform_(), lambda w: w.fill_(0)])
def test_updates_refuse_tensors_that_require_grad_while_recording(update):
    w = gv.ones(3, requires_grad=True)
    with pytest.raises(GraphError, match=r"cannot be modified in place .*no_grad"):
        update(w)


def test_an_operand_that_requires_grad_is_recorded_or_refused_with_the_reason():
    """add_ has an out-of-place twin, so it is recorded (ops.recorded_in_place); copy_ has none."""
    x, w = gv.ones(3), gv.ones(3, requires_grad=True)
    assert x.add_(w) is x and x.requires_grad
    x.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(GraphError, match=r"copy_: an operand requires grad"):
        gv.ones(3).copy_(w)


def test_augmented_assignment_inside_a_graph_is_out_of_place():
    w = gv.tensor([1.0, 2.0], requires_grad=True)
    total = gv.zeros(2)
    original = total
    total += w * 3
    hidden = w * 2
    hidden *= w
    (total.sum() + hidden.sum()).backward()
    assert original.tolist() == [0.0, 0.0]
    np.testing.assert_allclose(w.grad.numpy(), 3 + 4 * np.array([1.0, 2.0]))
    with pytest.raises(GraphError, match=r"cannot be modified in place"):
        w += 1


def test_copy_casts_and_crosses_devices(device):
    x = gv.zeros(2, 3, dtype=gv.int64, device=device)
    x.copy_(gv.tensor([[1.7, -2.2, 3.0]]))
    assert host(x).tolist() == [[1, -2, 3], [1, -2, 3]]
    assert x.dtype == gv.int64 and x.device == gv.device(device)


def test_masked_fill_with_tensor_value_and_broadcast_mask(device):
    x = gv.tensor(A, device=device)
    x.masked_fill_(gv.tensor([True, False, False, True], device=device), gv.tensor(7.0))
    expected = torch.tensor(A).masked_fill_(torch.tensor([True, False, False, True]), 7.0)
    np.testing.assert_array_equal(host(x), expected.numpy())


def test_integer_tensors_keep_their_dtype():
    x = gv.tensor([1, 2, 3])
    x.add_(2).mul_(gv.tensor([1, 0, 2])).sub_(1)
    x.fill_(2.7)
    assert x.tolist() == [2, 2, 2] and x.dtype == gv.int64
    flags = gv.tensor([True, False])
    flags.copy_(gv.tensor([0.0, 3.0]))
    assert flags.tolist() == [False, True]


@pytest.mark.parametrize(
    "update, message",
    [
        (
            lambda x: x.add_(1.5),
            r"add_: a float operand cannot be written in place into a gradviz.int64 tensor",
        ),
        (lambda x: x.mul_(gv.ones(3)), r"mul_: a float operand .*int64"),
        (
            lambda x: x.div_(2),
            r"div_: a floating point result cannot be written in place into a gradviz.int64",
        ),
        (lambda x: x.sqrt_(), r"sqrt_: a floating point result"),
        (lambda x: x.uniform_(), r"uniform_: random values need a float tensor, got gradviz.int64"),
        (lambda x: x.normal_(), r"normal_: random values need a float tensor"),
        (
            lambda x: x.masked_fill_(gv.ones(3), 0),
            r"masked_fill_: the mask must be a bool tensor, got gradviz.float32",
        ),
    ],
)
def test_dtype_errors_name_the_op(update, message):
    with pytest.raises(DtypeError, match=message):
        update(gv.tensor([1, 2, 3]))


def test_shape_and_device_errors_name_the_op():
    x = gv.ones(3)
    with pytest.raises(
        ShapeError,
        match=r"add_: an operand of shape \(2, 3\) does not broadcast to the tensor's shape \(3,\)",
    ):
        x.add_(gv.ones(2, 3))
    with pytest.raises(ShapeError, match=r"copy_: src of shape \(4,\) does not broadcast .* \(3,\)"):
        x.copy_(gv.ones(4))
    with pytest.raises(ShapeError, match=r"masked_fill_: a mask of shape \(2,\)"):
        x.masked_fill_(gv.ones(2) > 0, 1.0)
    with pytest.raises(DeviceError, match=r"add_: the tensor is on cpu but the operand is on sim"):
        x.add_(gv.ones(3, device="sim"))
    with pytest.raises(ValueError, match=r"clamp_: at least one of min and max"):
        x.clamp_()
    with pytest.raises(TypeError, match=r"copy_: src must be a Tensor"):
        x.copy_([1.0, 2.0, 3.0])


@pytest.mark.parametrize("dtype", [gv.float32, gv.float64])
def test_random_fills_keep_dtype_device_and_follow_the_seed(dtype, device):
    x = gv.zeros(2000, dtype=dtype, device=device)
    gv.manual_seed(3)
    values = host(x.uniform_(-2, 3)).copy()
    assert x.dtype == dtype and x.device == gv.device(device)
    assert values.min() >= -2 and values.max() < 3 and abs(values.mean() - 0.5) < 0.1
    gv.manual_seed(3)
    np.testing.assert_array_equal(host(x.uniform_(-2, 3)), values)
    x.normal_(1.0, 0.5, generator=gv.Generator(7))
    normal = host(x)
    assert abs(normal.mean() - 1.0) < 0.05 and abs(normal.std() - 0.5) < 0.05
    np.testing.assert_array_equal(host(x.normal_(1.0, 0.5, generator=gv.Generator(7))), normal)
    exponential = host(x.exponential_(2.0, generator=gv.Generator(1)))
    assert exponential.min() >= 0 and abs(exponential.mean() - 0.5) < 0.05


@pytest.mark.parametrize("dtype", [gv.float32, gv.int64])
def test_random_integers_fill_the_range_asked_for(dtype, device):
    x = gv.zeros(3000, dtype=dtype, device=device)
    assert x.random_(3, 7, generator=gv.Generator(2)) is x and x.dtype == dtype
    assert sorted(set(host(x).tolist())) == [3, 4, 5, 6]
    assert sorted(set(host(x.random_(2)).tolist())) == [0, 1]
    with pytest.raises(RuntimeError, match="random_: expects from < to"):
        x.random_(5, 5)
    with pytest.raises(RuntimeError):
        torch.zeros(3).random_(5, 5)
    with pytest.raises(RuntimeError, match="exponential_: expects lambd > 0.0"):
        gv.zeros(3).exponential_(0.0)
