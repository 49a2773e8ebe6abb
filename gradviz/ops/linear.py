"""``linear``: ``input @ weight.T + bias`` as one op, so a layer is one node in the graph; ``bilinear``:
``x1ᵀ W_o x2 + b_o`` for every output ``o``, an ``einsum`` (whose backward gives every gradient)."""

from ..autograd.function import Function
from ..backend import array_module
from ..errors import ShapeError
from .broadcast import sum_to
from .contraction import einsum
from .promotion import require_one_dtype

__all__ = ["linear", "bilinear"]


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


def _check_bilinear(input1, input2, weight, bias):
    """PyTorch's checks, with the shapes named: inputs of the same rank and batch dimensions, a weight
    (out_features, in1_features, in2_features) matching their last dimensions, a bias (out_features,)."""
    require_one_dtype("bilinear", {"input1": input1, "input2": input2, "weight": weight, "bias": bias})
    shape1, shape2, weight_shape = input1._data.shape, input2._data.shape, weight._data.shape
    problem = None
    if len(weight_shape) != 3:
        problem = "weight must have 3 dimensions (out_features, in1_features, in2_features)"
    elif not shape1 or len(shape1) != len(shape2):
        problem = "the inputs must have the same number of dimensions, at least 1"
    elif shape1[:-1] != shape2[:-1]:
        problem = "the inputs' batch dimensions (all but the last) must be equal"
    elif shape1[-1] != weight_shape[1] or shape2[-1] != weight_shape[2]:
        problem = "the inputs' last dimensions must be the weight's in1_features and in2_features"
    elif bias is not None and bias._data.shape != weight_shape[:1]:
        problem = f"bias must have shape ({weight_shape[0]},), the weight's out_features"
    if problem:
        bias_text = "" if bias is None else f", bias of shape {tuple(bias._data.shape)}"
        raise ShapeError(
            f"bilinear: input1 of shape {tuple(shape1)}, input2 of shape {tuple(shape2)} and weight of shape "
            f"{tuple(weight_shape)}{bias_text} do not fit: {problem}"
        )


def bilinear(input1, input2, weight, bias=None):
    """``y[..., o] = Σ_ij input1[..., i] · weight[o, i, j] · input2[..., j] + bias[o]``, as PyTorch's."""
    _check_bilinear(input1, input2, weight, bias)
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias


METHODS = {}
