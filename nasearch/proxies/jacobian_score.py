"""The Jacobian-score family of paper 003 in input space: JS, JSC and their noise variants.

Every score here starts from the Jacobian of the loss with respect to the inputs,
J_b = ∂L/∂x_b, one flattened row per image (L = summed cross-entropy with the batch's labels;
the scale of L does not matter to either similarity), and turns the B rows into a number in
[0, 1] with one of two similarities (higher = Jacobians less alike = better):

- **JS** (eigenvalue similarity): S = -Σ_i [log(σ_i + k) + 1/(σ_i + k)] over the eigenvalues
  σ of the B×B correlation matrix of the rows, k = 1e-5, then rescaled to [0, 1]. The paper
  rescales "with the maximum and minimum values from their experiments", which it does not
  publish; we use the exact bounds of S for B rows instead: the eigenvalues are ≥ 0 and sum
  to B, and each term is convex, so S is largest (-B·f(1)) for uncorrelated rows and smallest
  (-(f(B) + (B-1)·f(0))) for rank-one rows, f(σ) = log(σ+k) + 1/(σ+k). The rescaling is
  monotone, so JS ranks cells exactly as the raw statistic (= jacov on the loss Jacobian)
  does; it matters only where JS values are combined (noise variants). ``js_bounds`` sets
  explicit (min, max) instead.
- **JSC** (cosine similarity): rows scaled to unit length (not centred), P = J_N J_Nᵀ - I,
  JSC = 1 - mean over the B² - B off-diagonal entries of |P_ij|^(1/20) (``root``).

Noise variants: x_a = x + a·Var(x)·ε, ε ~ N(0, 1) and NS_a = 1 - |sim(x) - sim(x_a)|.
SNS = NS_{1/10}, LNS = NS_{10}, MNJS = JS·NS_{1/10}·NS_{10}·NS_{100} (paper 003, §3.2); the
"C" variants (SNSC, LNSC, MNJSC) use JSC as sim. Choices the paper leaves open: Var(x) is
the variance of the whole batch tensor, one scalar (``noise_variance="pixel"``: per input
feature, across the batch); ε is drawn from a ``torch.Generator`` seeded with ``seed`` and is
the same draw for every amplitude, so MNJS's NS_{1/10} factor equals SNS.

All need labels (``needs_labels``). NaN when undefined: a zero or non-finite Jacobian row
(correlation or direction undefined), or non-finite eigenvalues. Gradients are taken with
respect to the input only; no parameter ``.grad`` is written and no graph is kept.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies._grad import require_labels
from nasearch.proxies.jacov import correlation_eigenvalues, jacov_statistic
from nasearch.registry import register_proxy

Similarity = Literal["eigen", "cosine"]


def _f(value: float, k: float) -> float:
    return math.log(value + k) + 1.0 / (value + k)


def js_bounds(rows: int, k: float = 1e-5) -> tuple[float, float]:
    """(min, max) of -Σ[log(σ+k) + 1/(σ+k)] over correlation matrices of ``rows`` rows."""
    low = -(_f(rows, k) + (rows - 1) * _f(0.0, k))
    high = -rows * _f(1.0, k)
    return low, high


def eigen_similarity(rows: np.ndarray, k: float = 1e-5, bounds: tuple[float, float] | None = None) -> float:
    """JS of a set of row vectors, in [0, 1] (1 = uncorrelated); NaN if undefined."""
    r = np.asarray(rows, dtype=np.float64)
    if r.shape[0] < 2:
        return math.nan
    values = correlation_eigenvalues(r)
    if values is None:
        return math.nan
    raw = jacov_statistic(values, k)
    low, high = bounds if bounds is not None else js_bounds(r.shape[0], k)
    result = (raw - low) / (high - low)
    return float(result) if math.isfinite(result) else math.nan


def cosine_similarity_score(rows: np.ndarray, root: float = 20.0) -> float:
    """JSC of a set of row vectors, in [0, 1] (1 = pairwise orthogonal); NaN if undefined."""
    r = np.asarray(rows, dtype=np.float64)
    b = r.shape[0]
    if b < 2 or not np.all(np.isfinite(r)):
        return math.nan
    norms = np.linalg.norm(r, axis=1)
    if np.any(norms == 0):
        return math.nan
    unit = r / norms[:, None]
    p = np.abs(unit @ unit.T)
    off_diagonal = p[~np.eye(b, dtype=bool)]
    result = 1.0 - float(np.mean(np.minimum(off_diagonal, 1.0) ** (1.0 / root)))
    return result if math.isfinite(result) else math.nan


def loss_input_jacobian(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> np.ndarray:
    """∂(Σ_b CE(model(x)_b, y_b))/∂x, one flattened float64 row per image."""
    x = inputs.detach().clone().requires_grad_(True)
    output = model(x)
    if isinstance(output, (tuple, list)):
        output = output[0]
    loss = F.cross_entropy(output, labels, reduction="sum")
    (grad,) = torch.autograd.grad(loss, x)
    return grad.detach().reshape(grad.shape[0], -1).double().cpu().numpy()


class JacobianScoreConfig(Config):
    k: float = 1e-5
    root: float = 20.0
    js_bounds: tuple[float, float] | None = None  # None: exact bounds for the batch size
    seed: int = 0
    noise_variance: Literal["batch", "pixel"] = "batch"


class _InputJacobianScore(Proxy):
    """sim(x) (no amplitudes) or [sim(x) if ``times_clean``] · Π_a NS_a (see module docstring)."""

    similarity: ClassVar[Similarity] = "eigen"
    amplitudes: ClassVar[tuple[float, ...]] = ()
    times_clean: ClassVar[bool] = False
    higher_is_better = True
    prefers_channels_last = True
    needs_data = True
    needs_labels = True
    needs_gradients = True
    needs_dead_branches = False
    Config = JacobianScoreConfig

    def similarity_of(self, rows: np.ndarray) -> float:
        cfg: JacobianScoreConfig = self.config
        if self.similarity == "eigen":
            return eigen_similarity(rows, cfg.k, cfg.js_bounds)
        return cosine_similarity_score(rows, cfg.root)

    def noise(self, inputs: torch.Tensor) -> torch.Tensor:
        """a-independent part Var(x)·ε of the perturbation."""
        cfg: JacobianScoreConfig = self.config
        generator = torch.Generator().manual_seed(cfg.seed)
        eps = torch.randn(inputs.shape, generator=generator, dtype=inputs.dtype).to(inputs.device)  # same noise on every device
        if cfg.noise_variance == "batch":
            variance = inputs.var(unbiased=False)
        else:
            variance = inputs.var(dim=0, unbiased=False, keepdim=True)
        return variance * eps

    def score(self, model: nn.Module, batch: Batch) -> float:
        return self.score_from(LossJacobians(model, batch, self))

    def score_from(self, jacobians: "LossJacobians") -> float:
        """The score from loss-input Jacobians of the clean and perturbed batches."""
        clean = self.similarity_of(jacobians.rows(0.0))
        if math.isnan(clean):
            return math.nan
        if not self.amplitudes:
            return clean
        result = clean if self.times_clean else 1.0
        for amplitude in self.amplitudes:
            noisy = self.similarity_of(jacobians.rows(amplitude))
            if math.isnan(noisy):
                return math.nan
            result *= 1.0 - abs(clean - noisy)
        return float(result)


class LossJacobians:
    """Loss-input Jacobians of one network at x + a·Var(x)·ε, each amplitude a computed once."""

    def __init__(self, model: nn.Module, batch: Batch, proxy: _InputJacobianScore):
        self.model, self.inputs = model, batch.inputs
        self.labels = require_labels(batch, proxy.name)
        self._noise_of = proxy.noise
        self._noise: torch.Tensor | None = None
        self._rows: dict[float, np.ndarray] = {}

    def rows(self, amplitude: float) -> np.ndarray:
        if amplitude not in self._rows:
            inputs = self.inputs
            if amplitude:
                if self._noise is None:
                    self._noise = self._noise_of(self.inputs)
                inputs = inputs + amplitude * self._noise
            self._rows[amplitude] = loss_input_jacobian(self.model, inputs, self.labels)
        return self._rows[amplitude]


def score_family(model: nn.Module, batch: Batch, proxies: list[_InputJacobianScore]) -> list[float]:
    """Several input-Jacobian proxies on one network, sharing every Jacobian (one pass per amplitude).

    Gives each proxy's own ``score``; the proxies must draw the same noise (same ``seed`` and
    ``noise_variance``). JS … MNJSC together cost 4 passes instead of 16.
    """
    if not proxies:
        return []
    noise_rules = {(p.config.seed, p.config.noise_variance) for p in proxies}
    if len(noise_rules) > 1:
        raise ValueError(f"score_family needs one noise draw; the proxies ask for {sorted(noise_rules)} "
                         "(seed, noise_variance): score them separately")
    jacobians = LossJacobians(model, batch, proxies[0])
    return [p.score_from(jacobians) for p in proxies]


def _family(name: str, similarity: Similarity, amplitudes: tuple[float, ...], times_clean: bool, doc: str):
    cls = type(name.upper(), (_InputJacobianScore,), {
        "similarity": similarity, "amplitudes": amplitudes, "times_clean": times_clean,
        "__doc__": doc, "__module__": __name__,
    })
    return register_proxy(name)(cls)


JS = _family("js", "eigen", (), False, "JS: normalised eigenvalue score of the loss-input Jacobians.")
JSC = _family("jsc", "cosine", (), False, "JSC: 1 - mean |cos|^(1/20) between loss-input Jacobians.")
SNS = _family("sns", "eigen", (0.1,), False, "SNS = 1 - |JS(x) - JS(x + Var(x)ε/10)|.")
SNSC = _family("snsc", "cosine", (0.1,), False, "SNSC = 1 - |JSC(x) - JSC(x + Var(x)ε/10)|.")
LNS = _family("lns", "eigen", (10.0,), False, "LNS = 1 - |JS(x) - JS(x + 10 Var(x)ε)|.")
LNSC = _family("lnsc", "cosine", (10.0,), False, "LNSC = 1 - |JSC(x) - JSC(x + 10 Var(x)ε)|.")
MNJS = _family("mnjs", "eigen", (0.1, 10.0, 100.0), True, "MNJS = JS · NS_1/10 · NS_10 · NS_100.")
MNJSC = _family("mnjsc", "cosine", (0.1, 10.0, 100.0), True, "MNJSC = JSC · NSC_1/10 · NSC_10 · NSC_100.")
