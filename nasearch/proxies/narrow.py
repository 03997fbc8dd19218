"""Exact one-channel evaluation of networks whose weights are all one constant.

When every convolution, linear and batch-norm weight equals one constant ``w`` and every
bias is zero, all channels of a layer's output carry the same values: a convolution whose
``C_in`` input channels are identical copies of ``u`` outputs ``C_in * w * boxsum(u)`` on
every output channel, batch norm normalises each channel alike, and activations, pooling
and element-wise sums act channel by channel. The network can then be run with one channel
per layer, each layer's constant scaled by the fan-in it stands for. Flattened outputs are
each value repeated once per output unit, which leaves min-max normalisation and means,
hence epsinas, unchanged.

``narrow_outputs`` runs such a narrowed pass for several constants at once (stacked along
the batch axis) using only the layers' shapes and hyper-parameters, so a network built on
the meta device is never allocated at full width. It is generic over ``nn.Module``: the
network's own ``forward`` runs with conv/linear/batch-norm layers swapped for narrowed
versions, while every other tensor operation is checked against a list of operations that
preserve channel symmetry. Concatenation along the channels and channel slicing (NAS-Bench-101
cells) are followed exactly with a few channel *groups* per tensor (``narrow_groups``); the
convolution or dense layer after them sums the groups with their sizes as weights. Anything
else (concatenation along another axis, other indexing, an embedding
or other parameterised layer, a buffer other than batch-norm statistics, a grouped
convolution on distinct channels, dropout in training mode, ...) raises ``NotNarrowable``,
and the caller falls back to the plain computation.

The module is long because the narrowed layers and the list of symmetry-preserving
operations must be checked together, in one place.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from nasearch.proxies.narrow_groups import (GroupError, channel_cat, channel_slice, expand, flattened_groups,
                                            groups_of, result_groups, sum_channels, tag)


class NotNarrowable(Exception):
    """The network does not keep its channels identical under constant weights."""


_CONVS = {nn.Conv1d: 1, nn.Conv2d: 2, nn.Conv3d: 3}
_BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
# Parameter-free layers whose forward only calls channel-wise functions (they are still
# checked op by op at run time; listing them lets their results be shared, see _Memo).
_SHAREABLE_LEAVES = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Hardswish,
    nn.Hardtanh, nn.Identity, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d, nn.MaxPool1d, nn.MaxPool2d,
    nn.MaxPool3d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
    nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.Flatten,
)

# Tensor functions that act element by element or channel by channel (with broadcasting,
# which is itself a replication and so keeps identical channels identical).
_CHANNELWISE = frozenset({
    "__add__", "__radd__", "__iadd__", "add", "add_", "__sub__", "__rsub__", "__isub__", "sub", "sub_",
    "__mul__", "__rmul__", "__imul__", "mul", "mul_", "__truediv__", "__rtruediv__", "__itruediv__",
    "div", "div_", "__neg__", "neg", "__pos__", "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu",
    "elu_", "gelu", "silu", "sigmoid", "sigmoid_", "tanh", "tanh_", "hardswish", "hardtanh", "hardtanh_",
    "clamp", "clamp_", "abs", "exp", "pow", "__pow__", "sqrt", "square",
    "avg_pool1d", "avg_pool2d", "avg_pool3d", "max_pool1d", "max_pool2d", "max_pool3d",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices", "_max_pool1d",
    "_max_pool2d", "_max_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "_adaptive_max_pool1d", "_adaptive_max_pool2d", "_adaptive_max_pool3d",
    "dim", "contiguous", "clone", "detach",
    "mean",  # the mean of identical values is that value; checked below (not over the batch)
    "__get__", "size",  # reading sizes: checked below (only the batch size may be read)
    "flatten", "view", "reshape",  # checked below: only (batch, everything else)
})


_DROPOUTS = frozenset({"dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"})


def _name(func: Callable) -> str:
    return getattr(func, "__name__", "") or repr(func)


class _SymmetryGuard(TorchFunctionMode):
    """Refuses, during the narrowed pass, every tensor operation not known to keep channels identical."""

    def __init__(self) -> None:
        super().__init__()
        self.trusted = 0  # > 0 inside the narrowed layers' own code

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if self.trusted:
            return func(*args, **kwargs)
        try:
            return self._grouped(func, args, kwargs)
        except GroupError as err:
            raise NotNarrowable(str(err)) from err

    def _grouped(self, func: Callable, args: tuple, kwargs: dict) -> Any:
        """Runs ``func`` on narrowed tensors, keeping their channel groups (see ``narrow_groups``)."""
        name = _name(func)
        if name == "__getitem__" and groups_of(args[0]) is not None:
            out = channel_slice(args[0], args[1])
            if out is None:
                raise NotNarrowable("indexing other than a channel range x[:, a:b]")
            return out
        if name in ("cat", "concat", "concatenate"):
            tensors = args[0] if args else kwargs.get("tensors", ())
            out = channel_cat(tensors, args[1] if len(args) > 1 else kwargs.get("dim", 0))
            if out is None:
                raise NotNarrowable("concatenation of full-width tensors")
            return out
        self._check(func, args, kwargs)
        out = func(*args, **kwargs)
        source = groups_of(args[0]) if args else None
        if name in ("flatten", "view", "reshape") and source is not None:
            return tag(out, flattened_groups(source, out.shape[1] // len(source)))
        if name == "mean" and source is not None and len(source) > 1:
            dims = args[1] if len(args) > 1 else kwargs.get("dim")
            if any(d % args[0].dim() == 1 for d in ([dims] if isinstance(dims, int) else dims)):
                raise NotNarrowable("a mean over channel groups of different sizes")
        operands = [*args, *kwargs.values()]
        groups = result_groups(operands, out)
        return tag(out, groups) if groups is not None else out

    @staticmethod
    def _check(func: Callable, args: tuple, kwargs: dict) -> None:
        name = _name(func)
        if name in _DROPOUTS:
            training = args[2] if len(args) > 2 else kwargs.get("training", True)
            p = args[1] if len(args) > 1 else kwargs.get("p", 0.5)
            if training and p > 0:
                raise NotNarrowable("dropout in training mode draws a different mask per channel")
            return
        if name not in _CHANNELWISE:
            raise NotNarrowable(f"operation {name!r} may mix or select channels")
        if name == "__get__":
            # only ``tensor.shape`` (or ``.ndim``/``.dtype`` ...) reaches here; the channel count
            # it would show differs in the narrowed network, so code reading it is refused
            if getattr(getattr(func, "__self__", None), "__name__", "") in (
                    "dtype", "device", "ndim", "is_meta", "requires_grad", "is_cuda"):
                return
            raise NotNarrowable("the network reads tensor shapes (its channel count differs when narrowed)")
        if name == "size":
            dim = args[1] if len(args) > 1 else kwargs.get("dim")
            if dim != 0:
                raise NotNarrowable("the network reads a tensor size other than the batch size")
        if name == "flatten":
            start = args[1] if len(args) > 1 else kwargs.get("start_dim", 0)
            end = args[2] if len(args) > 2 else kwargs.get("end_dim", -1)
            if start != 1 or end not in (-1, args[0].dim() - 1):
                raise NotNarrowable("only flattening every dimension after the batch keeps channels symmetric")
        if name in ("view", "reshape"):
            shape = args[1:] if len(args) > 2 or not isinstance(args[1], (tuple, list, torch.Size)) else args[1]
            if len(shape) != 2 or shape[0] != args[0].shape[0] or shape[1] != -1:
                raise NotNarrowable("only reshaping to (batch, -1) keeps channels symmetric")
        if name == "mean":
            # the batch axis stacks the constants: averaging over it would mix them
            dims = args[1] if len(args) > 1 else kwargs.get("dim")
            if dims is None:
                raise NotNarrowable("a mean over the batch axis")
            dims = [dims] if isinstance(dims, int) else list(dims)
            if any(d % args[0].dim() == 0 for d in dims):
                raise NotNarrowable("a mean over the batch axis")


class _Memo:
    """Results of narrowed layers shared between identical layers applied to the same tensor.

    With one constant everywhere, two layers of the same kind and hyper-parameters applied
    to the same input give the same output (a cell that applies ``conv3x3`` to its input on
    two edges computes it once). Entries hold their input and output and record both
    tensors' version counters, so an in-place change to either invalidates the entry.
    """

    def __init__(self, guard: _SymmetryGuard) -> None:
        self.entries: dict[tuple, tuple[torch.Tensor, int, torch.Tensor, int]] = {}
        self.guard = guard

    def get(self, signature: tuple, x: torch.Tensor, compute: Callable[[], torch.Tensor]) -> torch.Tensor:
        key = (signature, id(x))
        with torch._C.DisableTorchFunction():  # reading version counters is no network operation
            hit = self.entries.get(key)
            if hit is not None and hit[0] is x and hit[1] == x._version and hit[3] == hit[2]._version:
                return hit[2]
        out = compute()
        with torch._C.DisableTorchFunction():
            self.entries[key] = (x, x._version, out, out._version)
        return out


class _Context:
    """What every narrowed layer of one pass shares: per-sample constants and the guard."""

    def __init__(self, weights: Sequence[float], batch_size: int, dtype: torch.dtype,
                 device: torch.device | str = "cpu") -> None:
        self.groups = len(weights)
        self.batch_size = batch_size
        # sample b of the stacked batch belongs to constant weights[b // batch_size]
        self.per_group = torch.tensor(list(weights), dtype=dtype, device=device)
        self.per_sample = self.per_group.repeat_interleave(batch_size)
        self.guard = _SymmetryGuard()
        self.memo = _Memo(self.guard)
        self.constants: dict[tuple, torch.Tensor] = {}

    def scale(self, x: torch.Tensor, factor: float = 1.0, in_place: bool = False) -> torch.Tensor:
        """``x`` times (factor * its sample's constant); ``in_place`` for temporaries (saves an allocation)."""
        per_sample = (self.per_sample * factor).view(-1, *([1] * (x.dim() - 1)))
        return x.mul_(per_sample) if in_place and x.is_contiguous() else x * per_sample


def _conv_forward(conv: nn.Module, ctx: _Context, x: torch.Tensor) -> torch.Tensor:
    dims = _CONVS[type(conv)]
    if x.dim() != dims + 2:
        raise NotNarrowable(f"{type(conv).__name__} got a {x.dim()}-d input")
    actual, groups = x.shape[1], groups_of(x)
    if groups is None:
        if actual != conv.in_channels:
            raise NotNarrowable(f"{type(conv).__name__} with {conv.in_channels} inputs got {actual} channels")
        if conv.groups != 1 and actual > 1:  # distinct channels (e.g. the first layer sees the image)
            raise NotNarrowable("grouped convolution over distinct channels")
        summed, fan_in = (x.sum(1, keepdim=True) if actual > 1 else x), 1
    else:  # identical channels in one or a few groups
        if conv.groups != 1 and len(groups) > 1:
            raise NotNarrowable("grouped convolution over several channel groups")
        summed, fan_in = sum_channels(x, conv.in_channels, type(conv).__name__)
        fan_in //= conv.groups
    box = _box_sum(conv, dims, summed)
    # a 1x1 window sum is a view of its input, which other layers may still read
    fresh = box.untyped_storage().data_ptr() not in (summed.untyped_storage().data_ptr(),
                                                     x.untyped_storage().data_ptr())
    out = ctx.scale(box, fan_in, in_place=fresh)
    return tag(out, (conv.out_channels,))


def _box_sum(conv: nn.Module, dims: int, x: torch.Tensor) -> torch.Tensor:
    """Convolution of a one-channel ``x`` with an all-ones kernel of ``conv``'s shape."""
    if conv.padding_mode != "zeros":
        raise NotNarrowable(f"padding mode {conv.padding_mode!r}")
    kernel, dilation = conv.kernel_size, conv.dilation
    if conv.padding == "valid":
        padding = [(0, 0)] * dims
    elif conv.padding == "same":
        padding = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)]
    else:
        padding = [(p, p) for p in conv.padding]
    return _window_sum(x, kernel, conv.stride, dilation, padding)


