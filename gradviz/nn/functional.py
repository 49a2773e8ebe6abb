"""``gradviz.nn.functional``: the neural-network ops under PyTorch's names (``import ... as F``)."""

from ..ops.activation import gelu, leaky_relu, log_softmax, logsigmoid, softmax, softplus
from ..ops.attention import scaled_dot_product_attention
from ..ops.conv import conv2d
from ..ops.dropout import dropout
from ..ops.embedding import embedding, one_hot
from ..ops.linear import linear
from ..ops.loss import binary_cross_entropy_with_logits, cross_entropy, l1_loss, mse_loss, nll_loss
from ..ops.normalization import batch_norm, layer_norm
from ..ops.padding import pad
from ..ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from ..ops.unary import relu, sigmoid, tanh

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "dropout",
    "embedding",
    "gelu",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "scaled_dot_product_attention",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]

from ..ops.resampling import (  # noqa: E402
    dropout1d,
    dropout2d,
    group_norm,
    instance_norm,
    interpolate,
    pixel_shuffle,
    pixel_unshuffle,
)
from ..ops.spatial import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    conv1d,
    conv_transpose1d,
    conv_transpose2d,
    fold,
    max_pool1d,
    unfold,
)

__all__ += [
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "conv1d",
    "conv_transpose1d",
    "conv_transpose2d",
    "dropout1d",
    "dropout2d",
    "fold",
    "group_norm",
    "instance_norm",
    "interpolate",
    "max_pool1d",
    "pixel_shuffle",
    "pixel_unshuffle",
    "unfold",
from ..ops.distance import cosine_similarity, normalize, pairwise_distance  # noqa: E402
from ..ops.elementwise_loss import (  # noqa: E402
    binary_cross_entropy,
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
)
from ..ops.embedding_loss import (  # noqa: E402
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    triplet_margin_loss,
)

__all__ += [
    "normalize",
    "cosine_similarity",
    "pairwise_distance",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "kl_div",
    "poisson_nll_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "soft_margin_loss",
    "gaussian_nll_loss",
]
