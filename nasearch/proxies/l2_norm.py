"""l2_norm (as NASLib / zero-cost-nas define it): Σ over conv/linear layers of ‖W‖_F.

Data-free, no forward pass: the Frobenius norm of every conv/linear weight tensor at the
network's initialisation (not squared; biases and normalisation layers excluded), summed.
At PyTorch's default initialisation E‖W‖²_F = C_out/3 whatever the kernel, so the score is
close to Σ_l √(C_out,l / 3): a width-weighted layer count that cannot see kernel size.
Higher is better (NASLib's orientation). NaN only if a weight is not finite.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasearch.interfaces import Batch, Proxy
from nasearch.proxies._grad import layer_weights
from nasearch.registry import register_proxy


@register_proxy("l2_norm")
class L2Norm(Proxy):
    """Σ_l ‖W_l‖_F over conv/linear weights at initialisation (higher is better)."""

    higher_is_better = True
    needs_data = False

    def score(self, model: nn.Module, batch: Batch) -> float:
        with torch.no_grad():
            total = math.fsum(float(torch.linalg.vector_norm(w.double())) for w in layer_weights(model))
        return total if math.isfinite(total) else math.nan
