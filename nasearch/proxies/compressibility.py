"""Saliency compressibility (paper 004): SSNR (Synflow-SNR, SNIP-SNR, GraSP-SNR) and T-CET.

For each conv/linear layer l with parameters Θ_l and a per-parameter saliency S(θ)
(synflow, snip or grasp, as in ``synflow.py``/``saliency.py``):

    S_l = Σ_{θ∈Θ_l} S(θ),   σ_l = population std of S over Θ_l      (paper 004, eq. 3)
    SSNR = Σ_l S_l / σ_l                                             (eq. 4)
    T-CET = Σ_l (S_l / σ_l) · log|K_l|                               (T-CET equation)

``log=True`` takes log(S_l/σ_l) of each term instead (appendix A; terms that are not
positive are left out). Layers with σ_l = 0 (every saliency equal, e.g. all zero for a
layer cut off from the output) carry no spread and are left out; the score is NaN when no
layer is left or a value is not finite.

K_l is the activation-pattern kernel of layer l (Lnwot, paper 004): binary codes
c = (output of layer l > 0) per image, K_l = c cᵀ + (1-c)(1-c)ᵀ, on real data with the
network in eval mode (``kernel_mode="eval"``, the default: the authors' ``compute_naswot`` calls
``net.eval()`` before its hooks, so BatchNorm uses its initial running statistics; the
saliencies keep train mode, as theirs do). ``kernel_mode="train"`` keeps BatchNorm on batch
statistics (this module's behaviour before 2026-11-27: T-CET a median 12% off the authors'
values per cell; SNR was and is equal to theirs up to their Bessel-corrected σ, ≤1.2e-4; see
experiments/fidelity/tcet_authors.md). Pairing SNR and Lnwot needs one partition for both,
so here a "layer" is a conv/linear layer and its kernel comes from that layer's output (as
the T-CET authors' public code does), not from the ReLU inputs that ``lnwot`` uses. A layer
whose kernel is singular contributes 0 (the authors' "safe" log-determinant). The kernel
helper is private to this module so that it works on its own; the per-ReLU kernels of
``nasearch.proxies.naswot`` would pair ReLUs, not weight layers, with the saliencies.
Higher is better for all.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies._grad import require_labels
from nasearch.proxies._modules import weight_layers
from nasearch.proxies.naswot import code_kernel, log_abs_det
from nasearch.proxies.saliency import grasp_per_layer, snip_per_layer
from nasearch.proxies.synflow import synflow_per_layer
from nasearch.registry import register_proxy

Saliency = Literal["synflow", "snip", "grasp"]


class SnrConfig(Config):
    log: bool = False


class TcetConfig(SnrConfig):
    kernel_mode: Literal["eval", "train"] = "eval"


def layer_snr(saliency: torch.Tensor) -> float:
    """S_l / σ_l of one layer's saliencies (population std); NaN when σ_l = 0."""
    s = saliency.detach().double().reshape(-1)
    if s.numel() == 0:
        return math.nan
    sigma = float(s.std(unbiased=False)) if s.numel() > 1 else 0.0
    if sigma == 0 or not math.isfinite(sigma):
        return math.nan
    return float(s.sum()) / sigma


def _term(snr: float, log: bool) -> float:
    if math.isnan(snr):
        return math.nan
    if log:
        return math.log(snr) if snr > 0 else math.nan
    return snr


def ssnr_from_layers(saliencies: list[torch.Tensor], log: bool = False) -> float:
    terms = [_term(layer_snr(s), log) for s in saliencies]
    kept = [t for t in terms if not math.isnan(t)]
    if not kept:
        return math.nan
    total = math.fsum(kept)
    return total if math.isfinite(total) else math.nan


def weight_layer_kernels(model: nn.Module, inputs: torch.Tensor, mode: Literal["eval", "train"] | None = None
                         ) -> list[float]:
    """log|det K_l| per conv/linear layer call (0 for a singular kernel); one no-grad forward,
    in ``mode`` when given (the model's own mode is restored afterwards)."""
    values: list[float] = []
    was_training = model.training
    if mode is not None:
        model.train(mode == "train")

    def hook(module: nn.Module, args, output: torch.Tensor) -> None:
        logdet = log_abs_det(code_kernel(output.detach() > 0))
        values.append(0.0 if math.isnan(logdet) else logdet)

    handles = [m.register_forward_hook(hook) for m in weight_layers(model)]
    try:
        with torch.no_grad():
            model(inputs)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return values


def tcet_from_layers(saliencies: list[torch.Tensor], logdets: list[float], log: bool = False) -> float:
    if len(saliencies) != len(logdets):
        raise ValueError(
            f"T-CET pairs layers: {len(saliencies)} saliency layers but {len(logdets)} kernels "
            "(a layer called more than once per forward pass cannot be paired)"
        )
    terms = [_term(layer_snr(s), log) for s in saliencies]
    kept = [t * k for t, k in zip(terms, logdets) if not math.isnan(t)]
    if not kept:
        return math.nan
    total = math.fsum(kept)
    return total if math.isfinite(total) else math.nan


def saliency_per_layer(kind: Saliency, model: nn.Module, batch: Batch, proxy_name: str) -> list[torch.Tensor]:
    if kind == "synflow":
        return synflow_per_layer(model, tuple(batch.inputs.shape[1:]))
    labels = require_labels(batch, proxy_name)
    if kind == "snip":
        return snip_per_layer(model, batch.inputs, labels)
    return grasp_per_layer(model, batch.inputs, labels)


class _Ssnr(Proxy):
    higher_is_better = True
    prefers_channels_last = True
    needs_gradients = True
    Config = SnrConfig
    saliency: Saliency = "snip"

    def score(self, model: nn.Module, batch: Batch) -> float:
        return ssnr_from_layers(saliency_per_layer(self.saliency, model, batch, self.name), self.config.log)


@register_proxy("synflow_snr")
class SynflowSnr(_Ssnr):
    """Σ_l S_l/σ_l of synflow saliencies (data-free; higher is better)."""

    needs_data = False
    saliency = "synflow"


@register_proxy("snip_snr")
class SnipSnr(_Ssnr):
    """Σ_l S_l/σ_l of snip saliencies (higher is better)."""

    needs_data = True
    needs_labels = True
    needs_dead_branches = False
    saliency = "snip"


@register_proxy("grasp_snr")
class GraspSnr(_Ssnr):
    """Σ_l S_l/σ_l of grasp saliencies (signed; higher is better)."""

    needs_data = True
    needs_labels = True
    needs_dead_branches = False
    prefers_channels_last = False  # as grasp: the double backward is slower channels-last
    saliency = "grasp"


class _Tcet(_Ssnr):
    needs_data = True  # the kernels need images even when the saliency does not
    Config = TcetConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        logdets = weight_layer_kernels(model, batch.inputs, self.config.kernel_mode)
        saliencies = saliency_per_layer(self.saliency, model, batch, self.name)
        return tcet_from_layers(saliencies, logdets, self.config.log)


@register_proxy("tcet_snip")
class TcetSnip(_Tcet):
    """Σ_l (S_l/σ_l)·log|K_l| with snip saliencies (higher is better)."""

    needs_labels = True
    saliency = "snip"


@register_proxy("tcet_synflow")
class TcetSynflow(_Tcet):
    """Σ_l (S_l/σ_l)·log|K_l| with synflow saliencies (higher is better)."""

    saliency = "synflow"
