"""ntk (TE-NAS, Chen, Gong & Wang, ICLR 2021): condition number of the empirical NTK.

For each image i of the batch, g_i = ∂(Σ_k f_k(x_i))/∂θ over every parameter whose name
contains "weight" (conv, linear and normalisation scales; no biases), from one batched
train-mode forward pass (batch norm couples the images, as in TE-NAS). Θ = G Gᵀ (float64,
N × N) and κ = λ_max / λ_min. Lower is better (TE-NAS; the Zen-NAS and AZ-NAS ports negate it).
Weights stay at the network's own default initialisation: TE-NAS's initialiser names never
match its launcher's, so its reference runs use PyTorch defaults too. TE-NAS uses a batch of
72 on NAS-Bench-201; the batch given is used as it is.

NaN when a gradient is not finite, when λ_min ≤ 0 (Θ singular: e.g. no path from input to
output gives G = 0; TE-NAS's 1e5 placeholder is not substituted) or κ is not finite.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasearch.interfaces import Batch, Proxy
from nasearch.proxies._grad import forward_logits
from nasearch.registry import register_proxy


def per_sample_gradients(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """G (N × P): row i is ∂(Σ_k f_k(x_i))/∂θ over the "weight" parameters (float64)."""
    params = [p for name, p in model.named_parameters() if "weight" in name and p.requires_grad]
    logits = forward_logits(model, inputs)
    n = logits.shape[0]
    rows = []
    for i in range(n):  # measured faster on CPU than one vectorised (is_grads_batched) backward
        grads = torch.autograd.grad(logits[i].sum(), params, retain_graph=i < n - 1, allow_unused=True)
        rows.append(torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1) for p, g in zip(params, grads)]))
    return torch.stack(rows).double()


def condition_number(gram: torch.Tensor) -> float:
    eigenvalues = torch.linalg.eigvalsh(gram)
    low, high = float(eigenvalues[0]), float(eigenvalues[-1])
    if not low > 0 or not math.isfinite(high):
        return math.nan
    kappa = high / low
    return kappa if math.isfinite(kappa) else math.nan


@register_proxy("ntk")
class Ntk(Proxy):
    """κ = λ_max/λ_min of the NTK G Gᵀ on the batch (lower is better)."""

    higher_is_better = False
    needs_gradients = True
    needs_dead_branches = False

    def score(self, model: nn.Module, batch: Batch) -> float:
        model.train()
        g = per_sample_gradients(model, batch.inputs)
        if not bool(torch.isfinite(g).all()):
            return math.nan
        return condition_number(g @ g.T)
