"""Proxies built on how gradients vary across samples: zico, gsnr and grad_sign.

Gradients are of the cross-entropy loss with respect to the conv/linear weights of the
untrained network (train mode), for several disjoint parts of the one labelled minibatch.

- ``zico`` (Li et al. 2023): the batch is split into ``splits`` minibatches (default 2, the
  minimum the paper allows); per weight element, mean|g| / std(g) over the minibatches
  (population std, elements with std = 0 left out); per layer log Σ of that; summed over
  the layers whose Σ is positive. NaN when no layer contributes.
- ``gsnr`` (ξ-GSNR, Sun et al. 2023): per weight element, the gradient signal-to-noise
  ratio μ(g)² / (σ²(g) + ξ) over ``splits`` minibatches (default 8), summed over every
  element (``log=True``: its logarithm; same ranking). ξ keeps elements with zero variance
  finite. Our reading of the paper: minibatch gradients, population variance, ξ = 1e-8 by
  default; NaN when a value is not finite.
- ``grad_sign`` (GradSign, Zhang & Jia 2022): one gradient per sample (``samples`` images,
  each a forward/backward pass of its own); per weight element, |Σ_i sign(g_i)| counts how
  many more samples agree with the majority sign than against it; the score is the sum over
  all elements (the authors' code returns its logarithm: ``log=True``). Higher is better.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies._grad import loss_weight_grads, require_labels, split_batches
from nasearch.registry import register_proxy


def minibatch_gradients(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor,
                        splits: int) -> list[torch.Tensor]:
    """Per layer, a (splits, numel) float64 stack of the flattened minibatch gradients."""
    per_split = [loss_weight_grads(model, x, y) for x, y in split_batches(inputs, labels, splits)]
    return [torch.stack([g[i].reshape(-1).double() for g in per_split]) for i in range(len(per_split[0]))]


def zico_from_gradients(stacks: list[torch.Tensor]) -> float:
    """Σ_layers log Σ_elements mean|g|/std(g) (population std; std = 0 elements skipped)."""
    total, used = 0.0, 0
    for g in stacks:
        std = g.std(dim=0, unbiased=False)
        mean_abs = g.abs().mean(dim=0)
        keep = std != 0
        inner = float((mean_abs[keep] / std[keep]).sum())
        if not math.isfinite(inner):
            return math.nan
        if inner > 0:
            total += math.log(inner)
            used += 1
    return total if used else math.nan


def gsnr_from_gradients(stacks: list[torch.Tensor], xi: float) -> float:
    total = 0.0
    for g in stacks:
        mu = g.mean(dim=0)
        var = g.var(dim=0, unbiased=False)
        total += float((mu.pow(2) / (var + xi)).sum())
    return total if math.isfinite(total) else math.nan


class ZicoConfig(Config):
    splits: int = 2


class GsnrConfig(Config):
    splits: int = 8
    xi: float = 1e-8
    log: bool = False


class GradSignConfig(Config):
    samples: int | None = None  # None: every image of the batch
    log: bool = False


class _GradientStatistic(Proxy):
    higher_is_better = True
    prefers_channels_last = True
    needs_data = True
    needs_labels = True
    needs_gradients = True
    needs_dead_branches = False


@register_proxy("zico")
class Zico(_GradientStatistic):
    """Σ_layers log Σ mean|g|/std(g) over ``splits`` minibatches (higher is better)."""

    Config = ZicoConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        labels = require_labels(batch, self.name)
        return zico_from_gradients(minibatch_gradients(model, batch.inputs, labels, self.config.splits))


@register_proxy("gsnr")
class Gsnr(_GradientStatistic):
    """Σ over weight elements of μ(g)²/(σ²(g)+ξ) over ``splits`` minibatches (higher is better)."""

    Config = GsnrConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        labels = require_labels(batch, self.name)
        stacks = minibatch_gradients(model, batch.inputs, labels, self.config.splits)
        value = gsnr_from_gradients(stacks, self.config.xi)
        if self.config.log:
            return math.log(value) if value > 0 else math.nan
        return value


def sign_agreement(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> float:
    """Σ_elements |Σ_samples sign(∂L_i/∂W)| with one gradient per sample."""
    sign_sums: list[torch.Tensor] | None = None
    for i in range(inputs.shape[0]):
        grads = loss_weight_grads(model, inputs[i : i + 1], labels[i : i + 1])
        signs = [torch.sign(g) for g in grads]
        sign_sums = signs if sign_sums is None else [a + b for a, b in zip(sign_sums, signs)]
    if sign_sums is None:
        return math.nan
    return float(np.sum([float(s.abs().sum()) for s in sign_sums]))


@register_proxy("grad_sign")
class GradSign(_GradientStatistic):
    """Σ over weight elements of |Σ_i sign(g_i)| over per-sample gradients (higher is better)."""

    Config = GradSignConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        labels = require_labels(batch, self.name)
        n = batch.inputs.shape[0] if self.config.samples is None else min(self.config.samples, batch.inputs.shape[0])
        value = sign_agreement(model, batch.inputs[:n], labels[:n])
        if self.config.log:
            return math.log(value) if value > 0 else math.nan
        return value
