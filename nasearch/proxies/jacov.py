"""jacov / jacob_cov (Mellor et al. v1; Abdelfattah et al.; paper 000).

J = ∂(Σ outputs)/∂x for the whole batch, one row per image, flattened to (N, -1); the
score is -Σ_i [log(v_i + k) + 1/(v_i + k)] over the eigenvalues v of the N×N correlation
matrix corrcoef(J), k = 1e-5. Each term is at least 1 (equality at v = 1), so the score is at
most ≈ -N, reached when the images' Jacobians are uncorrelated. **Higher is better** (the
sign as Abdelfattah et al. publish it, Spearman +0.73 on NB201 CIFAR-10; the epsinas paper
lists the same correlation as -0.73 with the opposite sign convention).

NaN when undefined: a Jacobian row with zero variance (e.g. the output does not depend on
the input) makes the correlation matrix undefined, as does any non-finite value.
No labels; gradients w.r.t. the input only (parameter gradients are not accumulated).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.registry import register_proxy


class JacovConfig(Config):
    k: float = 1e-5


def input_jacobian(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """∂(Σ model(x))/∂x, one flattened row per image; parameter grads left untouched."""
    x = inputs.detach().clone().requires_grad_(True)
    output = model(x)
    if isinstance(output, (tuple, list)):
        output = output[0]
    (grad,) = torch.autograd.grad(output.sum(), x)  # only w.r.t. x: no .grad on parameters
    return grad.detach().reshape(grad.shape[0], -1)


def correlation_eigenvalues(rows: np.ndarray) -> np.ndarray | None:
    """Eigenvalues of corrcoef(rows) in float64, or None if the correlation is undefined."""
    r = np.asarray(rows, dtype=np.float64)
    if r.shape[0] < 2 or not np.all(np.isfinite(r)):
        return None
    centred = r - r.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1)
    if np.any(norms == 0):
        return None
    unit = centred / norms[:, None]
    corr = unit @ unit.T
    values = np.linalg.eigvalsh(corr)
    return values if np.all(np.isfinite(values)) else None


def jacov_statistic(values: np.ndarray, k: float = 1e-5) -> float:
    """-Σ [log(v + k) + 1/(v + k)] (eigenvalues below -k, round-off only, are clipped to 0)."""
    v = np.clip(values, 0.0, None) + k
    return float(-np.sum(np.log(v) + 1.0 / v))


@register_proxy("jacov")
class Jacov(Proxy):
    """Eigenvalue score of the input-Jacobian correlation (higher is better)."""

    higher_is_better = True
    prefers_channels_last = True
    needs_data = True
    needs_gradients = True
    needs_dead_branches = False
    Config = JacovConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        jacobian = input_jacobian(model, batch.inputs)
        values = correlation_eigenvalues(jacobian.cpu().numpy())
        if values is None:
            return math.nan
        result = jacov_statistic(values, self.config.k)
        return result if math.isfinite(result) else math.nan
