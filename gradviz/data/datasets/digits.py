"""The 8x8 UCI handwritten digits (1,797 images, ten classes), shipped with gradviz as ``digits.npz``;
``DIGITS_SOURCE.md`` says where the data comes from and how the file was made."""

from importlib import resources

import numpy as np

from ...creation import from_numpy
from ..dataset import TensorDataset


class Digits(TensorDataset):
    """Handwritten digits as float32 images of shape (1, 8, 8) in [0, 1] with int64 labels 0..9.

    ``train=True`` gives the 1,437 training images, ``train=False`` the 360 test images: a fixed split,
    stratified by class (80/20), stored in the data file so every install sees the same one. The whole
    split is in memory as ``data`` (N, 1, 8, 8) and ``targets`` (N,); ``dataset[i]`` is ``(image, label)``.
    """

    classes = [str(digit) for digit in range(10)]

    def __init__(self, train=True):
        with resources.files(__package__).joinpath("digits.npz").open("rb") as file:
            arrays = np.load(file, allow_pickle=False)
            images, labels, test = arrays["images"], arrays["labels"], arrays["test"]
        keep = ~test if train else test
        data = (images[keep].astype(np.float32) / 16.0)[:, None, :, :]
        super().__init__(from_numpy(data), from_numpy(labels[keep].astype(np.int64)))
        self.train = train

    @property
    def data(self):
        return self.tensors[0]

    @property
    def targets(self):
        return self.tensors[1]

    def __repr__(self):
        return f"Digits(train={self.train}, samples={len(self)})"
