"""``register_full_backward_hook``: identity ops around a module's inputs and outputs report the
gradients that cross the module boundary, as PyTorch's ``BackwardHookFunction`` does."""

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..creation import zeros_like


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
    """One forward call's worth of bookkeeping: gradients w.r.t. outputs arrive first, then inputs.
    As in PyTorch, ``grad_input`` has one entry per positional argument and ``grad_output`` one per
    output (the elements of a returned tuple), None where the value is not a tensor."""

    def __init__(self, module, hooks):
        self.module = module
        self.hooks = hooks
        self.grad_output = None
        self.input_count = 0
        self.inputs_tracked = False

    def wrap_inputs(self, args):
        self.input_count = len(args)
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
            self._call_hooks((None,) * self.input_count)

    def _on_grad_input(self, grads):
        return self._call_hooks(grads)

    def _call_hooks(self, grad_input):
        for hook in tuple(self.hooks):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = tuple(result)
                if len(result) != len(grad_input):
                    raise ValueError(
                        f"backward hook of {type(self.module).__name__} returned {len(result)} gradients, "
                        f"but grad_input has {len(grad_input)} (one per positional argument, None where "
                        "there is none); return one per entry of grad_input"
                    )
                grad_input = result
        return grad_input


def _pass_through(values, on_grads, materialize):
    """``values`` with each tensor that requires grad routed through one BackwardHook, or None.
    ``on_grads`` receives one gradient per value (None for a value that is not a tensor) and may return
    replacements in the same layout. As in PyTorch, an input gets zeros where it got no gradient or
    requires none (``materialize=True``), an output None."""
    positions = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
    if not positions:
        return None

    def report(grads):
        laid_out = [zeros_like(v) if materialize and isinstance(v, Tensor) else None for v in values]
        for i, g in zip(positions, grads):
            laid_out[i] = g
        replaced = on_grads(tuple(laid_out))
        return None if replaced is None else tuple(replaced[i] for i in positions)

    routed = BackwardHook.apply(report, materialize, *(values[i] for i in positions))
    values = list(values)
    for i, tensor in zip(positions, routed):
        values[i] = tensor
    return values
