"""Weight initialisations that some proxies impose on the network they score.

Each draws from torch's global generator (seeded by the scorer before ``score`` runs), so a
proxy's value still depends on the scorer's seed only.
"""

from __future__ import annotations

import copy
from typing import Literal

import torch
from torch import nn

from nasearch.proxies._modules import NORM_LAYERS, WEIGHT_LAYERS

Scheme = Literal["normal", "kaiming_fan_in", "kaiming_fan_out"]


@torch.no_grad()
def initialise(model: nn.Module, scheme: Scheme) -> nn.Module:
    """A copy of ``model`` with conv/linear weights from ``scheme``, their biases 0; normalisation
    scale 1, shift 0. The caller's network is left as it was (a proxy leaves nothing behind).

    ``normal``: N(0, 1) with no fan scaling (Zen-NAS, SWAP); ``kaiming_fan_in`` /
    ``kaiming_fan_out``: Kaiming normal with the ReLU gain (AZ-NAS; FreeREA).
    """
    return initialise_in_place(copy.deepcopy(model), scheme)


@torch.no_grad()
def initialise_in_place(model: nn.Module, scheme: Scheme) -> nn.Module:
    """``initialise`` without the copy: redraws ``model``'s own weights (the same draws, in the
    same order, as ``initialise``). For a proxy that owns its copy and redraws it repeatedly."""
    for module in model.modules():
        if isinstance(module, WEIGHT_LAYERS):
            if scheme == "normal":
                nn.init.normal_(module.weight)
            elif scheme in ("kaiming_fan_in", "kaiming_fan_out"):
                nn.init.kaiming_normal_(module.weight, mode=scheme.removeprefix("kaiming_"), nonlinearity="relu")
            else:
                raise ValueError(f"unknown initialisation {scheme!r}")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, NORM_LAYERS):
            if getattr(module, "weight", None) is not None:
                nn.init.ones_(module.weight)
            if getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)
            if hasattr(module, "reset_running_stats"):
                module.reset_running_stats()
    return model
