"""ntk (TE-NAS, Chen, Gong & Wang, ICLR 2021): condition number of the empirical NTK.

For each image i of the batch, g_i = ∂(Σ_k f_k(x_i))/∂θ over every parameter whose name
contains "weight" (conv, linear and normalisation scales; no biases), from one batched
train-mode forward pass (batch norm couples the images, as in TE-NAS). Θ = G Gᵀ (float64,
N × N) and κ = λ_max / λ_min. Lower is better (TE-NAS; the Zen-NAS and AZ-NAS ports negate it).
Weights stay at the network's own default initialisation: TE-NAS's initialiser names never
match its launcher's, so its reference runs use PyTorch defaults too. TE-NAS uses a batch of
72 on NAS-Bench-201; the batch given is used as it is.

Cost: the 64 backward passes are the whole cost (vectorising them with ``is_grads_batched``
measured 1.3–2× slower on CPU, and batch norm couples the images, so they cannot be split).
3×3 average pooling runs as a depthwise convolution (``_pool_conv``: the same function, float32
rounding differs), which halves the time of pooling-heavy cells; Θ is accumulated in float64
from float32 column blocks of G instead of a float64 copy of all of G.

NaN when a gradient is not finite, when λ_min ≤ 0 (Θ singular: e.g. no path from input to
output gives G = 0; TE-NAS's 1e5 placeholder is not substituted) or κ is not finite.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasearch.interfaces import Batch, Proxy
from nasearch.proxies._grad import forward_logits
from nasearch.proxies._pool_conv import conv_pools
from nasearch.registry import register_proxy


GRAM_BLOCK = 1 << 16  # columns of G per float64 block of the Gram product


def per_sample_gradients(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """G (N × P): row i is ∂(Σ_k f_k(x_i))/∂θ over the "weight" parameters (the network's dtype)."""
    params = [p for name, p in model.named_parameters() if "weight" in name and p.requires_grad]
    with conv_pools(model):
        logits = forward_logits(model, inputs)
        n = logits.shape[0]
        rows = []
        for i in range(n):  # measured faster on CPU than one vectorised (is_grads_batched) backward
            grads = torch.autograd.grad(logits[i].sum(), params, retain_graph=i < n - 1, allow_unused=True)
            rows.append(torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1) for p, g in zip(params, grads)]))
    return torch.stack(rows)


def gram(g: torch.Tensor) -> torch.Tensor:
    """G Gᵀ in float64, one block of columns at a time (no float64 copy of all of G)."""
    total = torch.zeros(g.shape[0], g.shape[0], dtype=torch.float64, device=g.device)
    for start in range(0, g.shape[1], GRAM_BLOCK):
        block = g[:, start:start + GRAM_BLOCK].double()
        total += block @ block.T
    return total


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
        return condition_number(gram(g))
