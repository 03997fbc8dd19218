"""zen (Zen-score, Lin et al., ICCV 2021), as Zen-NAS and NASLib compute it.

The network is re-initialised: conv/linear weights N(0, 1) with no fan scaling, biases 0,
batch-norm scale 1 and shift 0 with fresh running statistics. Two train-mode forward passes,
on Gaussian noise x and on x + γ·ε (γ = 0.01, ε Gaussian, both of the batch's shape; the
batch's values are not used), give the feature map f that enters the final global pooling:

    zen = log( mean_b Σ_chw |f(x) − f(x + γε)| ) + Σ_BN log √(mean_c running_var)

with each batch norm's ``running_var`` as the two passes leave it (momentum update from 1),
not the batch variance, as in the reference code. f is the input of the last
``nn.AdaptiveAvgPool*`` call; a network without one uses the input of its last
``nn.Linear`` call (the pooled features) instead. Residual links are kept (NASLib; Zen-NAS
itself removes them, which needs a switch in the network). Higher is better; NaN when the two
outputs are identical (no path from the input: log 0) or the value is not finite.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies._modules import device_of
from nasearch.proxies._init import initialise
from nasearch.registry import register_proxy

_POOLS = (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)
_BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


class ZenConfig(Config):
    gamma: float = 1e-2
    repeats: int = 1  # Zen-NAS's search and NASLib: 1 (the standalone tool averages 32)


def pre_pool_features(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """The input of the last global-pooling call (else of the last linear call)."""
    pooled: list[torch.Tensor] = []
    linear: list[torch.Tensor] = []

    def keep(store: list[torch.Tensor]):
        return lambda module, args: store.append(args[0])

    handles = [m.register_forward_pre_hook(keep(pooled)) for m in model.modules() if isinstance(m, _POOLS)]
    handles += [m.register_forward_pre_hook(keep(linear)) for m in model.modules() if isinstance(m, nn.Linear)]
    try:
        model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    if pooled:
        return pooled[-1]
    if linear:
        return linear[-1]
    raise ValueError("zen reads the features entering the final global pooling (or linear) layer; "
                     "this network has neither")


def zen_once(model: nn.Module, shape: tuple[int, ...], gamma: float) -> float:
    model = initialise(model, "normal")
    model.train()
    with torch.no_grad():
        device = device_of(model)  # draws on the CPU: same values on any device
        x = torch.randn(shape, device="cpu").to(device)
        noise = torch.randn(shape, device="cpu").to(device)
        clean = pre_pool_features(model, x)
        mixed = pre_pool_features(model, x + gamma * noise)
        diff = float((clean - mixed).abs().double().reshape(shape[0], -1).sum(1).mean())
        if not diff > 0 or not math.isfinite(diff):
            return math.nan
        bn_term = 0.0
        for module in model.modules():
            if isinstance(module, _BATCH_NORMS) and module.running_var is not None:
                bn_term += 0.5 * math.log(float(module.running_var.double().mean()))
    value = math.log(diff) + bn_term
    return value if math.isfinite(value) else math.nan


@register_proxy("zen")
class Zen(Proxy):
    """Zen-score: log of the feature response to a small input perturbation + BN scale terms."""

    higher_is_better = True
    needs_data = False  # Gaussian inputs of the batch's shape
    Config = ZenConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        cfg: ZenConfig = self.config
        if cfg.repeats < 1 or cfg.gamma <= 0:
            raise ValueError(f"zen needs repeats >= 1 and gamma > 0, got repeats={cfg.repeats}, gamma={cfg.gamma}")
        values = [zen_once(model, tuple(batch.inputs.shape), cfg.gamma) for _ in range(cfg.repeats)]
        return math.fsum(values) / len(values)
