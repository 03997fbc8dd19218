"""Pruning-at-initialisation saliencies as zero-cost proxies (Abdelfattah et al.; papers 000, 002).

All four use the cross-entropy loss L of the untrained network on one labelled minibatch
(the network in the mode it arrives in: train mode, BatchNorm batch statistics) and the
weights W of every conv/linear layer:

- ``grad_norm``: Σ_layers ‖∂L/∂W‖₂ (one L2 norm per layer, summed).
- ``snip``: Σ |W ⊙ ∂L/∂W| (the gradient of L with respect to a ones mask on W).
- ``grasp``: Σ -W ⊙ (H g), g = ∂L/∂W, H the Hessian of L (a double backward). Signed.
- ``fisher``: for every output channel k of every conv/linear activation a,
  g_nk = Σ_spatial a ⊙ ∂L/∂a, fisher = Σ_k 0.5·mean_n(g_nk²), summed over layers.

All are higher-is-better as published (grasp included: paper 000 correlates +grasp). NaN
when the loss or any saliency is not finite.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasearch.interfaces import Batch, Proxy
from nasearch.proxies._grad import (
    cross_entropy,
    grads_or_zeros,
    layer_weights,
    loss_weight_grads,
    require_labels,
)
from nasearch.proxies._affine_free import affine_free_norms
from nasearch.proxies._modules import weight_layers
from nasearch.proxies._pool_conv import conv_pools
from nasearch.registry import register_proxy


def finite_sum(values: list[torch.Tensor]) -> float:
    total = math.fsum(float(v.double().sum()) for v in values)
    return total if math.isfinite(total) else math.nan


def snip_per_layer(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> list[torch.Tensor]:
    """|W ⊙ ∂L/∂W| for each conv/linear layer."""
    grads = loss_weight_grads(model, inputs, labels)
    return [(w.detach() * g).abs() for w, g in zip(layer_weights(model), grads)]


def grasp_per_layer(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> list[torch.Tensor]:
    """-W ⊙ Hg for each conv/linear layer (one forward, one double backward)."""
    weights = layer_weights(model)
    loss = cross_entropy(model, inputs, labels)
    g = grads_or_zeros(loss, weights, create_graph=True)
    # z = gᵀ·stopgrad(g); ∂z/∂W = H g (H symmetric)
    z = sum((gi * gi.detach()).sum() for gi in g if gi.requires_grad)
    if not isinstance(z, torch.Tensor):  # no weight influences the loss
        return [torch.zeros_like(w) for w in weights]
    hg = grads_or_zeros(z, weights)
    return [-(w.detach() * h.detach()) for w, h in zip(weights, hg)]


def fisher_per_layer(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> list[torch.Tensor]:
    """Per-channel Fisher saliency 0.5·mean_n(Σ_spatial a·∂L/∂a)², one tensor per layer call."""
    activations: list[torch.Tensor] = []

    def keep(module: nn.Module, args, output: torch.Tensor) -> None:
        activations.append(output)

    handles = [m.register_forward_hook(keep) for m in weight_layers(model)]
    try:
        loss = cross_entropy(model, inputs, labels)
    finally:
        for h in handles:
            h.remove()
    grads = grads_or_zeros(loss, activations)
    result = []
    for a, g in zip(activations, grads):
        prod = a.detach() * g
        g_nk = prod.sum(dim=tuple(range(2, prod.ndim))) if prod.ndim > 2 else prod
        result.append(0.5 * g_nk.pow(2).mean(0))
    return result


class _LabelledSaliency(Proxy):
    higher_is_better = True
    # language models too: their (N*T, vocab) logits and flattened next-token labels make the
    # same cross-entropy loss, and their weights are nn.Linear layers
    task_kinds = frozenset({"image", "language"})
    prefers_channels_last = True
    needs_dead_branches = False
    needs_data = True
    needs_labels = True
    needs_gradients = True

    def _labels(self, batch: Batch) -> torch.Tensor:
        return require_labels(batch, self.name)


@register_proxy("grad_norm")
class GradNorm(_LabelledSaliency):
    """Σ over conv/linear layers of ‖∂L/∂W‖₂ (higher is better)."""

    def score(self, model: nn.Module, batch: Batch) -> float:
        grads = loss_weight_grads(model, batch.inputs, self._labels(batch))
        return finite_sum([g.double().norm() for g in grads])


@register_proxy("snip")
class Snip(_LabelledSaliency):
    """Σ |W ⊙ ∂L/∂W| over conv/linear weights (higher is better)."""

    def score(self, model: nn.Module, batch: Batch) -> float:
        return finite_sum(snip_per_layer(model, batch.inputs, self._labels(batch)))


@register_proxy("grasp")
class Grasp(_LabelledSaliency):
    """Σ -W ⊙ Hg over conv/linear weights; signed, higher is better as published."""

    prefers_channels_last = False  # measured: its double backward is slower channels-last (1.85 vs 1.58 s)

    def score(self, model: nn.Module, batch: Batch) -> float:
        # the double backward runs every pooling 3 times: as a convolution it is about 4x cheaper
        # (experiments/grasp_speed); same values up to float32 rounding. Batch norms at γ = 1,
        # β = 0 drop their affine step (exact): a smaller graph to differentiate twice
        with conv_pools(model), affine_free_norms(model):
            return finite_sum(grasp_per_layer(model, batch.inputs, self._labels(batch)))


@register_proxy("fisher")
class Fisher(_LabelledSaliency):
    """Σ over conv/linear output channels of 0.5·mean_n(Σ_spatial a ⊙ ∂L/∂a)² (higher is better)."""

    def score(self, model: nn.Module, batch: Batch) -> float:
        return finite_sum(fisher_per_layer(model, batch.inputs, self._labels(batch)))
