"""Metrics that accumulate over batches: ``update`` per batch, ``accumulate`` for the epoch, ``reset``."""

import copy

from .autograd.grad_mode import no_grad


class Accuracy:
    """Fraction of correct predictions. Scores of shape (N, C) are classified by argmax; scores of
    shape (N,) or (N, 1) are binary logits (positive means class 1), or probabilities with
    ``is_logits=False`` (above 0.5 means class 1). Labels equal to ``ignore_index`` (e.g. the PAD token of
    a sequence) are not counted."""

    def __init__(self, is_logits=True, ignore_index=None):
        self.is_logits = is_logits
        self.ignore_index = ignore_index
        self.reset()

    def reset(self):
        self.correct = 0
        self.total = 0

    def update(self, scores, labels):
        with no_grad():
            predicted = self._classes(scores)
            labels = labels.reshape(predicted.shape)
            correct = predicted == labels
            if self.ignore_index is None:
                self.total += int(labels.numel())
            else:
                counted = labels != self.ignore_index
                correct = correct & counted
                self.total += int(counted.sum().item())
            self.correct += int(correct.sum().item())

    def _classes(self, scores):
        if scores.ndim == 2 and scores.shape[1] > 1:
            return scores.argmax(dim=1)
        threshold = 0.0 if self.is_logits else 0.5
        return (scores.reshape(-1) > threshold).long()

    def accumulate(self):
        return self.correct / self.total if self.total else 0.0

    def __call__(self, scores, labels):
        """The accuracy of one batch, without touching the running totals."""
        batch = copy.copy(self)
        batch.reset()
        batch.update(scores, labels)
        return batch.accumulate()

    def name(self):
        return "accuracy"


class Mean:
    """The running mean of a value per sample (a loss averaged over a batch counts ``batch_size`` times)."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.total = 0.0
        self.count = 0

    def update(self, value, n=1):
        self.total += float(value) * n
        self.count += n

    def accumulate(self):
        return self.total / self.count if self.count else 0.0
