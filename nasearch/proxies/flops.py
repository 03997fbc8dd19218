"""flops: multiply-accumulate operations of one forward pass of one image, in millions."""

from __future__ import annotations

import torch
from torch import nn

from nasearch.interfaces import Batch, Proxy
from nasearch.proxies._modules import WEIGHT_LAYERS
from nasearch.registry import register_proxy


def count_macs(model: nn.Module, image_shape: tuple[int, ...]) -> int:
    """MACs of convolution and linear layers for one input of ``image_shape`` (C, H, W).

    The count uses shapes only: on a meta-device network it allocates nothing.
    """
    total = 0

    def hook(module: nn.Module, inputs, output) -> None:
        nonlocal total
        if isinstance(module, nn.Linear):
            total += output.numel() * module.in_features
        else:
            per_output = module.weight.shape[1] * int(torch.tensor(module.weight.shape[2:]).prod())
            total += output.numel() * per_output

    device = next(model.parameters()).device
    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, WEIGHT_LAYERS)]
    try:
        with torch.no_grad():
            model.eval()
            model(torch.zeros((1, *image_shape), device=device))
    finally:
        for h in handles:
            h.remove()
    return total


@register_proxy("flops")
class Flops(Proxy):
    """Per-image multiply-accumulates of conv and linear layers, in millions (higher is better).

    Counts MACs the way NAS-Bench-201 reports FLOPs. Only the input shape is used.
    """

    higher_is_better = True
    needs_data = False
    needs_random_init = False

    def score(self, model: nn.Module, batch: Batch) -> float:
        return count_macs(model, tuple(batch.inputs.shape[1:])) / 1e6
