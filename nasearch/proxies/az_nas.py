"""AZ-NAS (Lee & Ham, CVPR 2024): expressivity, progressivity and trainability of a network's
block features, combined with complexity (FLOPs) by a rank aggregation over a population.

Per architecture (three registered proxies, all higher-is-better):

- the network is re-initialised Kaiming normal (fan_in, ReLU gain) with biases 0 and
  normalisation scale 1, shift 0, and gets Gaussian N(0, 1) noise of the batch's shape in
  train mode (AZ-NAS: batch 64; the batch's values are not used);
- its *blocks* are the children of its longest ``nn.Sequential`` (on NAS-Bench-201 the 15
  cells and 2 residual blocks); F_0 is the first block's input (the stem output) and F_l the
  output of block l;
- ``az_expressivity``: for each F_l, the (B·H·W) × C matrix with centred columns gives
  Σ = XᵀX/(B·H·W); with p = eigenvalues/their sum, H_l = −Σ p·log(p + 1e-8); score = Σ_l H_l;
- ``az_progressivity``: min_l (H_l − H_{l−1});
- ``az_trainability``: for l = L…1, a Rademacher tensor v shaped like F_l, u = vᵀ ∂F_l/∂F_{l−1}
  (pixel-unshuffled when the block downsamples), M = uᵀv/(B·H_l·W_l) and the largest singular
  value σ of M scores 2 − σ − 1/(σ + 1e-6) (0 at σ = 1); score = the mean over blocks. A block
  that is the identity (u = v exactly, e.g. an all-skip cell) makes the score NaN, which AZ-NAS
  ranks last (its −inf).

The eigenvalues are computed in float64 here (the reference: float32, where tiny negative
eigenvalues can turn a term into NaN). NaN when Σ is zero (no signal reaches a block) or any
value is not finite; AZ-NAS maps these to −inf, i.e. last in its ranking.

The AZ-NAS score itself needs a population: ``nasearch.ensemble`` aggregates
az_expressivity, az_progressivity, az_trainability and flops as Σ_m log(rank_m / N)
(``--proxy az_nas`` in the CLI, ``ensemble.AZ_NAS`` in Python); it is relative to the
population ranked and cannot be compared across populations.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

from nasearch.interfaces import Batch, Proxy
from nasearch.proxies._init import initialise
from nasearch.registry import register_proxy


def feature_blocks(model: nn.Module) -> list[nn.Module]:
    """The children of the network's longest ``nn.Sequential`` (its chain of blocks)."""
    chains = [m for m in model.modules() if isinstance(m, nn.Sequential)]
    if not chains:
        raise ValueError("AZ-NAS proxies read the features between a network's blocks: this network has no "
                         "nn.Sequential chain of blocks")
    return list(max(chains, key=len))


def block_features(model: nn.Module, inputs: torch.Tensor, keep_graph: bool) -> list[torch.Tensor]:
    """[F_0, F_1, ..., F_L]: the first block's input, then every block's output."""
    blocks = feature_blocks(model)
    captured: list[torch.Tensor] = []

    def first_input(module: nn.Module, args: tuple) -> None:
        if not captured:
            captured.append(args[0])

    def output(module: nn.Module, args: tuple, out: torch.Tensor) -> None:
        captured.append(out)

    handles = [blocks[0].register_forward_pre_hook(first_input)]
    handles += [b.register_forward_hook(output) for b in blocks]
    try:
        with torch.set_grad_enabled(keep_graph):
            model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    return captured


def spectral_entropy(feature: torch.Tensor) -> float:
    x = feature.detach().double().movedim(1, -1).reshape(-1, feature.shape[1])
    x = x - x.mean(dim=0, keepdim=True)
    eigenvalues = torch.linalg.eigvalsh(x.T @ x / x.shape[0])
    total = eigenvalues.sum()
    if not float(total) > 0:
        return math.nan
    p = eigenvalues / total
    return float(-(p * torch.log(p + 1e-8)).sum())


def block_trainability(f_in: torch.Tensor, f_out: torch.Tensor) -> float:
    v = torch.randint(0, 2, f_out.shape, dtype=f_out.dtype, device="cpu").to(f_out.device) * 2 - 1
    (u,) = torch.autograd.grad(f_out, f_in, grad_outputs=v, retain_graph=True)
    if u.shape == v.shape and bool(torch.equal(u, v)):
        return math.nan  # an identity block: AZ-NAS's -inf
    if u.shape[2:] != v.shape[2:]:
        u = nn.functional.pixel_unshuffle(u, u.shape[2] // v.shape[2])
    u = u.double().movedim(1, -1).reshape(-1, u.shape[1])
    v2 = v.double().movedim(1, -1).reshape(-1, v.shape[1])
    sigma = float(torch.linalg.svdvals(u.T @ v2 / v2.shape[0]).max())
    return 2.0 - sigma - 1.0 / (sigma + 1e-6)


def _noise_features(model: nn.Module, batch: Batch, keep_graph: bool) -> list[torch.Tensor]:
    model = initialise(model, "kaiming_fan_in")
    model.train()
    inputs = torch.randn(batch.inputs.shape, device="cpu").to(batch.inputs.device)  # same draw on any device
    if keep_graph:
        inputs.requires_grad_(True)
    return block_features(model, inputs, keep_graph)


def _finite_or_nan(value: float) -> float:
    return value if math.isfinite(value) else math.nan


class _EntropyProxy(Proxy):
    higher_is_better = True
    needs_data = False  # Gaussian inputs of the batch's shape
    part: Literal["expressivity", "progressivity"]

    def score(self, model: nn.Module, batch: Batch) -> float:
        entropies = [spectral_entropy(f) for f in _noise_features(model, batch, keep_graph=False)]
        if any(math.isnan(h) for h in entropies):
            return math.nan
        if self.part == "expressivity":
            return _finite_or_nan(math.fsum(entropies))
        if len(entropies) < 2:
            return math.nan
        return _finite_or_nan(min(b - a for a, b in zip(entropies[:-1], entropies[1:])))


@register_proxy("az_expressivity")
class AzExpressivity(_EntropyProxy):
    """Σ over block features of the spectral entropy of their channel covariance (higher is better)."""

    part = "expressivity"


@register_proxy("az_progressivity")
class AzProgressivity(_EntropyProxy):
    """The smallest increase of spectral entropy from one block to the next (higher is better)."""

    part = "progressivity"


@register_proxy("az_trainability")
class AzTrainability(Proxy):
    """Mean over blocks of 2 − σ − 1/σ, σ the top singular value of the block's Jacobian sketch."""

    higher_is_better = True
    needs_data = False
    needs_gradients = True

    def score(self, model: nn.Module, batch: Batch) -> float:
        features = _noise_features(model, batch, keep_graph=True)
        if len(features) < 2:
            return math.nan
        scores = [block_trainability(features[i - 1], features[i]) for i in range(len(features) - 1, 0, -1)]
        return _finite_or_nan(math.fsum(scores) / len(scores))
