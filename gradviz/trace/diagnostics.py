"""Findings in plain words, each pointing at a layer or op and carrying its evidence.

The rules read the recorder's own series, at the latest recorded step unless told otherwise:

* vanishing — the first layer's weight-gradient norm is ``vanish_ratio`` (1e-3) or less of the last
  layer's, or a layer's norm is below ``floor``;
* exploding — a gradient norm above ``ceiling``, or the total norm growing ``growth``-fold over the last
  few steps;
* dead_relu — a ReLU whose outputs are (almost) all exactly zero;
* saturated — a sigmoid/tanh whose outputs sit (almost) all near its asymptotes;
* nan — the first op whose output (forward) or gradient (backward) held NaN/Inf, and which of its
  inputs was already bad;
* diverging / oscillating — a loss that grows, or jumps up and down, step after step (a learning rate
  too large).
"""

import math
from dataclasses import dataclass, field

import numpy as np

KINDS = ("vanishing", "exploding", "dead_relu", "saturated", "nan", "diverging", "oscillating")


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    step: int
    layer: str | None = None
    op: str | None = None
    evidence: dict = field(default_factory=dict)

    def __str__(self):
        where = " / ".join(w for w in (self.layer, self.op) if w)
        return f"[{self.kind}] step {self.step}{f' at {where}' if where else ''}: {self.message}"


@dataclass(frozen=True)
class Thresholds:
    vanish_ratio: float = 1e-3
    floor: float = 1e-7
    ceiling: float = 1e3
    growth: float = 10.0
    dead_fraction: float = 0.9
    saturated_fraction: float = 0.9
    window: int = 10


def diagnose(recorder, kinds=KINDS, thresholds=Thresholds()):
    """All findings of the given kinds for the recorder's latest step."""
    findings = []
    for kind in kinds:
        findings.extend(RULES[kind](recorder, thresholds))
    return findings


def _latest(series):
    return {name: values[-1] for name, values in series.items() if len(values) and not math.isnan(values[-1])}


def _step(recorder):
    steps = recorder.steps()
    return int(steps[-1]) if len(steps) else 0


def _weights_in_order(recorder):
    """Weight matrices' gradient norms, input side first (biases and 1-D parameters left out).

    The order is data-flow order: the order in which the step's recorded graph first uses each
    parameter (so a head registered before the body still comes last), with parameters the graph does
    not show after, in registration order. Dimensions come from the graph, else from the model, else
    from what a loaded recording saved (``Recorder.parameter_ndims``)."""
    norms = _latest(recorder.gradient_flow())
    ndims = recorder.parameter_ndims()
    graph = recorder.graph()
    order = {}
    if graph is not None:
        for oid in graph.op_order:
            for ref in graph.ops[oid].tensor_inputs:
                node = graph.tensors[ref]
                if node.kind == "parameter" and node.name in norms and node.name not in order:
                    order[node.name] = None
                    ndims.setdefault(node.name, len(node.shape))
    order.update(dict.fromkeys(norms))
    return [(n, norms[n]) for n in order if ndims.get(n, 2) >= 2]


def vanishing(recorder, t):
    weights = _weights_in_order(recorder)
    if len(weights) < 2:
        return []
    (first, first_norm), (last, last_norm) = weights[0], weights[-1]
    step = _step(recorder)
    evidence = {"first_layer": first, "first_norm": first_norm, "last_layer": last, "last_norm": last_norm}
    finite = math.isfinite(first_norm) and math.isfinite(last_norm)
    if finite and last_norm > 0 and first_norm / last_norm <= t.vanish_ratio:
        ratio = first_norm / last_norm
        orders = abs(math.log10(max(ratio, 1e-300)))
        message = (
            f"the gradient reaching {first} is {ratio:.1e} of the one at {last} "
            f"({orders:.0f} orders of magnitude smaller): the layers near the input barely learn; "
            "try ReLU with Kaiming initialisation, normalisation layers or residual connections"
        )
        return [Finding("vanishing", message, step, first, None, evidence | {"ratio": ratio})]
    tiny = [(n, v) for n, v in weights if v < t.floor]
    return [
        Finding(
            "vanishing",
            f"the gradient of {n} has norm {v:.1e}, below {t.floor:.0e}",
            step,
            n,
            None,
            {"norm": v, "floor": t.floor},
        )
        for n, v in tiny
    ]


