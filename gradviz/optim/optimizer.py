"""``Optimizer``: the base every optimizer shares (parameter groups, per-parameter state, step, state_dict).

A subclass gives its defaults and one ``_update(param, grad, state, group)`` that applies its rule to one
parameter; the base walks the groups, skips parameters without a gradient, flips the gradient for
``maximize`` and runs everything under ``no_grad()``. The layout of ``param_groups``, ``state`` and
``state_dict()`` is PyTorch's, so checkpoints and tests can be compared key by key.
"""

from collections import defaultdict

from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.tensor import RemovableHandle, Tensor
from ..creation import tensor
from ..dtypes import float32, float64, get_default_dtype
from ..errors import DtypeError

__all__ = ["Optimizer", "adam_family_defaults", "check_betas", "check_non_negative", "step_counter"]


class Optimizer:
    def __init__(self, params, defaults):
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                "but got a Tensor; pass [tensor] or model.parameters()"
            )
        self.defaults = defaults
        self.stepped = False  # whether step() ran: a scheduler stepped before it warns, as in PyTorch
        self._step_pre_hooks = []
        self._step_post_hooks = []
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = _param_list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own options; options it leaves out take the defaults.

        As in PyTorch, the dict itself becomes the group (its ``params`` made a list, the defaults filled in),
        so changing it later changes the optimizer.

        The parameters may be ``(name, tensor)`` pairs, as from ``named_parameters()``: the names are kept
        in the group's ``param_names``, and then every group must have names (PyTorch's rule).
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params, names = _split_names(_param_list(param_group["params"]))
        for param in params:
            _check_optimizable(param)
        self._check_unique(params)
        param_group["params"] = params
        if names:
            param_group["param_names"] = names
        self._check_named_like_the_others(param_group)
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        self.param_groups.append(param_group)

    def _check_unique(self, params):
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        for param in params:
            if id(param) in seen:
                raise ValueError(
                    f"a parameter of shape {tuple(param.shape)} appears more than once in the optimizer's "
                    "parameter groups; each parameter may be listed only once"
                )
            seen.add(id(param))

    def _check_named_like_the_others(self, group):
        named = "param_names" in group
        if any(("param_names" in other) != named for other in self.param_groups):
            raise ValueError(
                "all optimizer param groups should be with/without names: cannot add a param group "
                f"{'with' if named else 'without'} names to this optimizer; pass named_parameters() "
                "to every group, or parameters() to every group"
            )

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set ``.grad`` to None (the default) or fill it with zeros."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad.detach_()
                    param.grad.zero_()

    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` (if given) recomputes the loss first."""
        args, kwargs = (self,) if closure is None else (self, closure), {}
        for hook in tuple(self._step_pre_hooks):
            args, kwargs = _hook_arguments(hook, hook(self, args, kwargs), args, kwargs)
        closure = kwargs.get("closure", args[1] if len(args) > 1 else None)
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        self._update_one(param, group)
        self.stepped = True
        for hook in tuple(self._step_post_hooks):
            hook(self, args, kwargs)
        return loss

    def register_step_pre_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` before every ``step()``; removable. As in PyTorch,
        ``args`` are step's own (``(optimizer,)``, or ``(optimizer, closure)``), and a hook may return
        ``(new_args, new_kwargs)`` to replace them (to swap the closure)."""
        return RemovableHandle(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` after every ``step()``; removable."""
        return RemovableHandle(self._step_post_hooks, hook)

    def _update_one(self, param, group):
        state = self.state.get(param) or self._init_state(param, group)
        grad = -param.grad if group.get("maximize", False) else param.grad
        self._update(param, grad, state, group)
        if state:
            self.state[param] = state

    def _init_state(self, param, group):
        """The state a parameter starts with before its first update (none unless overridden)."""
        return {}

    def _update(self, param, grad, state, group):
        raise NotImplementedError(f"{type(self).__name__} must implement _update(param, grad, state, group)")

    def state_dict(self):
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}`` as in PyTorch.

        Parameters are numbered in the order they appear across the groups; the state tensors are the
        optimizer's own (not copies), as in PyTorch.
        """
        index = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        groups = [
            {**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
            for g in self.param_groups
        ]
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Take the options and state of ``state_dict``; tensors are copied onto each parameter's device."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, the optimizer has "
                f"{len(self.param_groups)}"
            )
        for saved, group in zip(saved_groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group of {len(saved['params'])} parameters "
                    f"where the optimizer's group has {len(group['params'])}"
                )
        by_index = {
            i: p
            for saved, g in zip(saved_groups, self.param_groups)
            for i, p in zip(saved["params"], g["params"])
        }
        self.state = defaultdict(dict)
        for i, saved_state in state_dict["state"].items():
            param = by_index[i]
            self.state[param] = {key: _state_value_for(param, key, v) for key, v in saved_state.items()}
        self.param_groups = [_loaded_group(saved, g) for saved, g in zip(saved_groups, self.param_groups)]

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines + [")"])


def _hook_arguments(hook, result, args, kwargs):
    """The step arguments after a pre-hook returned ``result``: unchanged for None, else its pair."""
    if result is None:
        return args, kwargs
    if isinstance(result, tuple) and len(result) == 2:
        return result
    name = getattr(hook, "__name__", type(hook).__name__)
    raise RuntimeError(
        f"register_step_pre_hook: hook '{name}' returned {result!r}; return None, or a tuple "
        "(new_args, new_kwargs) to replace step's arguments"
    )


def step_counter(start=0.0):
    """A fresh step count, as PyTorch keeps it: a 0-d float tensor on the host (no device sync to read),
    float64 only when that is the default dtype. NAdam keeps its running product of momenta the same way."""
    return tensor(start, dtype=float64 if get_default_dtype() == float64 else float32)


def _param_list(params):
    if isinstance(params, Tensor):
        return [params]
    if isinstance(params, set):
        raise TypeError(
            "optimizer parameters need to be organized in ordered collections, but the ordering of "
            "tensors in sets changes between runs; use a list instead"
        )
    return list(params)


def _split_names(params):
    """``(tensors, names)`` from a list of tensors (names ``[]``) or of ``(name, tensor)`` pairs."""
    names = [param[0] for param in params if isinstance(param, tuple)]
    if names and len(names) != len(params):
        raise ValueError(
            "all optimizer params should be with/without names: some are (name, tensor) pairs and some "
            "are bare tensors; pass named_parameters() or parameters(), not a mix"
        )
    return ([param[1] for param in params] if names else params), names


def _loaded_group(saved, group):
    """The saved options for ``group``'s parameters; its ``param_names`` stay unless ``saved`` has some."""
    names = {"param_names": group["param_names"]} if "param_names" in group else {}
    return {**names, **{k: v for k, v in saved.items() if k != "params"}, "params": group["params"]}


