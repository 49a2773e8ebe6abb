"""Sequence-to-sequence tasks for recurrent and attention models: copy, reverse or sort a token string.

Token ids: ``PAD = 0``, ``BOS = 1``, ``EOS = 2``, then the ordinary tokens ``3 .. vocab_size + 2``. A
source is the tokens then EOS, padded to ``max_len + 1``; a target is BOS, the answer, EOS, padded to
``max_len + 2``, ready for teacher forcing (decoder input ``target[:, :-1]``, labels ``target[:, 1:]``).
"""

import numpy as np

from ...autograd.tensor import Tensor
from ...creation import from_numpy
from ..dataset import TensorDataset

PAD, BOS, EOS = 0, 1, 2
KINDS = ("copy", "reverse", "sort")


class SequenceTask(TensorDataset):
    """``n_samples`` random token strings of length ``min_len .. max_len`` over ``vocab_size`` ordinary
    tokens; ``dataset[i]`` is ``(source, target)``, int64 tensors. ``vocab_size`` on the dataset counts
    the three special tokens too (the size an embedding table needs); ``lengths`` holds each string's
    length without specials."""

    pad_id, bos_id, eos_id = PAD, BOS, EOS

    def __init__(self, kind="copy", n_samples=1000, min_len=3, max_len=8, vocab_size=10, seed=0):
        if kind not in KINDS:
            raise ValueError(f"SequenceTask: kind must be one of {KINDS}, got {kind!r}")
        if not 1 <= min_len <= max_len:
            raise ValueError(
                f"SequenceTask: need 1 <= min_len <= max_len, got min_len={min_len}, max_len={max_len}"
            )
        if vocab_size < 1:
            raise ValueError(f"SequenceTask: vocab_size must be at least 1, got {vocab_size}")
        rng = np.random.default_rng(seed)
        lengths = rng.integers(min_len, max_len + 1, size=n_samples)
        tokens = rng.integers(EOS + 1, EOS + 1 + vocab_size, size=(n_samples, max_len))
        source = _framed(tokens, lengths, max_len + 1, start=[])
        target = _framed(_answers(kind, tokens, lengths), lengths, max_len + 2, start=[BOS])
        super().__init__(from_numpy(source), from_numpy(target))
        self.kind = kind
        self.max_len = max_len
        self.vocab_size = vocab_size + 3
        self.lengths = from_numpy(lengths.astype(np.int64))

    def decode(self, ids):
        """The ordinary tokens of ``ids`` (a sequence, or a batch of them) up to the first EOS, without
        BOS and PAD: how a generated answer is read back."""
        ids = ids.tolist() if isinstance(ids, (Tensor, np.ndarray)) else list(ids)
        if ids and isinstance(ids[0], list):
            return [self.decode(row) for row in ids]
        if EOS in ids:
            ids = ids[: ids.index(EOS)]
        return [int(i) for i in ids if i not in (PAD, BOS)]

    def __repr__(self):
        return f"SequenceTask(kind={self.kind!r}, samples={len(self)}, max_len={self.max_len})"


def _answers(kind, tokens, lengths):
    """Each row's answer in its first ``length`` positions (later positions are ignored)."""
    if kind == "copy":
        return tokens
    positions = np.arange(tokens.shape[1])
    if kind == "reverse":
        mirrored = np.clip(lengths[:, None] - 1 - positions, 0, None)
        return np.take_along_axis(tokens, mirrored, axis=1)
    past_end = positions >= lengths[:, None]
    return np.sort(np.where(past_end, np.iinfo(np.int64).max, tokens), axis=1)


def _framed(body, lengths, width, start):
    """Rows of ``width`` ids: ``start``, then ``body[:length]``, then EOS, then PAD."""
    out = np.full((len(body), width), PAD, dtype=np.int64)
    out[:, : len(start)] = start
    inside = np.arange(body.shape[1]) < lengths[:, None]
    out[:, len(start) : len(start) + body.shape[1]][inside] = body[inside]
    out[np.arange(len(body)), lengths + len(start)] = EOS
    return out
