"""logsynflow (FreeREA, Cavagnero et al., WACV 2023): synflow with log-compressed gradients.

As FreeREA computes it: conv/linear weights re-drawn Kaiming normal (fan_out, ReLU gain),
biases 0; every normalisation layer removed and every parameter and buffer made
non-negative; float64; one all-ones input of the batch's image shape; R = Σ outputs and

    logsynflow = Σ over conv/linear weights of |θ| · log(1 + ∂R/∂θ)

(the gradients are ≥ 0, so the log is defined), averaged over ``repeats`` independent
initialisations (FreeREA: 3). Higher is better. Exactly 0 when no path joins input and
output. NaN when a value is not finite.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies._modules import device_of
from nasearch.proxies._grad import forward_logits, grads_or_zeros, layer_weights
from nasearch.proxies._init import initialise
from nasearch.proxies.synflow import linearised_copy
from nasearch.registry import register_proxy


class LogSynflowConfig(Config):
    repeats: int = 3


def logsynflow_once(model: nn.Module, image_shape: tuple[int, ...]) -> float:
    model = initialise(model, "kaiming_fan_out")
    net = linearised_copy(model)
    weights = layer_weights(net)
    r = forward_logits(net, torch.ones((1, *image_shape), dtype=torch.float64, device=device_of(net))).sum()
    grads = grads_or_zeros(r, weights)
    return math.fsum(float((w.detach() * torch.log1p(g)).sum()) for w, g in zip(weights, grads))


@register_proxy("logsynflow")
class LogSynflow(Proxy):
    """Σ |θ|·log(1 + ∂R/∂θ) of the BN-free, non-negative float64 network (higher is better)."""

    higher_is_better = True
    needs_data = False  # only the image shape of the batch is used
    needs_gradients = True
    Config = LogSynflowConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        if self.config.repeats < 1:
            raise ValueError(f"logsynflow needs repeats >= 1, got {self.config.repeats}")
        values = [logsynflow_once(model, tuple(batch.inputs.shape[1:])) for _ in range(self.config.repeats)]
        total = math.fsum(values) / len(values)
        return total if math.isfinite(total) else math.nan