def _window_sum(x: torch.Tensor, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int],
                padding: Sequence[tuple[int, int]]) -> torch.Tensor:
    """Sums of ``x`` over sliding windows of its trailing axes (zero padding).

    The all-ones kernel is separable: one pass of shifted additions per axis, much faster
    than a one-channel convolution or a pooling call in float64 on a CPU.
    """
    first = x.dim() - len(kernel)
    for axis, (k, s, d, (before, after)) in enumerate(zip(kernel, stride, dilation, padding), start=first):
        length = x.shape[axis]
        count = (length + before + after - d * (k - 1) - 1) // s + 1
        if count < 1:
            raise NotNarrowable("kernel larger than its padded input")
        if k > 1 and before == after and 2 * before == d * (k - 1):
            # "same" window: out[i] = sum_j x[i + j*d - before], missing terms are the zero padding
            total = x.clone() if before % d == 0 and before // d < k else torch.zeros_like(x)
            for j in range(k):
                offset = j * d - before
                if offset > 0:
                    total.narrow(axis, 0, length - offset).add_(x.narrow(axis, offset, length - offset))
                elif offset < 0:
                    total.narrow(axis, -offset, length + offset).add_(x.narrow(axis, 0, length + offset))
            x = total
            if s != 1:
                x = x[(slice(None),) * axis + (slice(None, None, s),)]
            continue
        if before or after:
            pads = [0, 0] * (x.dim() - axis - 1) + [before, after]
            x = F.pad(x, pads)  # F.pad lists the last axis first
        span = s * (count - 1) + 1
        parts = [x.narrow(axis, j * d, span) for j in range(k)]
        if s != 1:
            parts = [part[(slice(None),) * axis + (slice(None, None, s),)] for part in parts]
        if k == 1:
            x = parts[0]
            continue
        total = parts[0] + parts[1]
        for part in parts[2:]:
            total.add_(part)
        x = total
    return x


