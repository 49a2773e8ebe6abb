"""A headless tour: train two deep classifiers on a spiral and print how the gradient flows.

Run: python -m gradviz.demo

A 10-layer sigmoid network (PyTorch's default initialisation) and the same network with ReLU and
Kaiming initialisation are trained side by side. Every op of one training step is reported by the
engine's event stream; the per-layer gradient norms show the lesson of vanishing gradients: through
sigmoids (derivative at most 0.25) they shrink layer by layer towards the input.
"""

import math

import numpy as np

import gradviz as gv
import gradviz.nn.functional as F
from gradviz.autograd import events


def spiral(n_per_class=100, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    points, labels = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1, n_per_class)
        angle = np.linspace(c * 4, (c + 1) * 4, n_per_class) + rng.normal(0, 0.2, n_per_class)
        points.append(np.c_[r * np.sin(angle), r * np.cos(angle)])
        labels.append(np.full(n_per_class, c))
    return gv.tensor(np.concatenate(points), dtype=gv.float32), gv.tensor(np.concatenate(labels))


def make_mlp(sizes, kaiming=False):
    """PyTorch's default initialisation (uniform, bound 1/sqrt(fan_in)), or Kaiming's normal one
    (std sqrt(2/fan_in)), which keeps the signal's scale through ReLU layers."""
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        bound = 1 / math.sqrt(fan_in)
        if kaiming:
            weight = gv.randn(fan_out, fan_in) * math.sqrt(2 / fan_in)
        else:
            weight = (gv.rand(fan_out, fan_in) * 2 - 1) * bound
        bias = (gv.rand(fan_out) * 2 - 1) * bound
        params.append((weight.requires_grad_(), bias.requires_grad_()))
    return params


def forward(params, x, activation):
    for weight, bias in params[:-1]:
        x = activation(F.linear(x, weight, bias))
    weight, bias = params[-1]
    return F.linear(x, weight, bias)


def train_step(params, x, y, activation, lr):
    loss = F.cross_entropy(forward(params, x, activation), y)
    for weight, bias in params:
        weight.grad = bias.grad = None
    loss.backward()
    with gv.no_grad():
        for weight, bias in params:
            weight -= lr * weight.grad
            bias -= lr * bias.grad
    return loss.item()


def accuracy(params, x, y, activation):
    with gv.no_grad():
        return (forward(params, x, activation).argmax(dim=1) == y).float().mean().item()


def gradient_flow(params):
    return [float(gv.sqrt((weight.grad * weight.grad).sum()).item()) for weight, _ in params]


def bar(value, lowest=1e-8, width=40):
    filled = (
        0 if value <= lowest else int(width * (math.log10(value) - math.log10(lowest)) / -math.log10(lowest))
    )
    return "#" * max(0, min(width, filled))


def count_ops(params, x, y, activation):
    seen = []
    with events.subscribe(seen.append):
        train_step(params, x, y, activation, lr=0.0)
    ops = [e for e in seen if isinstance(e, events.OpEvent)]
    return sum(e.phase == "forward" for e in ops), sum(e.phase == "backward" for e in ops)


def main(epochs=300):
    gv.manual_seed(0)
    x, y = spiral()
    sizes = [2] + [32] * 9 + [3]
    runs = {
        "sigmoid": (gv.sigmoid, make_mlp(sizes)),
        "relu + kaiming": (gv.relu, make_mlp(sizes, kaiming=True)),
    }
    n_forward, n_backward = count_ops(runs["sigmoid"][1], x, y, gv.sigmoid)
    layers = len(sizes) - 1
    print(f"One training step of a {layers}-layer MLP: {n_forward} forward and {n_backward} backward ops\n")
    print("Gradient L2 norm per layer at the first step (log scale, 1e-8 to 1):")
    for name, (activation, params) in runs.items():
        train_step(params, x, y, activation, lr=0.0)
        print(f"  {name}")
        for i, norm in enumerate(gradient_flow(params), 1):
            print(f"    layer {i:2d}  {norm:9.2e}  {bar(norm)}")
    print(
        "Through sigmoids (derivative at most 0.25) the gradient shrinks layer by layer towards the input.\n"
    )
    for epoch in range(1, epochs + 1):
        losses = {name: train_step(params, x, y, act, lr=0.05) for name, (act, params) in runs.items()}
        if epoch in (1, 10, 50, 100, epochs):
            print(f"epoch {epoch:4d}  " + "  ".join(f"{n} loss {v:.3f}" for n, v in losses.items()))
    scores = {name: accuracy(params, x, y, act) for name, (act, params) in runs.items()}
    print("\naccuracy: " + ", ".join(f"{name} {score:.0%}" for name, score in scores.items()))
    print("The deep sigmoid network barely learns; the ReLU network does.")


if __name__ == "__main__":
    main()
