"""``register_full_backward_hook``: identity ops around a module's inputs and outputs report the
gradients that cross the module boundary, as PyTorch's ``BackwardHookFunction`` does."""

from ..autograd.function import Function
from ..autograd.tensor import Tensor


class BackwardHook(Function):
    """Passes tensors through; on the way back hands their gradients to ``ctx.on_grads``."""

    name = "backward_hook"

    @staticmethod
    def forward(ctx, on_grads, materialize, *arrays):
        ctx.on_grads = on_grads
        ctx.set_materialize_grads(materialize)
        return tuple(arrays)

    @staticmethod
    def backward(ctx, *grads):
        replaced = ctx.on_grads(grads)
        return (None, None, *(grads if replaced is None else replaced))


class ModuleBackwardHooks:
    """One forward call's worth of bookkeeping: gradients w.r.t. outputs arrive first, then inputs."""

    def __init__(self, module, hooks):
        self.module = module
        self.hooks = hooks
        self.grad_output = None
        self.inputs_tracked = False

    def wrap_inputs(self, args):
        wrapped = _pass_through(args, self._on_grad_input, materialize=True)
        if wrapped is None:
            return args
        self.inputs_tracked = True
        return tuple(wrapped)

    def wrap_output(self, output):
        if isinstance(output, Tensor):
            wrapped = _pass_through((output,), self._on_grad_output, materialize=False)
            return output if wrapped is None else wrapped[0]
        wrapped = _pass_through(output, self._on_grad_output, materialize=False)
        return output if wrapped is None else type(output)(wrapped)

    def _on_grad_output(self, grads):
        self.grad_output = grads
        if not self.inputs_tracked:
            self._call_hooks((None,))

    def _on_grad_input(self, grads):
        return self._call_hooks(grads)

    def _call_hooks(self, grad_input):
        for hook in tuple(self.hooks):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                grad_input = tuple(result)
        return grad_input


def _pass_through(values, on_grads, materialize):
    """``values`` with each tensor that requires grad routed through one BackwardHook, or None. As in
    PyTorch, a module output that got no gradient reaches the hooks as None (``materialize=False``),
    an input as zeros."""
    positions = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
    if not positions:
        return None
    routed = BackwardHook.apply(on_grads, materialize, *(values[i] for i in positions))
    values = list(values)
    for i, tensor in zip(positions, routed):
        values[i] = tensor
    return values