_AVG_POOLS = {nn.AvgPool1d: 1, nn.AvgPool2d: 2, nn.AvgPool3d: 3}


def _avg_pool_forward(pool: nn.Module, ctx: _Context, x: torch.Tensor) -> torch.Tensor:
    """Average pooling as window sums over window sizes (same values as the pooling call)."""
    dims = _AVG_POOLS[type(pool)]
    as_tuple = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * dims  # noqa: E731
    kernel = as_tuple(pool.kernel_size)
    stride = as_tuple(pool.stride if pool.stride is not None else pool.kernel_size)
    padding = as_tuple(pool.padding)
    divisor = getattr(pool, "divisor_override", None)
    if pool.ceil_mode or x.dim() != dims + 2 or any(2 * p > k for p, k in zip(padding, kernel)):
        raise NotNarrowable("unsupported pooling configuration")  # caught below: the layer runs as is
    pairs = [(p, p) for p in padding]
    sums = _window_sum(x, kernel, stride, (1,) * dims, pairs)
    if divisor:
        return sums / divisor
    if pool.count_include_pad or not any(padding):
        return sums / math.prod(kernel)
    key = ("counts", kernel, stride, padding, tuple(x.shape[2:]))
    counts = ctx.constants.get(key)
    if counts is None:
        ones = torch.ones((1, 1, *x.shape[2:]), dtype=x.dtype, device=x.device)
        counts = ctx.constants[key] = _window_sum(ones, kernel, stride, (1,) * dims, pairs)
    return sums / counts


