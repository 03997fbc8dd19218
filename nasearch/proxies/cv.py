"""cv (Gracheva 2021, cited in papers 000/001): how much untrained accuracy varies with the seed.

The network is freshly initialised ``inits`` times (seeds ``seed, seed+1, ...``, every
layer's own ``reset_parameters``); each time, the accuracy of its predictions (argmax of the
logits) on the labelled minibatch is measured, without gradients. The score is the
coefficient of variation std/mean of these accuracies (population std). Lower is better.
NaN when the mean accuracy is 0 (no initialisation gets any image right) or an output is
not finite.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies._grad import forward_logits, require_labels
from nasearch.proxies._modules import materialise, reinitialise
from nasearch.registry import register_proxy


class CvConfig(Config):
    inits: int = 10
    seed: int = 0
    train_mode: bool = True  # BatchNorm batch statistics, as the NB201 proxies run


def init_accuracies(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor, inits: int, seed: int,
                    train_mode: bool) -> list[float]:
    model.train(train_mode)
    accuracies = []
    with torch.no_grad():
        for i in range(inits):
            reinitialise(model, seed + i)
            logits = forward_logits(model, inputs)
            if not torch.isfinite(logits).all():
                return [math.nan]
            accuracies.append(float((logits.argmax(dim=1) == labels).double().mean()))
    return accuracies


def coefficient_of_variation(values: list[float]) -> float:
    if len(values) < 2 or any(math.isnan(v) for v in values):
        return math.nan
    mean = math.fsum(values) / len(values)
    if mean == 0:
        return math.nan
    var = math.fsum((v - mean) ** 2 for v in values) / len(values)
    return math.sqrt(var) / mean


@register_proxy("cv")
class Cv(Proxy):
    """std/mean of the untrained minibatch accuracy over ``inits`` initialisations (lower is better)."""

    higher_is_better = False
    prefers_channels_last = True
    needs_data = True
    needs_labels = True
    needs_dead_branches = False  # reads only the outputs
    needs_random_init = False  # it initialises the network itself, ``inits`` times
    Config = CvConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        if self.config.inits < 2:
            raise ValueError(f"cv needs at least 2 initialisations, got inits={self.config.inits}")
        labels = require_labels(batch, self.name)
        model = materialise(model, self.config.seed, batch.inputs.device)
        accs = init_accuracies(model, batch.inputs, labels, self.config.inits, self.config.seed,
                               self.config.train_mode)
        return coefficient_of_variation(accs)
