"""``linear``: ``input @ weight.T + bias`` as one op, so a layer is one node in the graph."""

from ..autograd.function import Function
from ..backend import array_module
from ..errors import ShapeError
from .broadcast import sum_to

__all__ = ["linear"]


class Linear(Function):
    @staticmethod
    def forward(ctx, x, weight, bias):
        out = array_module(x).matmul(x, weight.T)
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, bias = ctx.inputs
        need_x, need_weight, need_bias = ctx.needs_input_grad
        grad_x = grad @ weight if need_x else None
        grad_weight = None
        if need_weight:
            rows, inputs = (
                (grad, x) if x.ndim == 2 else (grad.reshape(-1, grad.shape[-1]), x.reshape(-1, x.shape[-1]))
            )
            grad_weight = rows.transpose(0, 1) @ inputs
        grad_bias = sum_to(grad, bias.shape) if need_bias else None
        return grad_x, grad_weight, grad_bias


def _check(input, weight, bias):  # noqa: A002 - PyTorch's argument name
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input of shape {tuple(input.shape)} cannot be multiplied by weight of shape "
            f"{tuple(weight.shape)}; weight must be (out_features, in_features) with in_features equal to "
            "the input's last dimension"
        )
    out_shape = (*input.shape[:-1], weight.shape[0])
    if bias is not None and not _broadcasts_to(tuple(bias.shape), out_shape):
        raise ShapeError(
            f"linear: bias of shape {tuple(bias.shape)} does not match weight of shape "
            f"{tuple(weight.shape)}; expected bias of shape ({weight.shape[0]},) (or any shape that "
            f"broadcasts to the output's {out_shape}, as PyTorch's addmm allows)"
        )


def _broadcasts_to(shape, target):
    return len(shape) <= len(target) and all(s in (1, t) for s, t in zip(reversed(shape), reversed(target)))


def linear(input, weight, bias=None):  # noqa: A002
    _check(input, weight, bias)
    return Linear.apply(input, weight, bias)


METHODS = {}
