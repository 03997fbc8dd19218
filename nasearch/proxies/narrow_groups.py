"""Channel groups for the narrowed pass (``nasearch.proxies.narrow``): concatenation and slicing.

Under constant weights a convolution sums over *all* its input channels, so its output is one
value repeated on every channel even when its input is not. A concatenation of such outputs
(a NAS-Bench-101 cell output) is a few *groups* of identical channels. The narrowed pass keeps
one column per group and tags the tensor with the group sizes (``groups_of``): the real tensor
is each column repeated as many times as its group size, in order. The rules here keep that
invariant:

- a layer's output (convolution, linear) is one group of its output width;
- element-wise and per-channel operations keep the groups of their grouped operand; a
  one-column operand broadcasts over any grouping of the same width; two operands with
  different groupings are refused (their real channels would not line up);
- ``cat`` along the channel axis concatenates the groups; a channel slice ``x[:, a:b]`` keeps
  the groups it overlaps, the first and last cut to the overlap;
- flattening (batch, channels, ...) to (batch, -1) repeats each group once per position.

A tensor without a tag is an ordinary full-width tensor with distinct channels (the input
images), which every operation handles as is.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

_TAG = "_nasearch_channel_groups"
Groups = tuple[int, ...]


class GroupError(ValueError):
    """An operation that the channel-group representation cannot follow exactly."""


def groups_of(x: Any) -> Groups | None:
    """The channel groups of a narrowed tensor, None for an ordinary tensor."""
    return getattr(x, _TAG, None) if isinstance(x, torch.Tensor) else None


def tag(x: torch.Tensor, groups: Sequence[int]) -> torch.Tensor:
    """Marks ``x`` (its columns along axis 1) as channel groups of the given sizes."""
    groups = tuple(int(g) for g in groups)
    if x.dim() < 2 or x.shape[1] != len(groups) or min(groups) < 1:
        raise GroupError(f"{len(groups)} channel groups do not fit a tensor of shape {tuple(x.shape)}")
    setattr(x, _TAG, groups)
    return x


def width(groups: Groups) -> int:
    return sum(groups)


def multiplicities(groups: Groups, like: torch.Tensor) -> torch.Tensor:
    """Group sizes as a (1, k, 1, ...) tensor that weights ``like``'s columns."""
    shape = (1, len(groups)) + (1,) * (like.dim() - 2)
    return torch.tensor(groups, dtype=like.dtype, device=like.device).view(shape)


def sum_channels(x: torch.Tensor, expected: int, what: str) -> tuple[torch.Tensor, int]:
    """(one column holding the channel sum / the fan-in it stands for, that fan-in) of a narrowed input.

    A one-group input is returned as is with its width as fan-in; several groups are summed
    with their sizes as weights (fan-in 1). ``expected`` is the layer's input width.
    """
    groups = groups_of(x)
    if groups is None:
        raise GroupError(f"{what} got an untagged input")
    if width(groups) != expected:
        raise GroupError(f"{what} expects {expected} input channels, the narrowed input stands for {width(groups)}")
    if len(groups) == 1:
        return x, groups[0]
    return (x * multiplicities(groups, x)).sum(1, keepdim=True), 1


def channel_slice(x: torch.Tensor, index: Any) -> torch.Tensor | None:
    """``x[index]`` for a grouped ``x`` when ``index`` selects a channel range (``[:, a:b]``,
    trailing full slices allowed); None when it is another kind of index."""
    if not isinstance(index, tuple) or len(index) < 2 or index[0] != slice(None):
        return None
    if not isinstance(index[1], slice) or any(i not in (slice(None), Ellipsis) for i in index[2:]):
        return None
    groups = groups_of(x)
    assert groups is not None
    start, stop, step = index[1].indices(width(groups))
    if step != 1:
        return None
    kept, sizes, position = [], [], 0
    for column, size in enumerate(groups):
        overlap = min(stop, position + size) - max(start, position)
        if overlap > 0:
            kept.append(column)
            sizes.append(overlap)
        position += size
    if not kept:
        raise GroupError(f"channel slice {index[1]} of a {width(groups)}-channel tensor is empty")
    with torch._C.DisableTorchFunction():
        out = x.narrow(1, kept[0], len(kept))
    return tag(out, sizes)


def channel_cat(tensors: Sequence[torch.Tensor], dim: int) -> torch.Tensor | None:
    """``torch.cat`` of grouped tensors along the channel axis; None when none is grouped."""
    found = [groups_of(t) for t in tensors]
    if all(g is None for g in found):
        return None
    if any(g is None for g in found):
        raise GroupError("concatenation of narrowed and full-width tensors")
    if dim % tensors[0].dim() != 1:
        raise GroupError("concatenation along an axis other than the channels")
    with torch._C.DisableTorchFunction():
        out = torch.cat(list(tensors), dim=1)
    return tag(out, [g for groups in found for g in groups])


def result_groups(operands: Sequence[Any], result: Any) -> Groups | None:
    """Groups of the result of an element-wise / per-channel operation on ``operands``."""
    grouped = [groups_of(a) for a in operands if groups_of(a) is not None]
    if not grouped or not isinstance(result, torch.Tensor) or result.dim() < 2:
        return None
    wide = {g for g in grouped if len(g) > 1}
    if len(wide) > 1:
        raise GroupError(f"element-wise operation on tensors grouped differently: {sorted(wide)}")
    if len({width(g) for g in grouped}) > 1:
        raise GroupError(f"element-wise operation on tensors of different widths: {grouped}")
    full_width = any(isinstance(a, torch.Tensor) and groups_of(a) is None and a.dim() >= 2 and a.shape[1] > 1
                     for a in operands)
    if full_width:
        if wide:
            raise GroupError("element-wise operation between grouped and full-width channels")
        return None  # one narrowed column broadcast over distinct channels: an ordinary tensor
    groups = next(iter(wide)) if wide else grouped[0]
    return groups if result.shape[1] == len(groups) else None


def flattened_groups(groups: Groups, positions: int) -> Groups:
    """Groups of (batch, channels, positions...) flattened to (batch, -1): channel-major."""
    return tuple(g for g in groups for _ in range(positions))


def expand(x: torch.Tensor) -> torch.Tensor:
    """The full-width tensor a grouped (batch, k) tensor stands for when its groups differ in
    size (values must then be weighted by their group sizes); ``x`` itself otherwise."""
    groups = groups_of(x)
    if groups is None or len(set(groups)) == 1:
        return x
    with torch._C.DisableTorchFunction():
        repeats = torch.tensor(groups, device=x.device)
        return x.repeat_interleave(repeats, dim=1)
