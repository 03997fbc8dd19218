"""Choosing epsinas's two constant weights without labels.

Both rules start from ``grid_scores``: a sample of networks is run once per constant of a
grid (the narrow path runs the whole grid in one pass), and any pair's epsinas score is then
a cheap statistic of two stored outputs.

- ``paper_rule`` (paper 001, sec. 6.1): "select the minimum and maximum weights that do not
  cause excessive NaN outputs" made a procedure: the widest pair (largest w_hi / w_lo)
  whose NaN fraction on the sample is at most ``max_nan_fraction``. NaNs are a float32
  artefact, so this rule is meant for ``dtype="float32"``; in float64 it simply returns
  the ends of the grid.
- ``stability_rule`` (ours): with every weight equal, batch norm has two regimes. For
  small w its ``eps`` dominates the batch variance and every conv-BN layer shrinks the
  signal by a fixed factor, so the normalised output tends to a limit as w -> 0 (the paths
  with the fewest convolutions dominate); for large w ``eps`` is negligible, BN removes
  the scale and the normalised output stops depending on w. Table 7 of paper 001 shows
  both plateaus. The rule picks, on a float64 grid, the largest w_lo whose ranking of the
  sample agrees (Kendall tau >= ``min_tau``) with every smaller grid constant, and the
  smallest w_hi that agrees with every larger one: the pair sits in the two limiting
  regimes, so the score no longer depends on the arbitrary constants, while staying as far
  from underflow and overflow as those regimes allow. No labels are used by either rule.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

import numpy as np
import torch
from scipy import stats
from torch import nn

from nasearch.interfaces import Batch
from nasearch.proxies.epsinas import epsinas_outputs, epsinas_statistic

DEFAULT_GRID: tuple[float, ...] = tuple(10.0 ** e for e in range(-8, 3))  # 1e-8 ... 100


@dataclass
class GridScores:
    """Outputs of a sample of networks, one per grid constant (NaN-free storage, any pair scored on demand)."""

    grid: tuple[float, ...]
    dtype: str
    outputs: list[list[np.ndarray]] = field(default_factory=list)  # [network][constant] -> flattened output
    _cache: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, repr=False)

    def scores(self, low: int, high: int) -> np.ndarray:
        """epsinas of every sampled network for the pair (grid[low], grid[high])."""
        key = (low, high)
        if key not in self._cache:
            self._cache[key] = np.array([epsinas_statistic(out[low], out[high]) for out in self.outputs])
        return self._cache[key]

    def nan_fraction(self, low: int, high: int) -> float:
        return float(np.mean(np.isnan(self.scores(low, high))))

    def pairs(self) -> list[tuple[int, int]]:
        return [(i, j) for i in range(len(self.grid)) for j in range(i + 1, len(self.grid))]


@dataclass(frozen=True)
class WeightChoice:
    weights: tuple[float, float]
    rule: str
    nan_fraction: float
    note: str = ""


def grid_scores(models: Iterable[nn.Module], batch: Batch, grid: Sequence[float] = DEFAULT_GRID,
                dtype: Literal["float32", "float64"] = "float64", train_mode: bool = True,
                method: Literal["auto", "plain", "narrow"] = "auto") -> GridScores:
    """Run every network once per grid constant (one pass per network on the narrow path)."""
    grid = tuple(sorted(float(w) for w in grid))
    if len(grid) < 2 or len(set(grid)) != len(grid):
        raise ValueError(f"the weight grid needs at least two distinct constants, got {grid}")
    torch_dtype = torch.float64 if dtype == "float64" else torch.float32
    result = GridScores(grid, dtype)
    for model in models:
        outputs, _ = epsinas_outputs(model, batch.inputs, grid, train_mode, torch_dtype, method)
        result.outputs.append(outputs)
    if not result.outputs:
        raise ValueError("grid_scores needs at least one network")
    return result


def paper_rule(scores: GridScores, max_nan_fraction: float = 0.5) -> WeightChoice:
    """The widest pair with at most ``max_nan_fraction`` NaN scores (ties: the smaller constants)."""
    eligible = [(i, j) for i, j in scores.pairs() if scores.nan_fraction(i, j) <= max_nan_fraction]
    if not eligible:
        raise ValueError(f"every pair of the grid gives more than {max_nan_fraction:.0%} NaN scores; "
                         "widen the grid towards 1 or allow more NaNs")
    grid = scores.grid
    i, j = max(eligible, key=lambda p: (math.log(grid[p[1]] / grid[p[0]]), -p[0]))
    return WeightChoice((grid[i], grid[j]), f"paper (NaN <= {max_nan_fraction:.0%}, {scores.dtype})",
                        scores.nan_fraction(i, j))


def _tau(a: np.ndarray, b: np.ndarray) -> float:
    keep = ~np.isnan(a) & ~np.isnan(b)
    if keep.sum() < 3 or np.all(a[keep] == a[keep][0]) or np.all(b[keep] == b[keep][0]):
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.kendalltau(a[keep], b[keep])[0])


def stability_rule(scores: GridScores, min_tau: float = 0.99, max_nan_fraction: float = 0.01) -> WeightChoice:
    """The pair at the inner edges of the two plateaus (see module docstring); meant for float64 scores.

    Low end: starting from the smallest constant, step up while the ranking of the sample
    scored against the largest constant keeps Kendall tau >= ``min_tau`` with the previous
    step. High end: starting from the largest constant, step down likewise against the
    chosen low end. Cells NaN in either ranking are left out of tau.
    """
    m = len(scores.grid)
    if m < 3:
        raise ValueError("the stability rule needs a grid of at least three constants")
    top = m - 1
    low = 0
    while low + 1 < top and _tau(scores.scores(low, top), scores.scores(low + 1, top)) >= min_tau:
        low += 1
    high = top
    while high - 1 > low and _tau(scores.scores(low, high), scores.scores(low, high - 1)) >= min_tau:
        high -= 1
    fraction = scores.nan_fraction(low, high)
    note = f"{fraction:.0%} NaN at the chosen pair: score in float64" if fraction > max_nan_fraction else ""
    return WeightChoice((scores.grid[low], scores.grid[high]), f"stability (tau >= {min_tau}, {scores.dtype})",
                        fraction, note)
