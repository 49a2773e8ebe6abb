"""cdist, pdist, cov, corrcoef, trapezoid, cumulative_trapezoid, gradient, float_power, gcd, lcm,
unravel_index and nanmedian against PyTorch: values and gradients on the CPU and the simulated device,
and the errors."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, ShapeError
from tests.oracle import check, check_refused_like_torch, host

rng = np.random.default_rng(0)
NAN = float("nan")


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
def test_cdist_and_pdist_match_pytorch(p, device):
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    check(lambda x, y: gv.cdist(x, y, p), lambda x, y: torch.cdist(x, y, p), a, b, device=device)
    check(lambda x: gv.pdist(x, p), lambda x: torch.pdist(x, p), a[0], device=device)
    check(
        lambda x: gv.nn.functional.pdist(x, p), lambda x: torch.nn.functional.pdist(x, p), a[1], device=device
    )


def test_a_zero_distance_has_a_zero_gradient_as_in_pytorch():
    a = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]])
    check(lambda x: gv.pdist(x), lambda x: torch.pdist(x), a, gradcheck=False)
    check(lambda x: gv.cdist(x, x), lambda x: torch.cdist(x, x), a, gradcheck=False)


@pytest.mark.parametrize(
    "options",
    [dict(), dict(correction=0), dict(correction=2), dict(fweights=[1, 2, 1, 1, 3, 1]), dict(aweights=True)],
)
def test_cov_matches_pytorch(options, device):
    def call(lib):
        kwargs = dict(options)
        if "fweights" in kwargs:
            kwargs["fweights"] = lib.tensor(
                kwargs["fweights"], **({} if lib is torch else {"device": device})
            )
        if kwargs.get("aweights"):
            weights = np.linspace(0.2, 1.0, 6)
            kwargs["aweights"] = lib.tensor(weights, **({} if lib is torch else {"device": device}))
        return lambda x: lib.cov(x, **kwargs)

    check(call(gv), call(torch), rng.standard_normal((3, 6)), device=device)
    check(lambda x: x.cov(), lambda x: x.cov(), rng.standard_normal(6), device=device)


def test_corrcoef_matches_pytorch(device):
    check(gv.corrcoef, torch.corrcoef, rng.standard_normal((3, 7)), device=device)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, y: lib.trapezoid(y),
        lambda lib, y: lib.trapezoid(y, dx=0.25, dim=0),
        lambda lib, y: lib.cumulative_trapezoid(y, dx=2.0, dim=0),
    ],
)
def test_trapezoid_rules_with_even_spacing_match_pytorch(call, device):
    check(lambda a: call(gv, a), lambda a: call(torch, a), rng.standard_normal((3, 5)), device=device)


@pytest.mark.parametrize("name", ["trapezoid", "trapz", "cumulative_trapezoid"])
def test_trapezoid_rules_at_sample_positions_match_pytorch(name, device):
    y, x = rng.standard_normal((3, 5)), np.cumsum(rng.uniform(0.1, 1.0, 5))
    check(lambda a, b: getattr(gv, name)(a, b), lambda a, b: getattr(torch, name)(a, b), y, x, device=device)


@pytest.mark.parametrize(
    "options", [dict(), dict(spacing=0.5), dict(dim=1, edge_order=2), dict(spacing=[2.0, 0.5], dim=[0, 1])]
)
def test_gradient_matches_pytorch(options, device):
    check(
        lambda f: gv.gradient(f, **options),
        lambda f: torch.gradient(f, **options),
        rng.standard_normal((4, 5)),
        device=device,
    )


def test_float_power_gcd_lcm_and_unravel_index_match_pytorch():
    cases = [
        lambda lib: lib.float_power(lib.tensor([2, 3]), 2),
        lambda lib: lib.float_power(2, lib.tensor([1.0, 0.5])),
        lambda lib: lib.tensor([1.5, 2.0]).float_power(lib.tensor([2.0, -1.0])),
        lambda lib: lib.gcd(lib.tensor([12, 18, 0, -4]), lib.tensor([8, 27, 5, 6])),
        lambda lib: lib.lcm(lib.tensor([4, 6, 0]), lib.tensor([6, 8, 3])),
        lambda lib: lib.unravel_index(lib.tensor([5, 7, -1, 0]), (2, 4))[1],
        lambda lib: lib.unravel_index(lib.tensor(13), (2, 3, 4))[2],
    ]
    for call in cases:
        mine, expected = call(gv), call(torch)
        assert str(mine.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
        np.testing.assert_allclose(host(mine), expected.numpy())
    check(lambda t: gv.float_power(t, 3), lambda t: torch.float_power(t, 3), rng.standard_normal(4))


@pytest.mark.parametrize("dim, keepdim", [(1, False), (0, True)])
def test_nanmedian_matches_pytorch(dim, keepdim, device):
    x = rng.standard_normal((4, 5))
    x[0, 1] = x[2, 3] = x[2, 0] = NAN
    mine = gv.nanmedian(gv.tensor(x, device=device), dim, keepdim)
    expected = torch.nanmedian(torch.tensor(x), dim, keepdim)
    np.testing.assert_array_equal(host(mine.values), expected.values.numpy())
    assert mine.indices.tolist() == expected.indices.tolist()
    check(
        lambda t: gv.nanmedian(t, dim, keepdim).values,
        lambda t: torch.nanmedian(t, dim, keepdim).values,
        x,
        device=device,
        gradcheck=False,  # finite differences through NaN are NaN
    )
    assert gv.nanmedian(gv.tensor(x)).item() == torch.nanmedian(torch.tensor(x)).item()


def test_bad_input_is_refused_as_pytorch_refuses_it():
    cases = [
        ("cdist(ones(3, 4), ones(2, 5))", ShapeError, "cdist: expects two sets of row vectors"),
        (
            "cdist(ones(3, 4, dtype=int64), ones(2, 4, dtype=int64))",
            DtypeError,
            "cdist: expects floating point",
        ),
        ("pdist(ones(3))", ShapeError, r"pdist: expects a 2-D input \(N, M\), got shape \(3,\)"),
        ("cov(ones(2, 2, 2))", ShapeError, "cov: expects a 1-D or 2-D input"),
        ("cov(ones(2, 3), fweights=tensor([1.0, 2.0, 1.0]))", DtypeError, "cov: fweights must be integers"),
        ("gradient(ones(2), edge_order=2)", ShapeError, "gradient: dimension 0 has 2 samples"),
        ("gcd(ones(2), ones(2))", DtypeError, "gcd: expects bool or integer tensors, got gradviz.float32"),
        (
            "trapezoid(ones(3, 4), arange(3.0))",
            ShapeError,
            "trapezoid: x has 3 positions but y has 4 samples",
        ),
    ]
    for call, error, message in cases:
        check_refused_like_torch(
            ((RuntimeError, NotImplementedError, ValueError), lambda call=call: eval(call, vars(torch))),
            (error, lambda call=call: eval(call, vars(gv))),
            message,
        )


def test_their_in_place_forms_match_pytorch():
    for lib in (gv, torch):
        assert lib.tensor([12, 18]).gcd_(lib.tensor([8, 27])).tolist() == [4, 9]
        assert lib.tensor([4, 6]).lcm_(lib.tensor([6, 8])).tolist() == [12, 24]
        assert lib.tensor([2.0, 3.0], dtype=lib.float64).float_power_(2).tolist() == [4.0, 9.0]
    check_refused_like_torch(
        (RuntimeError, lambda: torch.tensor([2.0]).float_power_(2)),
        (DtypeError, lambda: gv.tensor([2.0]).float_power_(2)),
        "float_power_: the result is float64 and cannot be written into a gradviz.float32 tensor",
    )
