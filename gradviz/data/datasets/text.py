"""A tiny synthetic sentiment set for a BiLSTM + attention text classifier.

Every sentence is neutral filler words with one or two sentiment words of the same polarity planted at
random positions; the label is that polarity. Only the planted words decide the label and they move
around, so a model must find them: the attention weights show whether it did.
"""

import numpy as np

from ...creation import from_numpy
from ..dataset import TensorDataset

FILLER = (
    "the movie film was a plot story and it this actors really quite with scenes ending music is very of"
).split()
POSITIVE = ("good", "great", "excellent", "wonderful", "brilliant", "enjoyable")
NEGATIVE = ("bad", "awful", "boring", "terrible", "dull", "poor")
VOCAB = ["<pad>", *FILLER, *POSITIVE, *NEGATIVE]
MIN_LEN, MAX_LEN = 5, 12


class SentimentToy(TensorDataset):
    """``n_samples`` sentences of 5..12 tokens; ``dataset[i]`` is ``(token_ids, label)`` with the ids
    padded to 12 with 0 and label 1 for positive, 0 for negative (half of each).

    ``vocab[i]`` is the word of id ``i`` (``vocab[0] == '<pad>'``); ``lengths`` holds each sentence's
    length before padding, for masking the padding out of attention.
    """

    pad_id = 0
    classes = ["negative", "positive"]

    def __init__(self, n_samples=1000, seed=0):
        rng = np.random.default_rng(seed)
        labels = rng.permutation(np.arange(n_samples) % 2)
        lengths = rng.integers(MIN_LEN, MAX_LEN + 1, size=n_samples)
        ids = np.zeros((n_samples, MAX_LEN), dtype=np.int64)
        for row, (label, length) in enumerate(zip(labels, lengths)):
            ids[row, :length] = _sentence(rng, label, length)
        super().__init__(from_numpy(ids), from_numpy(labels.astype(np.int64)))
        self.lengths = from_numpy(lengths.astype(np.int64))
        self.vocab = list(VOCAB)

    def words(self, ids):
        """The words of one sentence of ``ids``, padding dropped."""
        return [self.vocab[i] for i in ids.tolist() if i != self.pad_id]

    def __repr__(self):
        return f"SentimentToy(samples={len(self)}, vocab={len(self.vocab)})"


def _ids(words):
    return np.array([VOCAB.index(word) for word in words])


FILLER_IDS, POSITIVE_IDS, NEGATIVE_IDS = _ids(FILLER), _ids(POSITIVE), _ids(NEGATIVE)


def _sentence(rng, label, length):
    """``length`` filler ids with one or two sentiment ids of polarity ``label`` at random positions."""
    sentence = rng.choice(FILLER_IDS, size=length)
    planted = rng.integers(1, 3)
    sentence[rng.choice(length, size=planted, replace=False)] = rng.choice(
        POSITIVE_IDS if label else NEGATIVE_IDS, size=planted
    )
    return sentence