def exploding(recorder, t):
    """One finding for the norms above the ceiling (at the largest, naming the others in its evidence),
    else one for a total norm that grew step after step."""
    step = _step(recorder)
    over = {n: v for n, v in _latest(recorder.gradient_flow()).items() if v > t.ceiling}
    findings = []
    if over:
        worst = max(over, key=over.get)
        others = f"; {len(over) - 1} other parameters are above it too" if len(over) > 1 else ""
        message = (
            f"the gradient of {worst} has norm {over[worst]:.2e}, above {t.ceiling:.0e}{others}: clip "
            "gradients (nn.utils.clip_grad_norm_) or lower the learning rate"
        )
        evidence = {"norm": over[worst], "ceiling": t.ceiling, "above_ceiling": over}
        findings.append(Finding("exploding", message, step, worst, None, evidence))
    total = _total_norms(recorder)[-t.window :]
    if (
        not findings
        and len(total) >= 3
        and np.all(np.diff(total) > 0)
        and total[-1] >= t.growth * total[0] > 0
    ):
        message = (
            f"the total gradient norm grew {total[-1] / total[0]:.0f}-fold over the last {len(total)} steps, "
            "every step larger than the one before"
        )
        findings.append(Finding("exploding", message, step, None, None, {"total_norms": total.tolist()}))
    return findings


def _total_norms(recorder):
    flow = recorder.gradient_flow()
    if not flow:
        return np.zeros(0)
    stacked = np.stack(list(flow.values()))
    return np.sqrt(np.nansum(stacked**2, axis=0))


def _activation_findings(recorder, t, kind, stat, op_names, threshold, explain):
    step = _step(recorder)
    findings = []
    graph = recorder.graph()
    ops = list(graph.ops.values()) if graph is not None else []
    for index, fraction in _latest(recorder.op_stats(stat)).items():
        if index < len(ops) and ops[index].op in op_names and fraction >= threshold:
            op = ops[index]
            findings.append(
                Finding(
                    kind,
                    explain(fraction),
                    step,
                    op.module or None,
                    op.op,
                    {"fraction": fraction, "op_index": index},
                )
            )
    return findings


def dead_relu(recorder, t):
    return _activation_findings(
        recorder,
        t,
        "dead_relu",
        "zeros",
        {"relu"},
        t.dead_fraction,
        lambda f: (
            f"{f:.0%} of this ReLU's outputs are exactly zero, so no gradient flows through them "
            "(dead units); lower the learning rate or use LeakyReLU / a better initialisation"
        ),
    )


def saturated(recorder, t):
    return _activation_findings(
        recorder,
        t,
        "saturated",
        "saturated",
        {"sigmoid", "tanh"},
        t.saturated_fraction,
        lambda f: (
            f"{f:.0%} of the outputs sit at the asymptotes, where the derivative is nearly zero; "
            "normalise the inputs or use a smaller initialisation"
        ),
    )


def nan(recorder, t):
    origin = recorder.nan_origin
    if origin is None or origin["step"] != _step(recorder):
        return []
    bad = ", ".join(origin["bad_inputs"]) or "none (the op itself produced them)"
    message = (
        f"the first NaN/Inf appeared in the {origin['phase']} of '{origin['op']}'"
        f"{' in ' + origin['module'] if origin['module'] else ''}; inputs already bad: {bad}"
    )
    return [Finding("nan", message, origin["step"], origin["module"] or None, origin["op"], dict(origin))]


def _recent_losses(recorder, t):
    _, losses = recorder.losses()
    return losses[-t.window :]


def diverging(recorder, t):
    losses = _recent_losses(recorder, t)
    if len(losses) < 3:
        return []
    if not np.isfinite(losses[-1]) or (np.all(np.diff(losses) > 0) and losses[-1] > 2 * losses[0]):
        message = "the loss keeps growing (or became infinite): the learning rate is probably too large"
        return [Finding("diverging", message, _step(recorder), evidence={"losses": losses.tolist()})]
    return []


def oscillating(recorder, t):
    """The loss jumps up and down (most consecutive changes flip sign, by more than 5%) and has made no
    progress: not within the window (the averages of successive pairs, which do not depend on the phase
    of the zigzag, came down by less than 5%), and not since training began, or it sits 1.5 times above
    its best level. Mini-batch noise around a loss that has come down is not oscillation."""
    _, losses = recorder.losses()
    recent = losses[-t.window :]
    if len(recent) < t.window:
        return []
    signs = np.sign(np.diff(recent))
    flips = np.count_nonzero(signs[1:] != signs[:-1])
    swing = np.abs(np.diff(recent)).mean() / (np.abs(recent).mean() + 1e-12)
    # the trend of the averages of successive pairs, which cancel a period-2 zigzag whatever its phase
    pairs = (recent[1:] + recent[:-1]) / 2
    half = len(pairs) // 2
    stalled = pairs[-half:].mean() >= 0.95 * pairs[:half].mean()
    levels = losses[: len(losses) // t.window * t.window].reshape(-1, t.window).mean(axis=1)
    no_progress = recent.mean() >= min(0.9 * levels[0], 1.5 * levels.min())
    if flips >= 0.7 * (len(signs) - 1) and swing > 0.05 and stalled and no_progress:
        message = "the loss jumps up and down without decreasing: the learning rate is probably too large"
        return [Finding("oscillating", message, _step(recorder), evidence={"losses": recent.tolist()})]
    return []


RULES = {
    "vanishing": vanishing,
    "exploding": exploding,
    "dead_relu": dead_relu,
    "saturated": saturated,
    "nan": nan,
    "diverging": diverging,
    "oscillating": oscillating,
}
