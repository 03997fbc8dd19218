"""meco (MeCo, Jiang, Wang & Bie, NeurIPS 2023): minimum eigenvalue of feature correlations.

One image (the batch's first ``samples``, default 1, as the reference's single seeded image),
one train-mode forward pass at the network's own initialisation, no labels, no gradients.
Every module is hooked (the root, containers and leaves, so a tensor that is the output of
several nested modules counts several times, as in the reference). For each output with
spatial dimensions, the first sample's C × (H·W) map gives R = the channel-by-channel
correlation matrix over positions; entries that are NaN (constant channels) are set to 0;
the term is λ_min(R). meco = Σ of the terms. Outputs without spatial dimensions or with a single
position (logits, pooled vectors) give R = 0 and add 0, so they are skipped.

``channels=8`` is meco_opt: λ_min of the correlation of 8 channels drawn at random (torch's
seeded generator) times C/8, for outputs with at least 8 channels. The eigenvalues of the
symmetric R come from ``eigvalsh`` in float64 (the reference takes the real parts of
``eig`` in float32: the same values up to rounding, which decides the sign of the near-zero
λ_min of rank-deficient maps, C ≥ H·W). Higher is better; NaN only for non-finite inputs
or when no output has spatial dimensions.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.registry import register_proxy


class MecoConfig(Config):
    samples: int = 1  # the term uses the first of them; more only change batch-norm statistics
    channels: int | None = None  # 8: meco_opt


def min_correlation_eigenvalue(feature: torch.Tensor, channels: int | None) -> float:
    """λ_min of the channel correlation of one sample's (C, positions) map, NaN entries set to 0."""
    fmap = feature.reshape(feature.shape[0], -1).double()
    scale = 1.0
    if channels is not None:
        if fmap.shape[0] < channels:
            return 0.0
        scale = fmap.shape[0] / channels
        fmap = fmap[torch.randperm(fmap.shape[0])[:channels]]
    corr = torch.nan_to_num(torch.corrcoef(fmap), nan=0.0, posinf=0.0, neginf=0.0)
    corr = torch.atleast_2d(corr)  # one channel: corrcoef gives the scalar of the 1x1 matrix [[1]]
    return scale * float(torch.linalg.eigvalsh(corr)[0])


@register_proxy("meco")
class Meco(Proxy):
    """Σ over module outputs of λ_min of the channel correlation matrix (higher is better)."""

    higher_is_better = True
    Config = MecoConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        cfg: MecoConfig = self.config
        if cfg.samples < 1 or (cfg.channels is not None and cfg.channels < 2):
            raise ValueError("meco needs samples >= 1 and channels None or >= 2")
        inputs = batch.inputs[: cfg.samples]
        if not bool(torch.isfinite(inputs).all()):
            return math.nan
        maps: list[torch.Tensor] = []

        def hook(module: nn.Module, args: tuple, output) -> None:
            if isinstance(output, torch.Tensor) and output.dim() >= 3 and output[0, 0].numel() > 1:
                maps.append(output[0].detach())

        handles = [m.register_forward_hook(hook) for m in model.modules()]
        try:
            model.train()
            with torch.no_grad():
                model(inputs)
        finally:
            for handle in handles:
                handle.remove()
        if not maps:
            return math.nan
        terms = [min_correlation_eigenvalue(f, cfg.channels) for f in maps]
        total = math.fsum(t for t in terms if math.isfinite(t))
        return total
