"""gradviz.summary: shapes, parameter counts, multiply-adds and receptive fields checked against numbers
computed by hand with the course's formulas."""

import gradviz as gv
import gradviz.nn.functional as F
from gradviz.nn.containers import Sequential
from gradviz.nn.layers import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Embedding,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
)
from gradviz.nn.module import Module
from gradviz.nn.parameter import Parameter
from gradviz.summary import Summary, summary
from tests.oracle import host


def _cnn():
    return Sequential(
        Conv2d(1, 8, 3, padding=1),  # 28x28: 28·28·3·3·1·8 = 56,448 mult-adds, 8·9 + 8 = 80 params
        BatchNorm2d(8),  # 16 params
        ReLU(),
        MaxPool2d(2),  # 14x14
        Conv2d(8, 16, 3),  # 12x12: 12·12·9·8·16 = 165,888; 8·16·9 + 16 = 1,168 params
        Conv2d(16, 16, 3, stride=2, dilation=2),  # ⌊(12 − 4 − 1)/2⌋ + 1 = 4: 4·4·9·16·16 = 36,864; 2,320
        AvgPool2d(2),  # 2x2
        Flatten(),  # 64
        Linear(64, 10),  # 640 mult-adds, 650 params
    )


# receptive field r += dilation·(k − 1)·jump, jump *= stride:
# conv3: r 3, j 1 | pool2: r 4, j 2 | conv3: r 8, j 2 | conv3 dil 2 stride 2: r 16, j 4 | pool2: r 20, j 8
EXPECTED = [
    ("0", "Conv2d", (1, 8, 28, 28), 80, 56_448, (3, 3)),
    ("1", "BatchNorm2d", (1, 8, 28, 28), 16, 0, None),
    ("2", "ReLU", (1, 8, 28, 28), 0, 0, None),
    ("3", "MaxPool2d", (1, 8, 14, 14), 0, 0, (4, 4)),
    ("4", "Conv2d", (1, 16, 12, 12), 1_168, 165_888, (8, 8)),
    ("5", "Conv2d", (1, 16, 4, 4), 2_320, 36_864, (16, 16)),
    ("6", "AvgPool2d", (1, 16, 2, 2), 0, 0, (20, 20)),
    ("7", "Flatten", (1, 64), 0, 0, None),
    ("8", "Linear", (1, 10), 650, 640, None),
]
KEYS = ("name", "type", "output_shape", "params", "mult_adds", "receptive_field")


def test_rows_match_hand_computed_numbers():
    result = summary(_cnn(), (1, 1, 28, 28))
    assert isinstance(result, Summary)
    assert [tuple(row[k] for k in KEYS) for row in result.rows] == EXPECTED


def test_totals():
    result = summary(_cnn(), (1, 1, 28, 28))
    assert result.total_params == 80 + 16 + 1_168 + 2_320 + 650
    assert result.trainable_params == result.total_params
    assert result.total_mult_adds == 56_448 + 165_888 + 36_864 + 640


def test_mult_adds_are_per_sample():
    result = summary(_cnn(), (4, 1, 28, 28))
    assert result.rows[0]["output_shape"] == (4, 8, 28, 28)
    assert [row["mult_adds"] for row in result.rows] == [expected[4] for expected in EXPECTED]


def test_text_and_html_tables():
    result = summary(_cnn(), (1, 1, 28, 28))
    text = str(result)
    assert repr(result) == text
    for piece in ("Layer (type)", "Output shape", "Param #", "Mult-adds", "Receptive field"):
        assert piece in text
    assert "0 (Conv2d)" in text and "[1, 8, 28, 28]" in text and "56,448" in text
    assert "Total params: 4,234" in text and "Total mult-adds (per sample): 259,840" in text
    html = result._repr_html_()
    assert html.startswith("<table>") and "<td>4 (Conv2d)</td>" in html and "<td>165,888</td>" in html


def test_pass_runs_in_eval_mode_and_leaves_the_model_as_it_was():
    model = _cnn()
    model[2].eval()
    summary(model, (2, 1, 28, 28))
    bn = model[1]
    assert bn.num_batches_tracked.item() == 0 and (host(bn.running_mean) == 0).all()
    assert [m.training for m in model.modules()] == [True, True, True, False] + [True] * 6
    assert all(m._forward_hooks == [] for m in model.modules())


def test_non_square_windows_and_adaptive_pooling():
    model = Sequential(Conv2d(1, 2, (3, 1)), MaxPool2d((2, 1)), AdaptiveAvgPool2d(1))
    result = summary(model, (1, 1, 10, 10))
    # conv: r (3, 1) | pool (2, 1): r (4, 1), jump (2, 1) | adaptive 4x10 → 1: window (4, 10), r (10, 10)
    assert [row["receptive_field"] for row in result.rows] == [(3, 1), (4, 1), (10, 10)]
    assert "3x1" in str(result)


def test_token_model_with_integer_input():
    model = Sequential(Embedding(100, 16), Linear(16, 8))
    result = summary(model, (2, 5), dtype=gv.long)
    assert [row["params"] for row in result.rows] == [1_600, 136]
    assert [row["mult_adds"] for row in result.rows] == [0, 5 * 16 * 8]
    assert result.rows[1]["output_shape"] == (2, 5, 8)


class Scaled(Module):
    """A custom leaf with a parameter: its cost is unknown to summary."""

    def __init__(self):
        super().__init__()
        self.scale = Parameter(gv.ones(4))

    def forward(self, x):
        return x * self.scale


class Twice(Module):
    def __init__(self):
        super().__init__()
        self.shared = Linear(4, 4)
        self.custom = Scaled()

    def forward(self, x):
        return self.custom(self.shared(F.relu(self.shared(x))))


def test_unknown_costs_shared_modules_and_frozen_parameters():
    model = Twice()
    model.custom.scale.requires_grad_(False)
    result = summary(model, (1, 4))
    assert [(row["name"], row["params"], row["mult_adds"]) for row in result.rows] == [
        ("shared", 20, 16),
        ("shared", 0, 16),
        ("custom", 4, None),
    ]
    assert (result.total_params, result.trainable_params, result.total_mult_adds) == (24, 20, 32)
    assert "?" in str(result) and "Non-trainable params: 4" in str(result)


def test_a_leaf_model_and_the_model_device(device):
    model = Linear(4, 2).to(device)
    result = summary(model, (3, 4))
    assert result.rows[0]["name"] == "" and str(result).splitlines()[3].startswith("Linear")
    assert result.rows[0]["mult_adds"] == 8


def test_several_inputs():
    class Pair(Module):
        def __init__(self):
            super().__init__()
            self.left, self.right = Linear(3, 2), Linear(5, 2)

        def forward(self, a, b):
            return self.left(a) + self.right(b)

    result = summary(Pair(), [(1, 3), (1, 5)])
    assert [row["mult_adds"] for row in result.rows] == [6, 10]
    assert result.input_size == [(1, 3), (1, 5)]
    assert result.total_params == 8 + 12
