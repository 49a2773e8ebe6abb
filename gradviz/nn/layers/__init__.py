"""The layer classes of ``gradviz.nn``, PyTorch's names, arguments, parameters and buffers."""

from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .attention import MultiheadAttention
from .conv import Conv2d
from .dropout import Dropout
from .embedding import Embedding
from .linear import Flatten, Identity, Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .positional import PositionalEncoding
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
    generate_square_subsequent_mask,
)

__all__ = [name for name in dir() if not name.startswith("_") and name[0].isupper()]

# convolution, pooling, normalisation and resampling (nn-spatial)
from .conv import Conv1d, ConvTranspose1d, ConvTranspose2d  # noqa: E402
from .dropout import Dropout1d, Dropout2d  # noqa: E402
from .normalization import GroupNorm, InstanceNorm1d, InstanceNorm2d  # noqa: E402
from .pooling import AdaptiveAvgPool1d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d, MaxPool1d  # noqa: E402
from .resampling import (  # noqa: E402
    ConstantPad1d,
    ConstantPad2d,
    Fold,
    PixelShuffle,
    PixelUnshuffle,
    ReflectionPad1d,
    ReflectionPad2d,
    ReplicationPad1d,
    ReplicationPad2d,
    Unfold,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
    ZeroPad2d,
)

__all__ = [name for name in dir() if not name.startswith("_") and name[0].isupper()]
from .distance import CosineSimilarity, PairwiseDistance  # noqa: E402
from .loss import (  # noqa: E402
    BCELoss,
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    MarginRankingLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
)

__all__ += [name for name in dir() if name[0].isupper() and name not in __all__]
