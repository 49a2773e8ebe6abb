"""Whether ops record the graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` (PyTorch semantics).

The flag is process-wide, not per thread: a background training thread and the notebook's main thread
share it, so widgets read state and never toggle it.
"""

import functools


class _State:
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = True


state = _State()


def is_grad_enabled():
    return state.enabled


class _GradModeContext:
    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self.prev = state.enabled
        state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        state.enabled = self.prev

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _GradModeContext(mode):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's names
    """Run ops without recording the graph (evaluation, optimizer updates)."""

    def __init__(self):
        super().__init__(False)


class enable_grad(_GradModeContext):  # noqa: N801
    def __init__(self):
        super().__init__(True)


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Takes effect when called, so it works as a plain call, a context manager and a decorator."""

    def __init__(self, mode=True):
        super().__init__(bool(mode))
        self.prev = state.enabled
        state.enabled = self.mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        state.enabled = self.prev
        return super().__call__(fn)