def _linear_forward(linear: nn.Linear, ctx: _Context, x: torch.Tensor) -> torch.Tensor:
    if x.dim() != 2:
        raise NotNarrowable(f"Linear got a {x.dim()}-d input (only (batch, features) is narrowed)")
    if groups_of(x) is None:
        if x.shape[1] != linear.in_features:
            raise NotNarrowable(f"Linear with {linear.in_features} inputs got {x.shape[1]} features")
        summed, fan_in = x.sum(1, keepdim=True), 1
    else:  # a flattened narrowed map: its columns stand for groups of identical features
        summed, fan_in = sum_channels(x, linear.in_features, "Linear")
    return tag(ctx.scale(summed, fan_in), (linear.out_features,))


def _batch_norm_forward(bn: nn.Module, ctx: _Context, x: torch.Tensor) -> torch.Tensor:
    if x.dim() < 2:
        raise NotNarrowable("batch norm on a 1-d tensor")
    groups, n, channels = ctx.groups, ctx.batch_size, x.shape[1]
    # (constant, channel, every value of that channel in the constant's batch)
    grouped = x.reshape(groups, n, channels, -1).transpose(1, 2).reshape(groups, channels, -1)
    if bn.training or not bn.track_running_stats:
        # batch statistics per constant and channel, two-pass (as accurate as torch's)
        mean = grouped.mean(2, keepdim=True)
        centred = grouped - mean
        var = torch.linalg.vecdot(centred, centred, dim=2).unsqueeze(2) / centred.shape[2]
    else:
        stats = _constant_stats(bn)
        mean = torch.full((groups, channels, 1), stats[0], dtype=x.dtype, device=x.device)
        centred = grouped - mean
        var = torch.full_like(mean, stats[1])
    factor = torch.rsqrt(var + bn.eps)
    if bn.affine:
        factor = factor * ctx.per_group.view(groups, 1, 1)
    out = centred.mul_(factor)  # centred is our own temporary
    out = out.reshape(groups, channels, n, -1).transpose(1, 2).reshape(x.shape)
    return tag(out, groups_of(x)) if groups_of(x) is not None else out


