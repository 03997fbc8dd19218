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

Cost: the network is copied once and redrawn in place (the same draws as a fresh copy each
repeat), and each ReLU's patterns are packed into integers as its output appears (a neuron's
column read as a ``samples``-bit number), marked in a table of 2^samples flags and the flags
counted, instead of concatenating every code and sorting; ReLUs that see a tensor already seen
in the pass add nothing and are skipped. Same count, in 0.59 of the time on NAS-Bench-201
(experiments/proxies_fast); the forward passes are what is left.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies._init import initialise_in_place
from nasearch.proxies.linear_regions import forward_seeing_relus
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


TABLE_SAMPLES = 24  # up to here the distinct patterns are marked in a 2^samples table (16 MiB at 24)


class PatternCounter:
    """Distinct per-neuron sign patterns over the samples, gathered from ReLU forward hooks."""

    def __init__(self, samples: int, device: torch.device):
        self.samples = samples
        self.table = torch.zeros(2**samples, dtype=torch.bool, device=device) if samples <= TABLE_SAMPLES else None
        self.chunks: list[torch.Tensor] = []  # codes kept for the sort-based count (many samples)
        self.seen: dict[int, torch.Tensor] = {}  # id -> tensor (held, so no id is reused in the pass)

    def add(self, relu_input: torch.Tensor, relu_output: torch.Tensor) -> None:
        if id(relu_input) in self.seen:  # same input, same output: the same columns again
            return
        self.seen[id(relu_input)] = relu_input
        positive = (relu_output.detach() > 0).reshape(relu_output.shape[0], -1)
        if self.table is None:
            self.chunks.append(positive)
            return
        # sample k is bit k; float32 sums of distinct powers of two below 2^24 are exact
        bits = 2.0 ** torch.arange(self.samples, dtype=torch.float32, device=positive.device)
        packed = (bits @ positive.to(torch.float32)).to(torch.int64)
        self.table[packed] = True

    def count(self) -> int:
        if self.table is None:
            return distinct_columns(torch.cat(self.chunks, dim=1)) if self.chunks else 0
        return int(self.table.sum()) if self.seen else 0


def distinct_patterns(model: nn.Module, inputs: torch.Tensor) -> int:
    """SWAP's count for one forward pass: distinct columns of every 4-D ReLU's sign matrix."""
    counter = PatternCounter(inputs.shape[0], inputs.device)
    forward_seeing_relus(model, inputs, counter.add)
    return counter.count()


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
        model = copy.deepcopy(model)
        model.train()
        counts = []
        for _ in range(cfg.repeats):
            initialise_in_place(model, "normal")
            counts.append(distinct_patterns(model, inputs))
        value = sum(counts) / len(counts)
        if cfg.mu is not None:
            value *= parameter_prior(model, cfg.mu, cfg.sigma)
        return value
