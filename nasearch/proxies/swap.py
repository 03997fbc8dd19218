"""swap / reg-SWAP (Peng et al., ICLR 2024): sample-wise activation patterns.

The network is re-initialised ``repeats`` times (conv/linear weights N(0, 1), biases 0,
normalisation scale 1 and shift 0); each time the batch's first ``samples`` images go through
it in train mode and every ``nn.ReLU`` with a 4-D input is hooked. The signs of all those
ReLU outputs form a matrix A (samples × neurons); SWAP is the number of *distinct neuron
patterns*, i.e. of distinct columns of A (at most min(neurons, 2^samples); the transpose of
TE-NAS's count). The score is the mean over repeats (SWAP's script: 32 repeats of the first
16 training images).

reg-SWAP (``mu`` and ``sigma`` both set) multiplies by exp(−(P − μ)²/σ) with P the number of
all parameters (normalisation layers included) in thousands, as the reference code does (σ
not squared). The paper's NAS-Bench-201 μ and σ are not in the public code: choose them for
the parameter range you want to favour. Higher is better; NaN for non-finite inputs.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies._init import initialise
from nasearch.proxies.linear_regions import activation_codes
from nasearch.registry import register_proxy


class SwapConfig(Config):
    samples: int = 16
    repeats: int = 32
    mu: float | None = None  # reg-SWAP: centre of the parameter prior, thousands of parameters
    sigma: float | None = None  # reg-SWAP: its width (thousands², not squared again)


def distinct_columns(codes: torch.Tensor) -> int:
    """Number of distinct columns of a (samples × neurons) boolean matrix."""
    if codes.shape[1] == 0:
        return 0
    if codes.shape[0] <= 62:
        bits = 2 ** torch.arange(codes.shape[0], dtype=torch.int64, device=codes.device)
        return int(torch.unique(bits @ codes.to(torch.int64)).numel())
    return int(torch.unique(codes.T.to(torch.uint8), dim=0).shape[0])


def parameter_prior(model: nn.Module, mu: float, sigma: float) -> float:
    thousands = sum(p.numel() for p in model.parameters()) / 1000.0
    return math.exp(-((thousands - mu) ** 2) / sigma)


@register_proxy("swap")
class Swap(Proxy):
    """Distinct per-neuron activation patterns over the samples, mean over initialisations."""

    higher_is_better = True
    Config = SwapConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        cfg: SwapConfig = self.config
        if cfg.samples < 1 or cfg.repeats < 1:
            raise ValueError("swap needs samples >= 1 and repeats >= 1")
        if (cfg.mu is None) != (cfg.sigma is None) or (cfg.sigma is not None and cfg.sigma <= 0):
            raise ValueError("reg-SWAP needs both mu and sigma, sigma > 0 (or neither for plain SWAP)")
        inputs = batch.inputs[: cfg.samples]
        if not bool(torch.isfinite(inputs).all()):
            return math.nan
        counts = []
        for _ in range(cfg.repeats):
            model = initialise(model, "normal")
            model.train()
            counts.append(distinct_columns(activation_codes(model, inputs)))
        value = sum(counts) / len(counts)
        if cfg.mu is not None:
            value *= parameter_prior(model, cfg.mu, cfg.sigma)
        return value
