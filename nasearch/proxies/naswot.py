"""naswot / hook_logdet (Mellor et al.; papers 000, 002) and Lnwot (paper 004).

Every ``nn.ReLU`` of the network gets a forward pre-hook that records, per image, which of
its inputs are positive: a binary code ``c`` (N, units). The kernel of a set of units is
``K = c cᵀ + (1-c)(1-c)ᵀ``, i.e. the number of units minus the Hamming distance between the
codes of two images. Counts are accumulated in float64, so K is exact (integers < 2**53).

- ``naswot`` (alias ``hook_logdet``): one kernel over the codes of all ReLUs concatenated
  (the sum of the per-ReLU kernels), score = log|det K| (``slogdet``). Higher is better.
- ``lnwot``: one kernel per ReLU call ("layer"), score = Σ_l log|det K_l|. Higher is better.

Undefined values give NaN: a singular network kernel (determinant 0, e.g. two images with
identical codes, or no ReLU at all), or a non-finite input. For ``lnwot`` the paper does not
say what a singular *layer* kernel contributes; the authors' public code adds 0 for it
(a "safe" log-determinant), so the default ``singular_layers="skip"`` leaves such layers out;
``singular_layers="nan"`` makes the whole score NaN instead. If every layer is singular the
score is NaN either way.

The network is used in the mode it arrives in (train mode: BatchNorm batch statistics, as
the reference code runs it) unless ``train_mode`` is set; no labels, no gradients.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator, Literal

import numpy as np
import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.registry import register_proxy


def code_kernel(codes: torch.Tensor) -> torch.Tensor:
    """K = c cᵀ + (1-c)(1-c)ᵀ of binary codes (N, units), exact in float64."""
    c = codes.reshape(codes.shape[0], -1).to(torch.float64)
    return c @ c.T + (1.0 - c) @ (1.0 - c).T


@contextmanager
def relu_kernels(model: nn.Module) -> Iterator[list[torch.Tensor]]:
    """Collects one activation-pattern kernel per ReLU call while the context is open."""
    kernels: list[torch.Tensor] = []

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        kernels.append(code_kernel(inputs[0].detach() > 0))

    handles = [m.register_forward_pre_hook(hook) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        yield kernels
    finally:
        for handle in handles:
            handle.remove()


def collect_kernels(model: nn.Module, inputs: torch.Tensor, train_mode: bool | None) -> list[torch.Tensor]:
    """Per-ReLU kernels of ``model`` on ``inputs`` (one forward pass, no gradients)."""
    if train_mode is not None:
        model.train(train_mode)
    with torch.no_grad(), relu_kernels(model) as kernels:
        model(inputs)
    return kernels


def log_abs_det(kernel: torch.Tensor | np.ndarray) -> float:
    """log|det K|, NaN when K is singular or not finite."""
    k = np.asarray(kernel.detach().cpu() if isinstance(kernel, torch.Tensor) else kernel, dtype=np.float64)
    if not np.all(np.isfinite(k)):
        return math.nan
    sign, logdet = np.linalg.slogdet(k)
    if sign == 0 or not np.isfinite(logdet):
        return math.nan
    return float(logdet)


class NaswotConfig(Config):
    # None: keep the mode the network arrives in (the scorer hands it over in train mode)
    train_mode: bool | None = None


class LnwotConfig(NaswotConfig):
    singular_layers: Literal["skip", "nan"] = "skip"


def _check_finite(batch: Batch) -> bool:
    return bool(torch.isfinite(batch.inputs).all())


@register_proxy("hook_logdet")  # paper 002's name: an alias, so one score is computed and stored
@register_proxy("naswot")
class Naswot(Proxy):
    """log|det K| of the activation-pattern kernel over all ReLUs (higher is better)."""

    higher_is_better = True
    prefers_channels_last = True
    needs_data = True
    Config = NaswotConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        if not _check_finite(batch):
            return math.nan
        kernels = collect_kernels(model, batch.inputs, self.config.train_mode)
        if not kernels:
            return math.nan
        return log_abs_det(torch.stack(kernels).sum(0))


@register_proxy("lnwot")
class Lnwot(Proxy):
    """Σ over ReLU calls of log|det K_l| (higher is better); see the module docstring for singular layers."""

    higher_is_better = True
    prefers_channels_last = True
    needs_data = True
    Config = LnwotConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        if not _check_finite(batch):
            return math.nan
        kernels = collect_kernels(model, batch.inputs, self.config.train_mode)
        terms = [log_abs_det(k) for k in kernels]
        defined = [t for t in terms if not math.isnan(t)]
        if not defined or (len(defined) < len(terms) and self.config.singular_layers == "nan"):
            return math.nan
        return float(sum(defined))
