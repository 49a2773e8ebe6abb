"""``linear``: ``input @ weight.T + bias`` as one op, so a layer is one node in the graph."""

from ..autograd.function import Function
from ..backend import array_module
from ..errors import ShapeError
from .broadcast import sum_to
from .promotion import require_one_dtype

__all__ = ["linear"]


class Linear(Function):
    saved_for_input = (1, 0)

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        out = array_module(x).matmul(x, weight.T)
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        bias = ctx.inputs[2]
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
    dtype = weight._data.dtype
    if input._data.dtype is not dtype or (bias is not None and bias._data.dtype is not dtype):
        require_one_dtype("linear", {"input": input, "weight": weight, "bias": bias})
    in_shape, weight_shape = input._data.shape, weight._data.shape
    if len(weight_shape) != 2 or not in_shape or in_shape[-1] != weight_shape[1]:
        raise ShapeError(
            f"linear: input of shape {in_shape} cannot be multiplied by weight of shape "
            f"{weight_shape}; weight must be (out_features, in_features) with in_features equal to "
            "the input's last dimension"
        )
    if bias is None:
        return
    out_shape = (*in_shape[:-1], weight_shape[0])
    bias_shape = bias._data.shape
    if bias_shape != out_shape[-1:] and not _broadcasts_to(bias_shape, out_shape):
        raise ShapeError(
            f"linear: bias of shape {bias_shape} does not match weight of shape "
            f"{weight_shape}; expected bias of shape ({weight_shape[0]},) (or any shape that "
            f"broadcasts to the output's {out_shape}, as PyTorch's addmm allows)"
        )


def _broadcasts_to(shape, target):
    return len(shape) <= len(target) and all(s in (1, t) for s, t in zip(reversed(shape), reversed(target)))


def linear(input, weight, bias=None):  # noqa: A002
    _check(input, weight, bias)
    return Linear.apply(input, weight, bias)


METHODS = {}
