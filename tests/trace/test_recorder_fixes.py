"""Regression tests for the recorder's audited defects, each checked against PyTorch or a hand
computation."""

import numpy as np
import pytest
import torch

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import nn
from gradviz.autograd import events
from gradviz.trace import Recorder


def tanh_stack(depth=6, width=6):
    gv.manual_seed(0)
    return nn.Sequential(*[nn.Sequential(nn.Linear(width, width), nn.Tanh()) for _ in range(depth)])


@pytest.mark.parametrize("every", [1, 2])
def test_captured_gradients_are_the_ones_that_flowed_on_unrecorded_steps_too(every):
    """A capture keyed arrays by id(); on a step that records no statistics nothing kept the gradients
    alive, ids were reused and stale values (even of other shapes) came back."""
    model = nn.Sequential(tanh_stack(), nn.Linear(6, 2))
    x = gv.tensor(np.random.RandomState(0).randn(4, 6).astype(np.float32))
    recorder = Recorder(model, every=every)
    log = []

    def observe(event):
        if event.__class__ is events.OpEvent and event.phase == "backward":
            log.append([None if t is None else t.data.copy() for t in event.output_tensors])

    with recorder:
        for step in range(2):
            if step == 1:
                recorder.capture_step()
                handle = events.subscribe(observe)
            loss = (model(x) ** 2).sum()
            model.zero_grad()
            loss.backward()
        handle.remove()
    captured = recorder.captured.backward()
    assert len(captured) == len(log)
    for record, expected in zip(captured, log):
        for value, array in zip(record.outputs, expected):
            if array is not None:
                assert value.array.shape == array.shape
                np.testing.assert_array_equal(value.array, array)
