"""3×3 average pooling (stride 1, padding 1, padding not counted) as a depthwise convolution.

PyTorch's CPU ``avg_pool2d`` with ``count_include_pad=False`` on contiguous tensors is slow: on
NAS-Bench-201's 64×16×32×32 activations it took 10.4 ms against 2.4 ms for a depthwise 3×3
convolution of ones followed by a multiplication by 1/(number of valid neighbours) (one thread,
measured), and the same ratio holds for its backward and double backward. The result is the
same function (the same sums, in another order: float32 rounding). ``conv_pools(model)``
swaps it in for the duration of a ``with`` block; used by grasp, whose double backward runs
every pooling three times. The kernel is a constant, not a parameter: no proxy sees it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

_INVERSE_COUNTS: dict[tuple, torch.Tensor] = {}


def _inverse_counts(height: int, width: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    key = (height, width, dtype, device)
    if key not in _INVERSE_COUNTS:
        ones = torch.ones(1, 1, height, width, dtype=dtype, device=device)
        _INVERSE_COUNTS[key] = 1.0 / F.conv2d(ones, torch.ones(1, 1, 3, 3, dtype=dtype, device=device), padding=1)
    return _INVERSE_COUNTS[key]


def pool3x3_as_conv(x: torch.Tensor) -> torch.Tensor:
    """``avg_pool2d(x, 3, 1, 1, count_include_pad=False)`` for a 4-D tensor."""
    channels = x.shape[1]
    kernel = torch.ones(channels, 1, 3, 3, dtype=x.dtype, device=x.device)
    summed = F.conv2d(x, kernel, padding=1, groups=channels)
    return summed * _inverse_counts(x.shape[2], x.shape[3], x.dtype, x.device)


def _rewritable(module: nn.Module) -> bool:
    def pair(v):
        return v if isinstance(v, tuple) else (v, v)

    return (isinstance(module, nn.AvgPool2d) and pair(module.kernel_size) == (3, 3)
            and pair(module.stride) == (1, 1) and pair(module.padding) == (1, 1)
            and not module.count_include_pad and not module.ceil_mode and module.divisor_override is None)


@contextlib.contextmanager
def conv_pools(model: nn.Module) -> Iterator[None]:
    """Within the block, every 3×3/1/1 exclusive-padding ``nn.AvgPool2d`` of ``model`` runs as a convolution."""
    swapped = [m for m in model.modules() if _rewritable(m)]
    for m in swapped:
        m.forward = pool3x3_as_conv
    try:
        yield
    finally:
        for m in swapped:
            del m.forward
