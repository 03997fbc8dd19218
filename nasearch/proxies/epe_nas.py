"""epe_nas (EPE-NAS, Lopes et al., ICANN 2021): per-class correlation of input Jacobians.

For each image i, J_i = ∂(Σ_k f_k(x_i))/∂x_i (one backward pass of the summed logits, train
mode, so batch norm couples the images), flattened to a row. For each class c present in the
batch, R_c = corrcoef of its rows (float64) and s_c = Σ_ij log(|R_c,ij| + 1e-5), diagonal
included. A class with one image gives R_c = 1 (the reference's numpy behaviour).

Aggregation (``aggregation``):
- ``"sum"`` (default, the authors' code for every dataset): score = Σ_c |s_c|;
- ``"pairwise"``: s_c ← s_c / n_c, score = (1/K) Σ_c Σ_c' |s_c − s_c'| over the K classes with at
  least two images (NASLib's branch for more than 100 classes; its singletons are dropped);
- ``"auto"``: NASLib's choice, ``pairwise`` when the network has more than 100 outputs.

Higher is better. Labels only group images. NaN when a Jacobian row is constant (no path
from input to output gives all zeros, so the correlation is undefined) or the score is not finite.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies._grad import forward_logits, require_labels
from nasearch.registry import register_proxy

EPSILON = 1e-5


class EpeNasConfig(Config):
    aggregation: Literal["sum", "pairwise", "auto"] = "sum"


def input_jacobians(model: nn.Module, inputs: torch.Tensor) -> tuple[np.ndarray, int]:
    """(rows of ∂Σ_k f_k(x_i)/∂x_i as float64, number of network outputs)."""
    x = inputs.detach().clone().requires_grad_(True)
    logits = forward_logits(model, x)
    (grad,) = torch.autograd.grad(logits.sum(), x)
    return grad.reshape(grad.shape[0], -1).double().cpu().numpy(), int(logits.shape[-1])


def class_statistic(rows: np.ndarray) -> float:
    """s_c = Σ log(|corrcoef| + 1e-5); NaN when a row is constant."""
    if rows.shape[0] == 1:
        return float(np.log(1.0 + EPSILON)) if np.ptp(rows[0]) > 0 else math.nan
    centred = rows - rows.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1)
    if np.any(norms == 0):
        return math.nan
    unit = centred / norms[:, None]
    corr = np.clip(unit @ unit.T, -1.0, 1.0)
    return float(np.sum(np.log(np.abs(corr) + EPSILON)))


def epe_score(jacobians: np.ndarray, labels: np.ndarray, aggregation: str) -> float:
    stats, sizes = [], []
    for c in np.unique(labels):
        rows = jacobians[labels == c]
        if aggregation == "pairwise" and len(rows) < 2:
            continue
        stats.append(class_statistic(rows))
        sizes.append(len(rows))
    s = np.array(stats)
    if s.size == 0 or np.any(np.isnan(s)):
        return math.nan
    if aggregation == "sum":
        value = float(np.abs(s).sum())
    else:
        s = s / np.array(sizes)
        value = float(np.abs(s[:, None] - s[None, :]).sum() / len(s))
    return value if math.isfinite(value) else math.nan


@register_proxy("epe_nas")
class EpeNas(Proxy):
    """Σ_c |Σ log(|corr(J_c)| + 1e-5)| over the batch's classes (higher is better)."""

    higher_is_better = True
    needs_labels = True
    needs_gradients = True
    needs_dead_branches = False
    Config = EpeNasConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        labels = require_labels(batch, self.name).cpu().numpy()
        jacobians, outputs = input_jacobians(model, batch.inputs)
        aggregation = self.config.aggregation
        if aggregation == "auto":
            aggregation = "pairwise" if outputs > 100 else "sum"
        return epe_score(jacobians, labels, aggregation)
