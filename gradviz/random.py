"""The global random state. Numbers are drawn on the host and moved to the tensor's device, so a seed
gives the same values on every device."""

import numpy as np


class Generator:
    """A seedable source of random numbers (``torch.Generator``'s role), for shuffling and sampling.

    Beyond ``torch.Generator(device=...)``, gradviz takes a seed (``Generator(7)``); ``Generator()`` starts
    from a fresh non-deterministic seed, which ``initial_seed()`` reports. Numbers are drawn on the host
    for every device, so ``device`` is accepted and ignored."""

    def __init__(self, seed=None, device=None):
        if isinstance(seed, str):  # torch.Generator("cpu")
            seed = None
        if seed is None:
            self.seed()
        else:
            self.manual_seed(seed)

    def manual_seed(self, seed):
        self._initial_seed = int(seed)
        self.rng = np.random.default_rng(self._initial_seed)
        return self

    def seed(self):
        """Reseed from a non-deterministic 64-bit number and return it (``torch.Generator.seed``)."""
        seed = int(np.random.SeedSequence().entropy) % 2**64
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._initial_seed


default_generator = Generator(0)


def manual_seed(seed):
    """Seed the global generator (``torch.manual_seed``)."""
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed expects an integer seed, got {type(seed).__name__}")
    return default_generator.manual_seed(int(seed))


def seed():
    """Seed the global generator with a non-deterministic 64-bit number and return it (``torch.seed``)."""
    return default_generator.seed()


def initial_seed():
    """The seed of the global generator (``torch.initial_seed``)."""
    return default_generator.initial_seed()


def rng(generator=None):
    return (generator or default_generator).rng


def checked_rng(op, generator):
    """``rng(generator)`` for a public sampling function, refusing anything but a gradviz Generator."""
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(
            f"{op}: generator must be a gradviz.Generator, got {type(generator).__name__}; "
            "make one with gradviz.Generator().manual_seed(seed)"
        )
    return rng(generator)
