"""Batch norm without its affine step while that step is the identity (γ = 1, β = 0).

At initialisation every ``nn.BatchNorm*`` has γ = 1 and β = 0, so x̂·γ + β = x̂ and the
normalised output is the same with the affine step left out. Its autograd graph is smaller,
though: no γ/β branches to carry through a double backward (measured 10–20 % cheaper on a
conv→BN→ReLU→conv block). ``affine_free_norms(model)`` drops γ and β for the duration of a
``with`` block from every batch norm whose γ is exactly 1 and β exactly 0, and puts them back
after. Only a proxy that takes no gradient with respect to γ or β may use it (grasp: conv and
linear weights only).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

_BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


def _identity_affine(module: nn.Module) -> bool:
    weight, bias = getattr(module, "weight", None), getattr(module, "bias", None)
    return (isinstance(module, _BATCH_NORMS) and weight is not None and bias is not None
            and bool(torch.all(weight == 1)) and bool(torch.all(bias == 0)))


@contextlib.contextmanager
def affine_free_norms(model: nn.Module) -> Iterator[None]:
    """Within the block, batch norms whose γ = 1 and β = 0 run without the affine step."""
    dropped = [(m, m.weight, m.bias) for m in model.modules() if _identity_affine(m)]
    for m, _, _ in dropped:
        m.weight = None
        m.bias = None
    try:
        yield
    finally:
        for m, weight, bias in dropped:
            m.weight = weight
            m.bias = bias
