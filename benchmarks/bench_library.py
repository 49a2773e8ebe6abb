"""Library benchmarks: a training step of the same model in gradviz and PyTorch CPU, reported as ratios.

Run: .venv/bin/python benchmarks/bench_library.py [--quick]

A step is forward, loss, backward and optimizer step, in float32. The CNN is bench_engine's (functional
ops and a plain SGD update); the LSTM (input 32, hidden 64, seq 32, batch 32) and the Transformer encoder
layer (d_model 64, 4 heads, dim_feedforward 128, seq 32, batch 32, dropout 0 and 0.1, post-norm, ReLU)
are built from ``gradviz.nn`` and ``torch.nn`` modules with the same hyper-parameters and trained with
Adam on the mean squared error against a fixed random target. Timing as in bench_engine (see common.py).
"""

import numpy as np
import torch
from bench_engine import cnn_step
from common import main, timed_row

import gradviz as gv
import gradviz.nn.functional as F


def random_tensor(lib, *shape, seed=0):
    return lib.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def regression_step(lib, model, forward, inputs, target):
    """One Adam step of ``model`` on the mean squared error between ``forward(model, inputs)`` and target."""
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        loss = lib.nn.functional.mse_loss(forward(model, inputs), target)
        loss.backward()
        optimizer.step()

    return step


def lstm_step(lib, batch=32, seq=32, input_size=32, hidden_size=64):
    model = lib.nn.LSTM(input_size, hidden_size, batch_first=True)
    inputs = random_tensor(lib, batch, seq, input_size)
    target = random_tensor(lib, batch, seq, hidden_size, seed=1)
    return regression_step(lib, model, lambda m, x: m(x)[0], inputs, target)


def transformer_step(lib, dropout, batch=32, seq=32, d_model=64, nhead=4, dim_feedforward=128):
    model = lib.nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True)
    inputs = random_tensor(lib, batch, seq, d_model)
    target = random_tensor(lib, batch, seq, d_model, seed=1)
    return regression_step(lib, model, lambda m, x: m(x), inputs, target)


def table(timing):
    repeat, few, _ = timing
    slow = max(few // 4, 1)
    rows = [
        timed_row(
            "CNN 2x(conv3x3+pool) step, batch 64",
            cnn_step(gv, F),
            cnn_step(torch, torch.nn.functional),
            "<= 2",
            repeat,
            slow,
        ),
        timed_row(
            "LSTM 32->64, seq 32, batch 32, Adam", lstm_step(gv), lstm_step(torch), "<= 2.5", repeat, slow
        ),
    ]
    for dropout in (0.0, 0.1):
        rows.append(
            timed_row(
                f"Transformer enc. layer 64/4h/ff128, dropout {dropout}",
                transformer_step(gv, dropout),
                transformer_step(torch, dropout),
                "<= 2",
                repeat,
                few,
            )
        )
    return rows


if __name__ == "__main__":
    main(__doc__, table)
