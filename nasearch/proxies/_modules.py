"""Helpers shared by proxies that walk a network's layers."""

from __future__ import annotations

import torch
from torch import nn

WEIGHT_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
NORM_LAYERS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.GroupNorm, nn.LayerNorm)


def is_meta(model: nn.Module) -> bool:
    return any(t.is_meta for t in model.parameters()) or any(t.is_meta for t in model.buffers())


def materialise(model: nn.Module, seed: int = 0, device: torch.device | str = "cpu") -> nn.Module:
    """Give a meta-device network real storage on ``device``, every layer freshly initialised
    (drawn on the CPU and moved, so every device starts from the same weights)."""
    if not is_meta(model):
        return model
    model = model.to_empty(device="cpu")
    reinitialise(model, seed)
    return model.to(device)


def reinitialise(model: nn.Module, seed: int) -> None:
    """Every layer's own default initialisation, drawn after ``torch.manual_seed(seed)``."""
    torch.manual_seed(seed)
    for module in model.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
        elif hasattr(module, "reset_running_stats"):
            module.reset_running_stats()


def weight_layers(model: nn.Module) -> list[nn.Module]:
    """Convolution and linear layers, in module order (per-layer quantities come from these)."""
    return [m for m in model.modules() if isinstance(m, WEIGHT_LAYERS)]


def device_of(model: nn.Module) -> torch.device:
    """The device of the network's parameters (the CPU for a network without any)."""
    for parameter in model.parameters():
        return parameter.device
    return torch.device("cpu")
