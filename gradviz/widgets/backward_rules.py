"""The local backward rule of every op, in words, for the graph view's side panel.

``grad`` is the gradient arriving for the op's output; each rule says what the op sends back to each
argument. Keys are ``Function.name`` values (several Functions may share a name, e.g. ``to``); the
tests check that every Function in ``gradviz.ops`` has an entry here.
"""

_SHAPE_ONLY = "grad_x = grad reshaped back to x's shape (the values are untouched, only rearranged)"
_NOT_DIFFERENTIABLE = "no gradient: the output is boolean or integer, so nothing flows back"
_PASS_THROUGH = "grad_x = grad (the values pass through unchanged)"

RULES = {
    # arithmetic
    "add": "grad_a = grad, grad_b = grad (each summed over the dimensions it was broadcast along)",
    "sub": "grad_a = grad, grad_b = -grad (summed over broadcast dimensions)",
    "mul": "grad_a = grad · b, grad_b = grad · a",
    "div": "grad_a = grad / b, grad_b = -grad · a / b²",
    "neg": "grad_x = -grad",
    "pow": "grad_a = grad · b · a^(b-1), grad_b = grad · a^b · ln a",
    # linear algebra
    "matmul": "grad_A = grad @ Bᵀ, grad_B = Aᵀ @ grad (batch dimensions summed where broadcast)",
    "mm": "grad_A = grad @ Bᵀ, grad_B = Aᵀ @ grad",
    "bmm": "grad_A = grad @ Bᵀ, grad_B = Aᵀ @ grad, batch by batch",
    "linear": "y = x @ Wᵀ + b: grad_x = grad @ W, grad_W = gradᵀ @ x, grad_b = grad summed over rows",
    # elementwise
    "exp": "grad_x = grad · exp(x) (the output itself)",
    "log": "grad_x = grad / x",
    "sqrt": "grad_x = grad / (2·√x)",
    "abs": "grad_x = grad · sign(x)",
    "sin": "grad_x = grad · cos(x)",
    "cos": "grad_x = -grad · sin(x)",
    "tanh": "grad_x = grad · (1 - tanh²(x))",
    "tanh_backward": "the derivative of grad · (1 - y²): the second-order part of tanh",
    "sigmoid": "grad_x = grad · σ(x) · (1 - σ(x))",
    "sigmoid_backward": "the derivative of grad · y · (1 - y): the second-order part of sigmoid",
    "relu": "grad_x = grad where x > 0, else 0",
    "relu_backward": "the derivative of grad where x > 0: passes grad_grad where x > 0; 0 for x",
    "leaky_relu": "grad_x = grad where x > 0, else grad · negative_slope",
    "gelu": "grad_x = grad · (Φ(x) + x·φ(x)), Φ/φ the normal CDF/density (tanh form if approximate)",
    "gelu_backward": "the derivative of grad · gelu'(x): the second-order part of gelu",
    "erf": "grad_x = grad · 2/√π · exp(-x²)",
    "softplus": "grad_x = grad · σ(β·x) (grad where β·x is above the threshold)",
    "logsigmoid": "grad_x = grad · (1 - σ(x))",
    "clamp": "grad_x = grad where min ≤ x ≤ max, else 0 (the bounds get grad where they were chosen)",
    "maximum": "grad goes to whichever of a, b is larger (split evenly on ties)",
    "minimum": "grad goes to whichever of a, b is smaller (split evenly on ties)",
    "where": "grad_a = grad where cond, grad_b = grad where not cond; cond gets none",
    "dropout": "grad_x = grad · mask / (1 - p): the same units dropped, the same scaling",
    "normal": "grad_mean = 0, grad_std = 0: a sample does not carry gradient back (as in PyTorch); "
    "write mean + std · randn_like(mean) to differentiate through it",
    "bernoulli": "grad_p = 0: a 0/1 sample does not carry gradient back to its probabilities (as in PyTorch)",
    "multinomial": _NOT_DIFFERENTIABLE,
    # softmax family and losses
    "softmax": "grad_x = y · (grad - Σ(grad · y)) along dim, y the softmax output",
    "softmax_backward": "the derivative of y · (grad - Σ(grad · y)): the second-order part of softmax",
    "log_softmax": "grad_x = grad - softmax(x) · Σ grad along dim",
    "log_softmax_backward": "the derivative of grad - exp(y) · Σ grad: the second-order part of log_softmax",
    "logsumexp": "grad_x = grad · softmax(x) along the reduced dimensions",
    "nll_loss": "grad_logp = -weight[target] · grad at each target class, 0 elsewhere "
    "(÷ the total weight for a mean)",
    # reductions
    "sum": "grad_x = grad broadcast back over the summed dimensions",
    "mean": "grad_x = grad broadcast back over the reduced dimensions ÷ their size",
    "prod": "grad_x = grad · (product of all the other elements)",
    "amax": "grad goes to the maximal elements (split evenly between ties)",
    "amin": "grad goes to the minimal elements (split evenly between ties)",
    "max": "grad goes to the element(s) that were the maximum; the others get 0",
    "min": "grad goes to the element(s) that were the minimum; the others get 0",
    "var": "grad_x = grad · 2·(x - mean) / (N - correction)",
    "std": "grad_x = grad · (x - mean) / ((N - correction) · std)",
    "vector_norm": "grad_x = grad · sign(x)·|x|^(p-1) / ‖x‖^(p-1) (x / ‖x‖ for p = 2; 0 where ‖x‖ = 0)",
    "argmax": _NOT_DIFFERENTIABLE,
    "argmin": _NOT_DIFFERENTIABLE,
    # normalisation
    "standardize": "grad_x = (grad - mean(grad) - x̂ · mean(grad · x̂)) / std, x̂ the standardized input",
    "layer_norm": "grad_x = (grad - mean(grad) - x̂ · mean(grad · x̂)) / std over the normalized dims",
    "batch_norm": "grad_x = (grad - mean(grad) - x̂ · mean(grad · x̂)) / std over the batch (and space)",
    # shapes
    "reshape": _SHAPE_ONLY,
    "view": _SHAPE_ONLY,
    "squeeze": _SHAPE_ONLY,
    "unsqueeze": _SHAPE_ONLY,
    "flatten": _SHAPE_ONLY,
    "unflatten": _SHAPE_ONLY,
    "transpose": "grad_x = grad with the same two dimensions swapped back",
    "permute": "grad_x = grad permuted by the inverse permutation",
    "flip": "grad_x = grad flipped back along the same dimensions",
    "expand": "grad_x = grad summed over the expanded dimensions",
    "sum_to": "grad_x = grad broadcast (expanded) back to x's shape",
    "cat": "each input gets its own slice of grad along dim",
    "stack": "each input gets its own slice grad[i] along dim",
    "split": "grad_x = the pieces' gradients concatenated along dim (zeros for unused pieces)",
    "unbind": "grad_x = the slices' gradients stacked along dim (zeros for unused slices)",
    # indexing
    "index": "grad_x = zeros of x's shape with grad added at the indexed positions",
    "index_select": "grad_x = zeros with grad added back at the selected indices",
    "gather": "grad_x = zeros with grad scattered (added) back to the gathered positions",
    "take_along_dim": "grad_x = zeros with grad scattered (added) back to the taken positions",
    "index_put_add": "grad_values = grad read at the positions the values were put",
    "index_put": "grad_x = grad where x was not overwritten (0 at the key); grad_value = grad at the key",
    "masked_fill": "grad_x = grad where the mask is False; the fill value gets the sum of grad where True",
    "nonzero": _NOT_DIFFERENTIABLE,
    "embedding": "grad_W[i] = Σ grad over the positions that looked up row i (padding_idx gets none)",
    "embedding_backward": "the derivative of the scatter into the table: grad rows gathered back by index",
    "one_hot": _NOT_DIFFERENTIABLE,
    # padding, pooling, convolution
    "pad": "grad_x = grad with the padded border cut off",
    "pad_backward": "the derivative of cutting off the border: grad padded with zeros again",
    "window_sum": "grad_x = each window's grad, times its weights, added back onto its pixels",
    "window_scatter": "the adjoint of window_sum: grad summed over each window, times its weights",
    "avg_pool2d": "grad_x = each window's grad ÷ window size, spread evenly over its pixels",
    "max_pool2d": "grad_x = each window's grad, routed to the pixel that was the maximum",
    "adaptive_avg_pool2d": "grad_x = each cell's grad ÷ cell size, spread evenly over its pixels",
    "conv2d": "grad_x = transposed convolution of grad with W, grad_W = grad correlated with x, "
    "grad_b = grad summed over batch and space",
    "conv_input_grad": "the derivative of the transposed convolution: a convolution again",
    "conv_weight_grad": "the derivative of grad_W = grad ⋆ x with respect to grad and x",
    # conversions and pass-through
    "to": "grad_x = grad converted back to x's dtype and device",
    "clone": _PASS_THROUGH,
    "backward_hook": "the gradients pass through unchanged after the module's backward hooks saw them",
    "accumulate_grad": "adds the arriving grad into the leaf's .grad",
    # more products, rearrangements and scatters
    "mv": "grad_A = grad ⊗ v (outer product), grad_v = Aᵀ @ grad",
    "dot": "grad_a = grad · b, grad_b = grad · a (grad is a scalar)",
    "addmm": "y = β·input + α·(A @ B): grad_input = β·grad (summed where broadcast), grad_A = α·grad @ Bᵀ, "
    "grad_B = α·Aᵀ @ grad",
    "tril": "grad_x = tril(grad): the same lower triangle, 0 above it",
    "triu": "grad_x = triu(grad): the same upper triangle, 0 below it",
    "diag": "vector → matrix: grad_x = the diagonal of grad; matrix → vector: grad_x = zeros with grad on "
    "the diagonal",
    "repeat": "grad_x = the sum of grad over all the copies of each element",
    "tile": "grad_x = the sum of grad over all the copies of each element",
    "repeat_interleave": "grad_x[i] = the sum of grad over the repeats of element i",
    "roll": "grad_x = grad rolled back by the same shifts",
    "narrow": "grad_x = zeros with grad in the narrowed slice",
    "scatter": "grad_x = grad, 0 where src overwrote x; grad_src = grad gathered from where each src "
    "element was written",
    "scatter_add": "grad_x = grad; grad_src = grad gathered at index (α·grad for index_add)",
    "index_add": "grad_x = grad; grad_source = α · grad selected at index along dim",
    "masked_select": "grad_x = zeros with grad put back where the mask is True",
    "einsum": "grad of each operand = einsum of grad with the other operands onto its subscripts "
    "(broadcast along letters only it had; put on the diagonal for a repeated letter)",
    "tensordot": "grad_a = grad contracted with b over b's free dims, grad_b = a contracted with grad "
    "over a's free dims",
    # scans, sorting and totals
    "cumsum": "grad_x = the cumulative sum of grad taken from the far end (each x_i feeds every later sum)",
    "cumprod": "grad_x_i = Σ_{j≥i} grad_j · out_j / x_i (where x has zeros: the same sum, without dividing)",
    "sort": "grad_x = each sorted value's grad put back at the position it came from",
    "topk": "grad_x = each top-k value's grad put back at its position, 0 for the elements not picked",
    "median": "grad_x = grad at the median's position (with dim: the index returned; without: split evenly "
    "among the elements equal to the median)",
    "nansum": "grad_x = grad broadcast back over the summed dimensions, 0 where x is NaN",
    **dict.fromkeys(["argsort", "count_nonzero", "unique"], _NOT_DIFFERENTIABLE),
    # more elementwise math, rounding and pointwise combinations
    "log1p": "grad_x = grad / (1 + x)",
    "expm1": "grad_x = grad · (y + 1) = grad · exp(x)",
    "log2": "grad_x = grad / (x · ln 2)",
    "log10": "grad_x = grad / (x · ln 10)",
    "reciprocal": "grad_x = -grad · y² = -grad / x²",
    "rsqrt": "grad_x = -grad · y³ / 2 = -grad / (2·x^(3/2))",
    "tan": "grad_x = grad · (1 + tan²(x))",
    "sinh": "grad_x = grad · cosh(x)",
    "cosh": "grad_x = grad · sinh(x)",
    "atan2": "grad_a = grad · b / (a² + b²), grad_b = -grad · a / (a² + b²)",
    **dict.fromkeys(
        ["floor", "ceil", "round", "trunc", "sign"],
        "grad_x = 0: the output is a step function of x, flat wherever it is differentiable",
    ),
    "fmod": "grad_a = grad, grad_b = -grad · trunc(a / b)",
    "remainder": "grad_a = grad, grad_b = -grad · floor(a / b)",
    **dict.fromkeys(
        ["div_trunc", "div_floor"],
        "grad_a = 0, grad_b = 0: the rounded quotient is a step function, flat wherever it is differentiable",
    ),
    "floor_divide": "none: PyTorch defines no derivative for floor_divide (//), so backward raises; "
    "div(a, b, rounding_mode='floor') gives the same values with zero gradients",
    "clamp_min": "grad_x = grad where x ≥ min, else 0 (a tensor min gets grad where it was chosen)",
    "clamp_max": "grad_x = grad where x ≤ max, else 0 (a tensor max gets grad where it was chosen)",
    "lerp": "grad_input = grad · (1 - w), grad_end = grad · w, grad_w = grad · (end - input)",
    "addcmul": "grad_input = grad, grad_t1 = grad · value · t2, grad_t2 = grad · value · t1",
    "addcdiv": "grad_input = grad, grad_t1 = grad · value / t2, grad_t2 = -grad · value · t1 / t2²",
    "nan_to_num": "grad_x = grad where x is finite, 0 where a NaN or infinity was replaced",
    "isclose": _NOT_DIFFERENTIABLE,
    # comparisons and logic
    **dict.fromkeys(
        [
            *("eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf", "isfinite"),
            *("logical_and", "logical_or", "logical_xor", "logical_not"),
            *("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "all", "any"),
        ],
        _NOT_DIFFERENTIABLE,
    ),
    # more activations
    "elu": "grad_x = grad · scale where x > 0, else grad · scale · alpha · input_scale · "
    "exp(x · input_scale) (the negative side's slope at x = 0, as PyTorch; selu and celu too)",
    "hardtanh": "grad_x = grad strictly inside (min_val, max_val), 0 on and beyond the bounds "
    "(relu6, hardsigmoid and hardswish use it)",
    "threshold": "grad_x = grad where x > threshold, else 0 (those entries were replaced by value)",
    # inverse trigonometric and hyperbolic, and more elementary functions
    "asin": "grad_x = grad / √(1 - x²)",
    "acos": "grad_x = -grad / √(1 - x²)",
    "atan": "grad_x = grad / (1 + x²)",
    "asinh": "grad_x = grad / √(x² + 1)",
    "acosh": "grad_x = grad / √(x² - 1)",
    "atanh": "grad_x = grad / (1 - x²)",
    "exp2": "grad_x = grad · 2^x · ln 2 (the output times ln 2)",
    "erfc": "grad_x = -grad · 2/√π · exp(-x²)",
    "erfinv": "grad_x = grad · √π/2 · exp(erfinv(x)²) (the inverse's slope is 1 / erf's)",
    "lgamma": "grad_x = grad · digamma(x)",
    "ndtri": "grad_p = grad · √(2π) · exp(x²/2), x the quantile (1 / the normal density there)",
    "polygamma": "grad_x = grad · polygamma(n + 1, x) (digamma is n = 0)",
    "sinc": "grad_x = grad · (cos(πx) - sinc(x)) / x, 0 at x = 0",
    "logit": "grad_x = grad / (x·(1 - x)), 0 outside [eps, 1 - eps] when eps is given",
    "deg2rad": "grad_x = grad · π/180",
    "rad2deg": "grad_x = grad · 180/π",
    # two-argument functions
    "xlogy": "grad_x = grad · log(y) (0 where x = 0 and y ≤ 0), grad_y = grad · x / y",
    "logaddexp": "grad_a = grad / (1 + exp(b - a)), grad_b = grad / (1 + exp(a - b)) (softmax weights)",
    "logaddexp2": "grad_a = grad / (1 + 2^(b - a)), grad_b = grad / (1 + 2^(a - b))",
    "hypot": "grad_a = grad · a / out, grad_b = grad · b / out",
    "copysign": "grad_a = grad · sign(a) · sign(out) (0 where a = 0), grad_b = 0",
    "fmax": "grad to the value chosen: a where a ≥ b or b is NaN, else b",
    "fmin": "grad to the value chosen: a where a ≤ b or b is NaN, else b",
    # views
    "diagonal": "grad_x = zeros of x's shape with grad written on the diagonal it was read from",
    "diagonal_embed": "grad_values = the diagonal of grad (the adjoint of diagonal)",
    "unfold": "grad_x = every window's grad added back onto the elements it covered (overlaps sum)",
    "unfold_backward": "grad_windows = the windows of grad (the adjoint of adding them back: unfold)",
    # scans and order statistics
    "cummax": "grad_x = each running maximum's grad added at the position it was taken from",
    "cummin": "grad_x = each running minimum's grad added at the position it was taken from",
    "logcumsumexp": "grad_x_j = exp(x_j) · Σ_{i ≥ j} grad_i · exp(-out_i), computed in log space",
    "kthvalue": "grad_x = grad at the position of the k-th smallest value, 0 elsewhere",
    "nanmedian": "grad_x = grad at the position of the median of the non-NaN values, 0 elsewhere",
    "mode": "grad_x = grad at the last position of the most frequent value, 0 elsewhere",
    # linear algebra
    "inv": "grad_A = -A⁻ᵀ @ grad @ A⁻ᵀ",
    "det": "grad_A = grad · det(A) · A⁻ᵀ",
    "slogdet": "grad_A = grad · A⁻ᵀ (for log|det A|; the sign has no gradient)",
    "solve": "X = A⁻¹B: grad_B = A⁻ᵀ @ grad, grad_A = -grad_B @ Xᵀ",
    "cholesky": "grad_A = ½(S + Sᵀ), S = L⁻ᵀ Φ(Lᵀ grad) L⁻¹, Φ the lower triangle with half its diagonal",
    "eigh": "grad_A = V (diag(grad_λ) + F ∘ skew(Vᵀ grad_V)) Vᵀ, F_ij = 1/(λ_j - λ_i)",
    "svd": "grad_A = U diag(grad_S) Vᵀ (through the singular values only)",
    "cross": "grad_a = b × grad, grad_b = grad × a",
    **dict.fromkeys(
        [
            "bincount",
            "histc",
            "searchsorted",
            "isin",
            "isposinf",
            "isneginf",
            "signbit",
            "heaviside",
            "gcd",
            "lcm",
        ],
        _NOT_DIFFERENTIABLE,
    ),
}
RULES["binary_cross_entropy"] = (
    "grad_x = grad · (x - t) / max(x·(1 - x), 1e-12), grad_t = grad · (log(1 - x) - log x)"
)


def backward_rule(op_name):
    """The rule for ``op_name`` as ``"name: rule"``; a generic sentence for an op not listed (a custom
    Function a user wrote)."""
    rule = RULES.get(op_name)
    if rule is None:
        rule = "grad_input = grad · ∂output/∂input: this op's own backward() computes it"
    return f"{op_name}: {rule}"


RULES["im2col"] = "grad_x = col2im(grad): each column's gradient added back onto the pixels of its window"
RULES["col2im"] = "grad_cols = im2col(grad): each column gets the gradient of the pixels of its window"