def _constant_stats(bn: nn.Module) -> tuple[float, float]:
    """The running mean and variance, which must be equal across channels (0 and 1 when fresh)."""
    mean, var = bn.running_mean, bn.running_var
    if mean.is_meta:  # a network built on the meta device gets fresh statistics
        return 0.0, 1.0
    if not (torch.all(mean == mean.flatten()[0]) and torch.all(var == var.flatten()[0])):
        raise NotNarrowable("batch-norm running statistics differ between channels")
    return float(mean.flatten()[0]), float(var.flatten()[0])


def _signature(module: nn.Module) -> tuple:
    if isinstance(module, tuple(_CONVS)):  # out_channels: the output's group width
        return (type(module), module.in_channels, module.out_channels, module.groups, module.kernel_size, module.stride,
                module.padding, module.dilation, module.padding_mode)
    if isinstance(module, nn.Linear):
        return (nn.Linear, module.in_features, module.out_features)
    if isinstance(module, _BATCH_NORMS):
        stats = None if module.training or not module.track_running_stats else _constant_stats(module)
        return ("batchnorm", module.eps, module.affine, stats)
    return (type(module), module.extra_repr(), module.training)


def _check_module(module: nn.Module, train_mode: bool) -> None:
    """Raises NotNarrowable for layers the narrowed pass cannot stand in for."""
    kind = type(module)
    if kind in _CONVS or kind is nn.Linear:
        return
    if kind in _BATCH_NORMS:
        for name, _ in module.named_buffers(recurse=False):
            if name not in ("running_mean", "running_var", "num_batches_tracked"):
                raise NotNarrowable(f"batch norm with extra buffer {name!r}")
        return
    if kind in (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout):
        if train_mode and module.p > 0:
            raise NotNarrowable("dropout in training mode draws a different mask per channel")
        return
    own_params = [name for name, _ in module.named_parameters(recurse=False)]
    own_buffers = [name for name, _ in module.named_buffers(recurse=False)]
    if own_params or own_buffers:
        raise NotNarrowable(
            f"{kind.__name__} has parameters/buffers {own_params + own_buffers} that constant weights do not set")