def _check_optimizable(param):
    if not isinstance(param, Tensor):
        raise TypeError(
            f"optimizer can only optimize Tensors, but one of the params is {type(param).__name__}"
        )
    if not param.is_leaf:
        raise ValueError(
            "can't optimize a non-leaf Tensor (one computed by an op); optimize the leaf it came from, "
            "or make a new leaf with .detach().requires_grad_()"
        )
    if not param.is_floating_point():
        raise DtypeError(
            f"optimizer can only optimize floating point tensors, but one of the params is {param.dtype}; "
            "convert it first, e.g. x.float()"
        )


# state values PyTorch keeps as host scalars, whatever the parameter's device and dtype
HOST_SCALARS = frozenset({"step", "mu_product"})


def _state_value_for(param, key, value):
    """A copy of one saved state value: host scalars stay as saved, other tensors follow ``param``."""
    if not isinstance(value, Tensor):
        return value
    if key in HOST_SCALARS:
        return value.clone()
    return value.to(param.device, param.dtype).clone()


def check_non_negative(optimizer, **values):
    """Raise ``ValueError`` for the first of ``values`` that is negative, naming the optimizer."""
    for name, value in values.items():
        if not value >= 0.0:
            raise ValueError(f"{optimizer}: invalid {name} value: {value} (must be >= 0)")


def adam_family_defaults(optimizer, lr, betas, eps, weight_decay, **options):
    """The checked defaults of an optimizer that keeps Adam's two moment estimates (Adam, Adamax, NAdam,
    RAdam): ``lr``, ``betas``, ``eps`` and ``weight_decay``, then its own ``options``."""
    check_non_negative(optimizer, lr=lr, eps=eps, weight_decay=weight_decay)
    check_betas(optimizer, betas)
    return dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, **options)


def check_betas(optimizer, betas):
    """Each beta is the decay rate of a moving average, so it must lie in [0, 1)."""
    if len(betas) != 2:
        raise ValueError(f"{optimizer}: betas must be a pair (beta1, beta2), got {betas!r}")
    for index, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(
                f"{optimizer}: invalid beta parameter at index {index}: {beta} (must be in [0, 1))"
            )
