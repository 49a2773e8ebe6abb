"""Engine benchmarks: gradviz and PyTorch CPU side by side in one process, reported as ratios.

Run: .venv/bin/python benchmarks/bench_engine.py [--quick]

Machines here are shared and noisy, so each figure is the best of several repeats, and the table is
printed once with one BLAS thread and once with the default thread count (two threads can be much
faster on an idle machine and much slower on a busy one). Set MALLOC_TRIM_THRESHOLD_=268435456
MALLOC_MMAP_THRESHOLD_=33554432 to see the cost of glibc returning large buffers to the OS.
"""

import numpy as np
import torch
from common import Row, best_times, main

import gradviz as gv
import gradviz.nn.functional as F
from gradviz.autograd import events


def tiny_op_chain(lib, length=50):
    x = lib.randn(4, requires_grad=True)
    seed = lib.ones(4)

    def step():
        y = x
        for _ in range(length):
            y = y * 1.01
        y.backward(seed)

    return step, length


def subscribed(step):
    """``step`` run with one event subscriber that does nothing."""

    def run():
        with events.subscribe(lambda event: None):
            step()

    return run


def mlp_step(lib, functional, batch=128, sizes=(784, 256, 256, 10)):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, sizes[0])).astype(np.float32))
    y = lib.tensor(rng.integers(0, sizes[-1], batch))
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        w = lib.tensor((rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)).astype(np.float32))
        b = lib.tensor(np.zeros(fan_out, np.float32))
        params += [w.requires_grad_(), b.requires_grad_()]

    def step():
        h = x
        for i in range(0, len(params) - 2, 2):
            h = functional.relu(functional.linear(h, params[i], params[i + 1]))
        loss = functional.cross_entropy(functional.linear(h, params[-2], params[-1]), y)
        for p in params:
            p.grad = None
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.01 * p.grad

    return step


def mlp_step_numpy(batch=128, sizes=(784, 256, 256, 10)):
    """The floor for any numpy engine: the same MLP step written by hand."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch)
    ws = [(rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32) for i, o in zip(sizes, sizes[1:])]
    bs = [np.zeros(o, np.float32) for o in sizes[1:]]

    def step():
        acts = [x]
        for w, b in zip(ws[:-1], bs[:-1]):
            acts.append(np.maximum(acts[-1] @ w.T + b, 0))
        logits = acts[-1] @ ws[-1].T + bs[-1]
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(batch), y] -= 1
        grad = probs / batch
        for i in range(len(ws) - 1, -1, -1):
            gw, gb = grad.T @ acts[i], grad.sum(0)
            if i:
                grad = (grad @ ws[i]) * (acts[i] > 0)
            ws[i] -= 0.01 * gw
            bs[i] -= 0.01 * gb

    return step


def cnn_step(lib, functional, batch=64):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, batch))
    shapes = [(16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (10, 32 * 7 * 7), (10,)]
    params = [lib.tensor((rng.standard_normal(s) * 0.1).astype(np.float32)).requires_grad_() for s in shapes]

    def step():
        h = functional.max_pool2d(functional.relu(functional.conv2d(x, params[0], params[1], padding=1)), 2)
        h = functional.max_pool2d(functional.relu(functional.conv2d(h, params[2], params[3], padding=1)), 2)
        loss = functional.cross_entropy(functional.linear(h.reshape(batch, -1), params[4], params[5]), y)
        for p in params:
            p.grad = None
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.01 * p.grad

    return step


def table(timing):
    repeat, few, many = timing
    rows = []
    gv_chain, n = tiny_op_chain(gv)
    torch_chain, _ = tiny_op_chain(torch)
    t_gv, t_torch, t_sub = best_times([gv_chain, torch_chain, subscribed(gv_chain)], repeat, many)
    rows.append(Row("tiny op forward+backward (per op)", t_gv / n, t_torch / n, "<= 0.6"))
    rows.append(Row("  ... with one event subscriber", t_sub / n, t_gv / n, "<= 1.15 (vs none)"))
    mlp_steps = [mlp_step(gv, F), mlp_step(torch, torch.nn.functional), mlp_step_numpy()]
    t_gv, t_torch, t_np = best_times(mlp_steps, repeat, few)
    rows.append(Row("MLP 784-256-256-10 step, batch 128", t_gv, t_torch, "~1 (parity)"))
    rows.append(Row("  ... vs hand-written numpy floor", t_gv, t_np, "<= 1.2"))
    cnn_steps = [cnn_step(gv, F), cnn_step(torch, torch.nn.functional)]
    t_gv, t_torch = best_times(cnn_steps, repeat, max(few // 4, 2))
    rows.append(Row("CNN 2x(conv3x3+pool) step, batch 64", t_gv, t_torch, "<= 2"))
    return rows


if __name__ == "__main__":
    main(__doc__, table)
