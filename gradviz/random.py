"""The global random state. Numbers are drawn on the host and moved to the tensor's device, so a seed
gives the same values on every device."""

import numpy as np


class Generator:
    """A seedable source of random numbers (``torch.Generator``'s role), for shuffling and sampling."""

    def __init__(self, seed=None):
        self.manual_seed(seed)

    def manual_seed(self, seed):
        self.initial_seed = seed
        self.rng = np.random.default_rng(seed)
        return self


default_generator = Generator(0)


def manual_seed(seed):
    """Seed the global generator (``torch.manual_seed``)."""
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed expects an integer seed, got {type(seed).__name__}")
    return default_generator.manual_seed(int(seed))


def rng(generator=None):
    return (generator or default_generator).rng