def _replacement(module: nn.Module, ctx: _Context) -> Callable[[torch.Tensor], torch.Tensor] | None:
    kind = type(module)
    if kind in _CONVS:
        layer = _conv_forward
    elif kind is nn.Linear:
        layer = _linear_forward
    elif kind in _BATCH_NORMS:
        layer = _batch_norm_forward
    elif kind in _AVG_POOLS:
        original = module.forward
        signature = _signature(module)

        def pooled(x: torch.Tensor, *rest: Any, **kwargs: Any) -> torch.Tensor:
            if rest or kwargs or not isinstance(x, torch.Tensor):
                return original(x, *rest, **kwargs)

            def compute() -> torch.Tensor:
                ctx.guard.trusted += 1
                try:
                    out = _avg_pool_forward(module, ctx, x)
                    return tag(out, groups_of(x)) if groups_of(x) is not None else out
                except NotNarrowable:
                    pass
                finally:
                    ctx.guard.trusted -= 1
                return original(x)  # guarded like any other layer
            return ctx.memo.get(signature, x, compute)
        return pooled
    elif kind in _SHAREABLE_LEAVES:
        original = module.forward  # still guarded: runs with ctx.guard active
        signature = _signature(module)

        def shared(x: torch.Tensor, *rest: Any, **kwargs: Any) -> torch.Tensor:
            if rest or kwargs or not isinstance(x, torch.Tensor):
                return original(x, *rest, **kwargs)
            return ctx.memo.get(signature, x, lambda: original(x))
        return shared
    else:
        return None
    signature = _signature(module)

    def narrowed(x: torch.Tensor, *rest: Any, **kwargs: Any) -> torch.Tensor:
        if rest or kwargs or not isinstance(x, torch.Tensor):
            raise NotNarrowable(f"{kind.__name__} called with extra arguments")

        def compute() -> torch.Tensor:
            ctx.guard.trusted += 1
            try:
                return layer(module, ctx, x)
            finally:
                ctx.guard.trusted -= 1
        return ctx.memo.get(signature, x, compute)
    return narrowed


def check_narrowable(model: nn.Module, train_mode: bool) -> None:
    """Raises NotNarrowable when a layer of ``model`` cannot be narrowed (checked before running)."""
    for module in model.modules():
        _check_module(module, train_mode)


def narrow_outputs(model: nn.Module, inputs: torch.Tensor, weights: Sequence[float], train_mode: bool,
                   dtype: torch.dtype = torch.float64, num_threads: int = 1) -> list[torch.Tensor]:
    """Outputs of ``model`` on ``inputs`` for each constant weight, computed one channel wide.

    Each returned tensor is (batch, k): the model's flattened output per sample with every
    group of identical values collapsed to one (k is 1 for an ordinary classifier). Only
    shapes and hyper-parameters of ``model`` are read, so it may live on the meta device.
    Raises NotNarrowable when the model does not keep its channels identical.
    ``num_threads`` torch threads run the pass (0: torch's current setting); one channel
    makes tensors small enough that a single thread is usually fastest.
    """
    if not weights:
        raise ValueError("narrow_outputs needs at least one constant weight")
    check_narrowable(model, train_mode)
    batch_size = inputs.shape[0]
    ctx = _Context(weights, batch_size, dtype, inputs.device)
    was_training = {module: module.training for module in model.modules()}
    patched: list[nn.Module] = []
    threads = torch.get_num_threads()
    try:
        if num_threads > 0:
            torch.set_num_threads(num_threads)
        model.train(train_mode)
        for module in model.modules():
            replacement = _replacement(module, ctx)
            if replacement is not None:
                module.forward = replacement  # instance attribute: shadows the class's forward
                patched.append(module)
        stacked = inputs.to(dtype).repeat(len(weights), *([1] * (inputs.dim() - 1)))
        with torch.no_grad(), ctx.guard:
            out = model(stacked)
        if isinstance(out, (tuple, list)):
            out = out[0]
        if isinstance(out, torch.Tensor):
            out = expand(out)  # groups of different sizes: the values with their multiplicities
    except (RuntimeError, TypeError, ValueError, IndexError) as err:
        # a shape error in the narrowed pass means the network relies on its widths
        raise NotNarrowable(f"narrowed pass failed: {err}") from err
    finally:
        torch.set_num_threads(threads)
        for module in patched:
            del module.forward
        for module, mode in was_training.items():
            module.training = mode
    if not isinstance(out, torch.Tensor) or out.shape[0] != len(weights) * batch_size:
        raise NotNarrowable("the network's output does not keep the batch axis first")
    return list(out.reshape(len(weights), batch_size, -1).unbind(0))
