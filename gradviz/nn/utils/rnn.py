"""Batching sequences of different lengths, as ``torch.nn.utils.rnn``: ``pad_sequence`` stacks them
padded to the longest, ``unpad_sequence`` cuts them back out. (Packed sequences are not provided: the
recurrent layers take padded batches.)"""

from ...autograd.tensor import Tensor
from ...errors import ShapeError
from ...ops.shape import cat, stack

__all__ = ["pad_sequence", "unpad_sequence"]


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """(L, *) tensors stacked into (T, B, *) (``batch_first``: (B, T, *)), T the longest length, each
    padded with ``padding_value`` after its steps (``padding_side='left'``: before them)."""
    sequences = [sequences] if isinstance(sequences, Tensor) else list(sequences)
    if not sequences or not all(isinstance(s, Tensor) and s.ndim >= 1 for s in sequences):
        raise TypeError("pad_sequence: expects a non-empty list of tensors with at least one dimension")
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    trailing = {tuple(s.shape[1:]) for s in sequences}
    if len(trailing) > 1:
        raise ShapeError(
            f"pad_sequence: the sequences must agree after their first dim, got {sorted(trailing)}"
        )
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        filler = s.new_full((longest - s.shape[0], *s.shape[1:]), padding_value)
        padded.append(cat([s, filler] if padding_side == "right" else [filler, s], 0))
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences ``pad_sequence`` padded: sequence b is its first ``lengths[b]`` steps."""
    batch = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    counts = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    return [batch[b, : int(n)] for b, n in enumerate(counts)]
