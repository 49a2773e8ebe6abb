"""Small models that the learning tests train, written to be read as course material (and reused by the
lesson notebooks): an MLP and a CNN for the 8x8 digits, and two sequence-to-sequence models for token
reversal — an LSTM encoder-decoder and a 2-layer Transformer encoder-decoder — with what they need
around them: teacher forcing, a per-token loss and accuracy, and greedy decoding.
"""

import math

import numpy as np

import gradviz as gv
from gradviz import nn
from gradviz.data.datasets.sequences import BOS, EOS, PAD
from gradviz.metrics import Accuracy


class DigitsMLP(nn.Module):
    """A multilayer perceptron: the 8x8 image flattened to 64 numbers, one hidden ReLU layer, then one
    score (logit) per digit class."""

    def __init__(self, hidden=256, classes=10):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(), nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, classes)
        )

    def forward(self, images):
        return self.layers(images)


class DigitsCNN(nn.Module):
    """A small convolutional network. Two blocks of 3x3 convolution (padding 1 keeps the size), batch
    norm, ReLU and 2x2 max pooling turn the 1x8x8 image into 64 feature maps of 2x2; a linear layer
    scores the classes. Each output pixel of the second block sees a 10x10 window of the (padded) input:
    the whole image."""

    def __init__(self, channels=(32, 64), classes=10):
        super().__init__()
        first, second = channels
        self.features = nn.Sequential(_conv_block(1, first), _conv_block(first, second))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(second * 2 * 2, classes))

    def forward(self, images):
        return self.classifier(self.features(images))


