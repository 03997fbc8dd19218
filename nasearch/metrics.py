"""Rank-correlation metrics between proxy scores and trained accuracy.

Definitions follow the epsinas paper's Table 2 (NaN scores omitted and counted):
- ``spearman``/``kendall``: over every cell with a score;
- ``spearman_top10``/``kendall_top10``: over the cells whose accuracy is above the 90th
  percentile;
- ``top10_top10``: percentage of the cells scored above the 90th score percentile that are
  also above the 90th accuracy percentile;
- ``top64_top5``: how many of the 64 best-scored cells are above the 95th accuracy percentile.
Pass ``higher_is_better=False`` for proxies that rank the other way, and pass a lower-is-better
target (perplexity) oriented, e.g. ``TrainResult.test_fitness`` (= -perplexity): the
top-10% sets are then the best cells and a positive value means the proxy ranks them high.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Correlation:
    n: int
    nan: int
    spearman: float
    kendall: float
    spearman_top10: float
    kendall_top10: float
    top10_top10: float
    top64_top5: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _corr(fn, x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return math.nan
    return float(fn(x, y)[0])


def correlate(scores, accuracy, higher_is_better: bool = True) -> Correlation:
    s = np.asarray(scores, dtype=float)
    a = np.asarray(accuracy, dtype=float)
    if s.shape != a.shape:
        raise ValueError(f"scores and accuracies differ in length: {s.shape} vs {a.shape}")
    if not higher_is_better:
        s = -s
    valid = ~np.isnan(s) & ~np.isnan(a)
    nan = int(np.sum(np.isnan(s)))
    s, a = s[valid], a[valid]
    if len(s) < 2:
        return Correlation(len(s), nan, *([math.nan] * 6))
    top_acc = a > np.percentile(a, 90)
    top_score = s > np.percentile(s, 90)
    top10_top10 = 100.0 * np.sum(top_acc & top_score) / max(int(np.sum(top_score)), 1)
    if len(s) > 64:
        best64 = np.argsort(-s, kind="stable")[:64]
        top64_top5 = float(np.sum(a[best64] > np.percentile(a, 95)))
    else:
        top64_top5 = math.nan
    return Correlation(
        n=len(s),
        nan=nan,
        spearman=_corr(stats.spearmanr, s, a),
        kendall=_corr(stats.kendalltau, s, a),
        spearman_top10=_corr(stats.spearmanr, s[top_acc], a[top_acc]),
        kendall_top10=_corr(stats.kendalltau, s[top_acc], a[top_acc]),
        top10_top10=float(top10_top10),
        top64_top5=top64_top5,
    )


def monotonicity(scores, accuracy) -> float:
    """Paper 003's monotonicity: |2/(n²-n) Σ_{i>j} sign((x_i-x_j)(y_i-y_j))| (= |Kendall τ_a|).

    Pairs with a NaN on either side are omitted; ties count 0 (τ_a: no tie correction).
    Computed in O(n log n) from scipy's τ_b and the tie counts.
    """
    x = np.asarray(scores, dtype=float)
    y = np.asarray(accuracy, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"scores and accuracies differ in length: {x.shape} vs {y.shape}")
    valid = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[valid], y[valid]
    n = len(x)
    if n < 2:
        return math.nan

    def tied_pairs(values: np.ndarray) -> float:
        _, counts = np.unique(values, return_counts=True)
        return float(np.sum(counts * (counts - 1) / 2))

    pairs = n * (n - 1) / 2
    untied_x, untied_y = pairs - tied_pairs(x), pairs - tied_pairs(y)
    if untied_x == 0 or untied_y == 0:
        return 0.0
    tau_b = stats.kendalltau(x, y, variant="b")[0]
    return float(abs(tau_b * math.sqrt(untied_x * untied_y) / pairs))


def partial_correlation(x, y, z) -> float:
    """Kendall-τ partial correlation ρ_XY·Z of two proxies X, Y given accuracy Z (paper 004, eq. 1).

    ρ_XY·Z = (τ_XY − τ_XZ·τ_YZ) / √((1 − τ_XZ²)(1 − τ_YZ²)); architectures with a NaN in any
    of the three are omitted. NaN when fewer than 3 remain, a variable is constant, or
    |τ_XZ| or |τ_YZ| is 1 (the formula divides by zero).
    """
    xs, ys, zs = (np.asarray(v, dtype=float).ravel() for v in (x, y, z))
    if not xs.shape == ys.shape == zs.shape:
        raise ValueError(f"x, y and z must have the same length, got {xs.shape}, {ys.shape}, {zs.shape}")
    valid = ~(np.isnan(xs) | np.isnan(ys) | np.isnan(zs))
    xs, ys, zs = xs[valid], ys[valid], zs[valid]
    if len(xs) < 3:
        return math.nan
    t_xy = _corr(stats.kendalltau, xs, ys)
    t_xz = _corr(stats.kendalltau, xs, zs)
    t_yz = _corr(stats.kendalltau, ys, zs)
    if math.isnan(t_xy) or any(math.isnan(t) or 1 - abs(t) < 1e-12 for t in (t_xz, t_yz)):  # |τ| = 1 up to rounding
        return math.nan
    return (t_xy - t_xz * t_yz) / math.sqrt((1 - t_xz**2) * (1 - t_yz**2))
