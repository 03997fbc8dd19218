"""linear_regions (TE-NAS, Chen et al., ICLR 2021): distinct ReLU activation patterns.

Every ``nn.ReLU`` whose input is 4-D (N, C, H, W) is hooked; the signs of its outputs over
all such ReLUs are concatenated into one binary code per sample, and the score is the number
of distinct codes among the samples (exact; TE-NAS sums 1/#duplicates in fp16, the same count).
Higher is better. No gradients, train mode.

On a full-width network at full resolution every sample gets its own code, so the count
equals the number of samples for every connected cell (saturation). TE-NAS avoids this with
a 1-channel supernet on 3×3 inputs; a proxy cannot rebuild the network, so by default it
scores ``samples`` random ``crop``×``crop`` crops of the batch's images (all channels; each
crop drawn from a random image at a random position with torch's seeded generator), which
the network sees as tiny images. ``crop=None`` scores the batch as it is. Samples are fed in
chunks of ``chunk`` (train-mode batch norm normalises within a chunk, as TE-NAS's batches).
Dead branches keep their ReLUs and add codes, as in the reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.registry import register_proxy


class LinearRegionsConfig(Config):
    crop: int | None = 3
    samples: int = 1000
    chunk: int = 1000


def random_crops(images: torch.Tensor, crop: int, samples: int) -> torch.Tensor:
    n, _, h, w = images.shape
    if crop > min(h, w):
        raise ValueError(f"crop {crop} is larger than the images ({h}x{w})")
    which = torch.randint(0, n, (samples,), device="cpu")
    top = torch.randint(0, h - crop + 1, (samples,), device="cpu")
    left = torch.randint(0, w - crop + 1, (samples,), device="cpu")
    windows = images.unfold(2, crop, 1).unfold(3, crop, 1)  # (N, C, H', W', crop, crop)
    return windows[which, :, top, left].contiguous()  # (S, C, crop, crop)


def forward_seeing_relus(model: nn.Module, inputs: torch.Tensor,
                         see: Callable[[torch.Tensor, torch.Tensor], None]) -> None:
    """One no-grad forward pass calling ``see(input, output)`` for every ``nn.ReLU`` with 4-D input."""

    def hook(module: nn.Module, args: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if args[0].dim() == 4:
            see(args[0], output)

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        with torch.no_grad():
            model(inputs)
    finally:
        for handle in handles:
            handle.remove()


def activation_codes(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """(N, units) bool: the sign pattern of every 4-D ReLU output, concatenated."""
    codes: list[torch.Tensor] = []
    forward_seeing_relus(model, inputs, lambda _, output: codes.append((output.detach() > 0).reshape(output.shape[0], -1)))
    if not codes:
        return torch.zeros((inputs.shape[0], 0), dtype=torch.bool, device=inputs.device)
    return torch.cat(codes, dim=1)


def distinct_rows(codes: torch.Tensor) -> int:
    if codes.shape[1] == 0:
        return 1
    return int(torch.unique(codes.to(torch.uint8), dim=0).shape[0])


@register_proxy("linear_regions")
class LinearRegions(Proxy):
    """Number of distinct ReLU activation patterns over the samples (higher is better)."""

    higher_is_better = True
    Config = LinearRegionsConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        cfg: LinearRegionsConfig = self.config
        if cfg.samples < 1 or cfg.chunk < 2:
            raise ValueError("linear_regions needs samples >= 1 and chunk >= 2")
        if not bool(torch.isfinite(batch.inputs).all()):
            return math.nan
        inputs = batch.inputs if cfg.crop is None else random_crops(batch.inputs.contiguous(), cfg.crop, cfg.samples)
        model.train()
        codes = torch.cat([activation_codes(model, part) for part in inputs.split(cfg.chunk)])
        return float(distinct_rows(codes))