def _conv_block(in_channels, out_channels):
    """Convolution, batch norm (each channel normalised over the batch), ReLU, then halve the size."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )


class Seq2Seq(nn.Module):
    """An encoder-decoder. ``encode(source)`` reads the whole source once into a memory;
    ``decode(memory, decoder_input)`` scores the next token at every position of the decoder input,
    shape (N, L, vocab). ``forward`` takes the pair ``(source, decoder_input)`` as one argument, because
    the Runner calls ``model(inputs)``; see :class:`TeacherForcing`."""

    def forward(self, inputs):
        source, decoder_input = inputs
        return self.decode(self.encode(source), decoder_input)


class LSTMSeq2Seq(Seq2Seq):
    """An LSTM encoder-decoder with dot-product attention (Luong's). The encoder LSTM reads the source;
    its final hidden and cell states start the decoder LSTM, which reads the target so far. At each
    decoder position, the hidden state (the query) is scored against every encoder output (the keys,
    PAD positions left out); the softmax of the scores weights the encoder outputs into a context vector,
    and a linear layer scores the next token from hidden state and context together.

    Without attention the whole source must squeeze through the final state; with it, the decoder can
    look straight at the source token it has to emit next (for reversal: the mirrored position)."""

    def __init__(self, vocab_size, embed_dim=32, hidden=128):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.encoder = nn.LSTM(embed_dim, hidden, batch_first=True)
        self.decoder = nn.LSTM(embed_dim, hidden, batch_first=True)
        self.out = nn.Linear(2 * hidden, vocab_size)

    def encode(self, source):
        outputs, state = self.encoder(self.embedding(source))
        return outputs, state, source == PAD

    def decode(self, memory, decoder_input):
        outputs, state, padding = memory
        hidden, _ = self.decoder(self.embedding(decoder_input), state)
        scores = hidden @ outputs.transpose(1, 2)  # (N, target positions, source positions)
        weights = scores.masked_fill(padding.unsqueeze(1), -math.inf).softmax(dim=-1)
        context = weights @ outputs
        return self.out(gv.cat([hidden, context], dim=-1))


class TransformerSeq2Seq(Seq2Seq):
    """Token embeddings plus sinusoidal positions feed ``nn.Transformer``. (The embeddings start with
    unit variance like the position signal, so they are not scaled up by sqrt(d_model): that would drown
    the positions, which reversal is all about.) The encoder's self-attention ignores PAD keys; the decoder's
    self-attention is causal (position i sees positions <= i), and its cross-attention reads the
    encoder's output (the memory), ignoring PAD positions of the source."""

    def __init__(self, vocab_size, d_model=64, nhead=4, num_layers=2, dim_feedforward=128, max_len=64):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.positions = nn.PositionalEncoding(d_model, max_len=max_len, batch_first=True)
        self.transformer = nn.Transformer(
            d_model,
            nhead,
            num_encoder_layers=num_layers,
            num_decoder_layers=num_layers,
            dim_feedforward=dim_feedforward,
            dropout=0.0,
            batch_first=True,
        )
        self.out = nn.Linear(d_model, vocab_size)

    def _embed(self, tokens):
        return self.positions(self.embedding(tokens))

    def encode(self, source):
        padding = source == PAD
        return self.transformer.encoder(self._embed(source), src_key_padding_mask=padding), padding

    def decode(self, memory, decoder_input):
        memory, source_padding = memory
        causal = nn.Transformer.generate_square_subsequent_mask(decoder_input.shape[1])
        hidden = self.transformer.decoder(
            self._embed(decoder_input),
            memory,
            tgt_mask=causal,
            tgt_is_causal=True,
            memory_key_padding_mask=source_padding,
        )
        return self.out(hidden)


class TeacherForcing:
    """Turns a loader of ``(source, target)`` batches into ``((source, decoder_input), labels)`` batches.

    Teacher forcing: during training the decoder reads the *true* target shifted right by one
    (``BOS y1 y2 ...``) and learns to predict it shifted left (``y1 y2 ... EOS``), every position at once,
    instead of reading its own, possibly wrong, earlier guesses."""

    def __init__(self, loader):
        self.loader = loader

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for source, target in self.loader:
            yield (source, target[:, :-1]), target[:, 1:]


def _per_token(scores):
    """(N, L, vocab) scores as (N*L, vocab) rows, one per token."""
    return scores.reshape(-1, scores.shape[-1])


class TokenCrossEntropy(nn.CrossEntropyLoss):
    """Cross-entropy averaged over the target tokens of (N, L, vocab) scores; PAD labels count for nothing."""

    def __init__(self):
        super().__init__(ignore_index=PAD)

    def forward(self, scores, labels):
        return super().forward(_per_token(scores), labels.reshape(-1))


class TokenAccuracy(Accuracy):
    """The fraction of non-PAD target tokens predicted right, from (N, L, vocab) scores."""

    def __init__(self):
        super().__init__(ignore_index=PAD)

    def update(self, scores, labels):
        super().update(_per_token(scores), labels.reshape(-1))


@gv.no_grad()
def greedy_decode(model, source, max_steps):
    """Generate the answer token by token: start from BOS, append the highest-scoring next token, feed
    the sequence back in, until every row has produced EOS or ``max_steps`` tokens. Returns (N, max_steps)
    token ids without BOS; positions after a row's EOS are PAD."""
    model.eval()
    memory = model.encode(source)
    generated = gv.full((source.shape[0], 1), BOS, dtype=gv.int64)
    finished = np.zeros(source.shape[0], dtype=bool)
    for _ in range(max_steps):
        next_token = model.decode(memory, generated)[:, -1].argmax(dim=-1)
        next_token = gv.from_numpy(np.where(finished, PAD, next_token.numpy()))
        generated = gv.cat([generated, next_token.unsqueeze(1)], dim=1)
        finished |= next_token.numpy() == EOS
        if finished.all():
            break
    answer = np.full((source.shape[0], max_steps), PAD, dtype=np.int64)
    answer[:, : generated.shape[1] - 1] = generated[:, 1:].numpy()
    return gv.from_numpy(answer)


def greedy_token_accuracy(model, dataset):
    """Token accuracy of greedy decoding on a ``SequenceTask``: over every non-PAD label token (the
    answer and its EOS), the fraction generated right at its position."""
    source, target = dataset.tensors
    labels = target[:, 1:].numpy()
    generated = greedy_decode(model, source, max_steps=labels.shape[1]).numpy()
    counted = labels != PAD
    return float((generated == labels)[counted].mean())


class SchedulerStep:
    """A Runner callback that advances a learning-rate scheduler after every optimizer step."""

    def __init__(self, scheduler):
        self.scheduler = scheduler

    def on_step_end(self, runner, step, loss):
        self.scheduler.step()
