"""synflow (Tanaka et al. 2020; as a proxy in Abdelfattah et al., papers 000 and 002). Data-free.

A copy of the network with every normalisation layer replaced by the identity and every
parameter replaced by its absolute value, in float64, gets one all-ones input of the
batch's image shape (train mode); R = Σ output, and the score is Σ W ⊙ ∂R/∂W over the
conv/linear weights. Higher is better. Values reach 1e30 and beyond on NAS-Bench-201:
``log=True`` returns log(score) instead (same ranking). NaN when R or the score is not
finite or (with ``log``) not positive. On a language model (token-id batches) the all-ones
input is an all-ones embedding (``synflow_lm_per_layer``).
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies._modules import device_of
from nasearch.proxies._grad import forward_logits, grads_or_zeros, layer_weights
from nasearch.proxies._modules import NORM_LAYERS
from nasearch.registry import register_proxy


class SynflowConfig(Config):
    log: bool = False


def linearised_copy(model: nn.Module) -> nn.Module:
    """float64 copy without normalisation layers, every parameter and buffer made non-negative."""
    net = copy.deepcopy(model)
    _drop_norm_layers(net)
    net = net.double().train()
    with torch.no_grad():
        for tensor in net.state_dict().values():
            if tensor.is_floating_point():
                tensor.abs_()
    return net


def _drop_norm_layers(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, NORM_LAYERS):
            setattr(module, name, nn.Identity())
        else:
            _drop_norm_layers(child)


def synflow_per_layer(model: nn.Module, image_shape: tuple[int, ...]) -> list[torch.Tensor]:
    """W ⊙ ∂R/∂W (float64) for each conv/linear layer of the linearised copy."""
    net = linearised_copy(model)
    weights = layer_weights(net)
    inputs = torch.ones((1, *image_shape), dtype=torch.float64, device=weights[0].device)
    r = forward_logits(net, inputs).sum()
    grads = grads_or_zeros(r, weights)
    return [(w.detach() * g).detach() for w, g in zip(weights, grads)]


def synflow_lm_per_layer(model: nn.Module, seq_len: int) -> list[torch.Tensor]:
    """Synflow of a language model: the all-ones input is an all-ones embedding (every
    ``nn.Embedding`` weight set to 1, a decoder tied to it too) read for ``seq_len`` steps of
    one sequence, in eval mode (no dropout); R = Σ logits."""
    net = linearised_copy(model).eval()
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, nn.Embedding):
                module.weight.fill_(1.0)
    weights = layer_weights(net)
    r = forward_logits(net, torch.zeros((1, seq_len), dtype=torch.long, device=device_of(net))).sum()
    grads = grads_or_zeros(r, weights)
    return [(w.detach() * g).detach() for w, g in zip(weights, grads)]


@register_proxy("synflow")
class Synflow(Proxy):
    """Σ W ⊙ ∂R/∂W of the |W|, BN-free, float64 network on an all-ones image (higher is better)."""

    higher_is_better = True
    needs_data = False  # only the image shape of the batch is used
    needs_gradients = True
    task_kinds = frozenset({"image", "language"})
    Config = SynflowConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        if batch.inputs.is_floating_point():
            saliency = synflow_per_layer(model, tuple(batch.inputs.shape[1:]))
        else:  # token ids: a language model
            saliency = synflow_lm_per_layer(model, batch.inputs.shape[1])
        total = math.fsum(float(s.sum()) for s in saliency)
        if not math.isfinite(total):
            return math.nan
        if self.config.log:
            return math.log(total) if total > 0 else math.nan
        return total
