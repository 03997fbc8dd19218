"""Paper 003's parameter-space Jacobian scores: PJS, PJSC, WPJS, WPJSI.

g_i = ∂L/∂W_i for each parameter tensor W_i, L the mean cross-entropy of the batch (its
scale does not matter). Each g_i is flattened keeping its first axis (rows = output
channels / units, shape (j1, -1)) and scored with the JS (eigenvalue) or JSC (cosine)
similarity of ``jacobian_score`` over its j1 rows, giving S_i in [0, 1]. With the N tensors
ordered from input to output (i = 1..N):

- PJS  = mean_i S_i (eigenvalue similarity);   PJSC = the same with the cosine similarity;
- WPJS  = 2/(N(N+1)) Σ_i i·S_i        (weights grow towards the output);
- WPJSI = 2/(N(N+1)) Σ_i (N+1-i)·S_i  (weights grow towards the input).

Choices the paper leaves open (module order is taken as input-to-output order):
- the tensors are the weights of the convolution and linear layers (the project's per-layer
  convention); biases and normalisation parameters are vectors, whose single-column rows
  have no correlation, so they could only give NaN;
- a tensor whose gradient is exactly zero (the loss does not depend on it, e.g. a branch the
  cell multiplies by zero) is left out and N counts only the tensors kept
  (``skip_zero_gradient=False`` scores it, which makes the result NaN); any other undefined
  S_i (a zero or non-finite gradient row) makes the score NaN;
- JS is rescaled with the exact bounds for j1 rows (see ``jacobian_score``).
Higher is better; needs labels. Parameter gradients come from ``torch.autograd.grad``, so no
``.grad`` is written and no graph is kept.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies._modules import weight_layers
from nasearch.proxies.jacobian_score import cosine_similarity_score, eigen_similarity, require_labels
from nasearch.registry import register_proxy

Weighting = Literal["mean", "output", "input"]


def loss_weight_gradients(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> list[torch.Tensor | None]:
    """∂(mean CE)/∂W for every conv/linear weight in module order (None: not used by the loss)."""
    weights = [m.weight for m in weight_layers(model)]
    output = model(inputs)
    if isinstance(output, (tuple, list)):
        output = output[0]
    loss = F.cross_entropy(output, labels)
    grads = torch.autograd.grad(loss, weights, allow_unused=True)
    return [None if g is None else g.detach() for g in grads]


def weighted_mean(scores: list[float], weighting: Weighting) -> float:
    n = len(scores)
    if n == 0:
        return math.nan
    s = np.asarray(scores, dtype=np.float64)
    if weighting == "mean":
        return float(s.mean())
    position = np.arange(1, n + 1, dtype=np.float64)
    weights = position if weighting == "output" else (n + 1 - position)
    return float(2.0 / (n * (n + 1)) * np.sum(weights * s))


class ParamJacobianConfig(Config):
    k: float = 1e-5
    root: float = 20.0
    skip_zero_gradient: bool = True


class _ParamJacobianScore(Proxy):
    similarity: ClassVar[Literal["eigen", "cosine"]] = "eigen"
    weighting: ClassVar[Weighting] = "mean"
    higher_is_better = True
    prefers_channels_last = True
    needs_data = True
    needs_labels = True
    needs_gradients = True
    needs_dead_branches = False
    Config = ParamJacobianConfig

    def tensor_scores(self, model: nn.Module, batch: Batch) -> list[float]:
        """S_i for every kept tensor, input to output."""
        cfg: ParamJacobianConfig = self.config
        labels = require_labels(batch, self.name)
        scores = []
        for grad in loss_weight_gradients(model, batch.inputs, labels):
            if cfg.skip_zero_gradient and (grad is None or not bool(grad.any())):
                continue
            if grad is None:
                scores.append(math.nan)
                continue
            rows = grad.reshape(grad.shape[0], -1).double().cpu().numpy()
            if self.similarity == "eigen":
                scores.append(eigen_similarity(rows, cfg.k))
            else:
                scores.append(cosine_similarity_score(rows, cfg.root))
        return scores

    def score(self, model: nn.Module, batch: Batch) -> float:
        scores = self.tensor_scores(model, batch)
        if any(math.isnan(s) for s in scores):
            return math.nan
        return weighted_mean(scores, self.weighting)


def _family(name: str, similarity: str, weighting: Weighting, doc: str):
    cls = type(name.upper(), (_ParamJacobianScore,), {
        "similarity": similarity, "weighting": weighting, "__doc__": doc, "__module__": __name__,
    })
    return register_proxy(name)(cls)


PJS = _family("pjs", "eigen", "mean", "PJS: mean over weight tensors of the JS of their gradient rows.")
PJSC = _family("pjsc", "cosine", "mean", "PJSC: mean over weight tensors of the JSC of their gradient rows.")
WPJS = _family("wpjs", "eigen", "output", "WPJS: PJS weighted linearly towards the output.")
WPJSI = _family("wpjsi", "eigen", "input", "WPJSI: PJS weighted linearly towards the input.")
