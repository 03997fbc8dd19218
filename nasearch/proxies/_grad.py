"""Helpers shared by the gradient-based proxies: labels, losses and per-layer gradients.

Every helper uses ``torch.autograd.grad`` instead of ``backward()``, so no ``.grad`` is
left on the network and no graph outlives the call (no memory carried between
architectures). Per-layer quantities come from the weights of ``nn.Conv*``/``nn.Linear``
layers, in module order, as the reference implementations do (biases and normalisation
parameters are not pruning targets there).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from nasearch.interfaces import Batch
from nasearch.proxies._modules import weight_layers


def require_labels(batch: Batch, proxy_name: str) -> torch.Tensor:
    if batch.labels is None:
        raise ValueError(
            f"proxy {proxy_name!r} needs labels: the batch has none. Use an .npz file with labels "
            "(y_train) or a synthetic batch (which carries random labels)."
        )
    return batch.labels


def layer_weights(model: nn.Module) -> list[torch.Tensor]:
    """The weight tensor of every conv/linear layer, in module order."""
    return [m.weight for m in weight_layers(model)]


def forward_logits(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    out = model(inputs)
    return out[0] if isinstance(out, (tuple, list)) else out


def cross_entropy(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(forward_logits(model, inputs), labels)


def grads_or_zeros(output: torch.Tensor, inputs: list[torch.Tensor], create_graph: bool = False) -> list[torch.Tensor]:
    """d output / d inputs; zeros for tensors the output does not depend on."""
    grads = torch.autograd.grad(output, inputs, allow_unused=True, create_graph=create_graph)
    return [torch.zeros_like(t) if g is None else g for t, g in zip(inputs, grads)]


def loss_weight_grads(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> list[torch.Tensor]:
    """dL/dW of the cross-entropy loss for each conv/linear weight (detached)."""
    weights = layer_weights(model)
    loss = cross_entropy(model, inputs, labels)
    return [g.detach() for g in grads_or_zeros(loss, weights)]


def split_batches(inputs: torch.Tensor, labels: torch.Tensor, splits: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``splits`` consecutive minibatches of (nearly) equal size."""
    n = inputs.shape[0]
    if splits < 2:
        raise ValueError(f"need at least 2 minibatches to measure gradient spread, got splits={splits}")
    if n < splits:
        raise ValueError(f"cannot split a batch of {n} images into {splits} minibatches; use a larger batch")
    bounds = [round(i * n / splits) for i in range(splits + 1)]
    return [(inputs[a:b], labels[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
