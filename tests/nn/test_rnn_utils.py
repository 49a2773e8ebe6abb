"""nn.utils.rnn.pad_sequence / unpad_sequence and nn.utils.get_total_norm / clip_grads_with_norm_
against PyTorch (values, gradients through the padding, errors)."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import ShapeError
from tests.oracle import check, host

rng = np.random.default_rng(0)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_pytorch_with_gradients(batch_first, padding_side, device):
    sequences = [rng.standard_normal((n, 3)) for n in (2, 4, 1)]

    def pad(lib):
        rnn = gv.nn.utils.rnn if lib is gv else torch.nn.utils.rnn
        return lambda *s: rnn.pad_sequence(list(s), batch_first, -1.0, padding_side)

    check(pad(gv), pad(torch), *sequences, device=device)


def test_unpad_sequence_returns_what_was_padded():
    sequences = [gv.tensor(rng.standard_normal((n, 2))) for n in (3, 1, 2)]
    for batch_first in (False, True):
        padded = gv.nn.utils.rnn.pad_sequence(sequences, batch_first=batch_first)
        back = gv.nn.utils.rnn.unpad_sequence(padded, gv.tensor([3, 1, 2]), batch_first=batch_first)
        assert [b.tolist() for b in back] == [s.tolist() for s in sequences]
    with pytest.raises(ShapeError, match="pad_sequence: the sequences must agree after their first dim"):
        gv.nn.utils.rnn.pad_sequence([gv.ones(2, 3), gv.ones(2, 4)])
    with pytest.raises(RuntimeError):
        torch.nn.utils.rnn.pad_sequence([torch.ones(2, 3), torch.ones(2, 4)])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_total_norm_and_clipping_with_it_match_pytorch(norm_type):
    grads = [rng.standard_normal(s) for s in ((3, 4), (5,), (2, 2))]
    totals, clipped = [], []
    for lib in (gv, torch):
        params = [lib.tensor(g, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g)
        utils = gv.nn.utils if lib is gv else torch.nn.utils
        total = utils.get_total_norm([p.grad for p in params], norm_type)
        utils.clip_grads_with_norm_(params, 1.5, total)
        totals.append(float(total))
        clipped.append([host(p.grad) if lib is gv else p.grad.numpy() for p in params])
    assert totals[0] == pytest.approx(totals[1], rel=1e-12)
    for mine, theirs in zip(*clipped):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)
