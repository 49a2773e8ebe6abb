"""The module that is running right now, so every op can say where it ran (``encoder.layers.0.attn``).

``nn.Module.__call__`` enters a scope with the module's qualified name; ops read ``scope.current``.
"""


class _Scope:
    __slots__ = ("current",)

    def __init__(self):
        self.current = ""


scope = _Scope()


class module_scope:  # noqa: N801 - used like a function
    """Run a block inside the named module (names nest with dots, like ``named_modules``)."""

    __slots__ = ("name", "prev")

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.prev = scope.current
        scope.current = self.name
        return self

    def __exit__(self, *exc):
        scope.current = self.prev
