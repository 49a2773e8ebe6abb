import pytest

import gradviz as gv
from gradviz.metrics import Accuracy, Mean

from .models import TokenAccuracy


def test_accuracy_classifies_class_scores_by_argmax():
    scores = gv.tensor([[2.0, 1.0, 0.0], [0.0, 0.5, 3.0], [1.0, 4.0, 0.0], [9.0, 0.0, 0.0]])
    metric = Accuracy()
    metric.update(scores, gv.tensor([0, 2, 0, 1]))
    assert (metric.correct, metric.total) == (2, 4)
    assert metric.accumulate() == 0.5


@pytest.mark.parametrize("shape", [(4,), (4, 1)])
def test_accuracy_reads_binary_logits_by_sign(shape):
    logits = gv.tensor([2.0, -1.0, 0.5, -3.0]).reshape(shape)
    assert Accuracy()(logits, gv.tensor([1, 0, 0, 0])) == 0.75


def test_accuracy_thresholds_probabilities_at_one_half():
    probabilities = gv.tensor([[0.9], [0.4], [0.6], [0.2]])
    labels = gv.tensor([1, 0, 1, 0])
    assert Accuracy(is_logits=False)(probabilities, labels) == 1.0
    assert Accuracy()(probabilities, labels) == 0.5  # read as logits, every score is positive


def test_accuracy_accumulates_over_batches_weighted_by_size():
    metric = Accuracy()
    metric.update(gv.tensor([[1.0, 0.0]]), gv.tensor([0]))
    metric.update(gv.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]), gv.tensor([1, 1, 1]))
    assert metric.accumulate() == 0.25


def test_accuracy_reset_starts_over():
    metric = Accuracy()
    metric.update(gv.tensor([[1.0, 0.0]]), gv.tensor([1]))
    metric.reset()
    assert metric.accumulate() == 0.0
    metric.update(gv.tensor([[1.0, 0.0]]), gv.tensor([0]))
    assert metric.accumulate() == 1.0


def test_calling_accuracy_scores_one_batch_without_touching_the_totals():
    metric = Accuracy()
    metric.update(gv.tensor([[1.0, 0.0]]), gv.tensor([1]))
    assert metric(gv.tensor([[1.0, 0.0], [0.0, 1.0]]), gv.tensor([0, 1])) == 1.0
    assert (metric.correct, metric.total) == (0, 1)


def test_accuracy_leaves_out_labels_equal_to_ignore_index():
    scores = gv.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    metric = Accuracy(ignore_index=0)
    metric.update(scores, gv.tensor([0, 1, 2, 0]))
    assert (metric.correct, metric.total) == (1, 2)
    assert metric(scores, gv.tensor([0, 0, 0, 2])) == 1.0


def test_accuracy_does_not_record_gradients():
    scores = gv.tensor([[1.0, 0.0]], requires_grad=True)
    Accuracy().update(scores * 2, gv.tensor([0]))
    assert scores.grad is None


def test_token_accuracy_counts_non_pad_tokens_of_a_sequence_batch():
    """(N, L, vocab) scores: tokens 1 and 2 of row 0 right, PAD (0) labels not counted, row 1 one miss."""
    winners = gv.tensor([[1, 2, 3], [2, 2, 0]])
    scores = gv.eye(4)[winners]
    metric = TokenAccuracy()
    metric.update(scores, gv.tensor([[1, 2, 0], [3, 2, 0]]))
    assert (metric.correct, metric.total) == (3, 4)
    assert metric(scores, gv.tensor([[1, 2, 3], [2, 2, 0]])) == 1.0


def test_mean_weights_each_value_by_its_count():
    mean = Mean()
    assert mean.accumulate() == 0.0
    mean.update(1.0, n=3)
    mean.update(gv.tensor(5.0).item())
    assert mean.accumulate() == pytest.approx(2.0)
    assert mean.count == 4
    mean.reset()
    assert (mean.total, mean.count) == (0.0, 0)
