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


_inference = [False]


class inference_mode(_GradModeContext):  # noqa: N801
    """``torch.inference_mode``: here the same as ``no_grad()`` (gradviz has no separate inference
    tensors). ``inference_mode(False)`` turns recording back on, as in PyTorch. It works as a context
    manager and as a decorator, with or without parentheses (``@inference_mode``)."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # used bare as a decorator: ``mode`` is the function

    def __init__(self, mode=True):
        super().__init__(not mode)

    def __enter__(self):
        self.prev_inference = _inference[0]
        _inference[0] = not self.mode
        return super().__enter__()

    def __exit__(self, *exc):
        _inference[0] = self.prev_inference
        return super().__exit__(*exc)

    def __call__(self, fn):
        inference = not self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(inference):
                return fn(*args, **kwargs)

        return wrapper


def is_inference_mode_enabled():
    """True inside ``inference_mode()`` (and not inside a nested ``inference_mode(False)``)."""
    return _inference[0]
