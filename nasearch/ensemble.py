"""Combining several proxies over a scored population of architectures.

Ranks and z-scores need a population, so these functions take one array of scores per
proxy (the same architectures in the same order) and return one combined array, higher is
better. Each proxy's orientation is given by ``higher_is_better`` (default: all True).

- ``rank_average`` (RankAve, Chen et al. 2021; paper 004): the mean of each architecture's
  normalised ranks (0 = worst, 1 = best) under the proxies.
- ``weighted_combination``: Σ_i w_i · normalise(score_i), with ``normalise`` one of
  ``"zscore"`` (standardised over the population), ``"rank"`` (normalised ranks) or
  ``"none"``; e.g. paper 002's combined score over a population is
  ``weighted_combination({"naswot": a, "synflow": log_s}, {"naswot": 0.6, "synflow": 0.4})``.

NaN scores: ``nan="propagate"`` (default) gives NaN for an architecture with a NaN under
any proxy; ``nan="omit"`` averages over the proxies that scored it (weights renormalised).
Ranks and z-scores are computed over the non-NaN scores of each proxy.
"""

from __future__ import annotations

from typing import Literal, Mapping

import numpy as np
from scipy import stats

NanPolicy = Literal["propagate", "omit"]


def _as_matrix(scores: Mapping[str, np.ndarray], higher_is_better: Mapping[str, bool] | None) -> tuple[list[str], np.ndarray]:
    if not scores:
        raise ValueError("no proxy scores to combine")
    names = list(scores)
    arrays = [np.asarray(scores[n], dtype=float).ravel() for n in names]
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(f"every proxy must score the same architectures; lengths differ: "
                         f"{dict(zip(names, map(len, arrays)))}")
    orient = higher_is_better or {}
    unknown = set(orient) - set(names)
    if unknown:
        raise KeyError(f"higher_is_better names proxies without scores: {sorted(unknown)}")
    return names, np.stack([a if orient.get(n, True) else -a for n, a in zip(names, arrays)])


def normalised_ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks scaled to [0, 1] (best = 1) over the non-NaN values; NaN stays NaN."""
    out = np.full(values.shape, np.nan)
    valid = ~np.isnan(values)
    n = int(valid.sum())
    if n == 1:
        out[valid] = 0.5
    elif n > 1:
        out[valid] = (stats.rankdata(values[valid]) - 1) / (n - 1)
    return out


def zscores(values: np.ndarray) -> np.ndarray:
    out = np.full(values.shape, np.nan)
    valid = ~np.isnan(values)
    if valid.sum() > 1:
        v = values[valid]
        std = v.std()
        out[valid] = (v - v.mean()) / std if std > 0 else 0.0
    return out


def _combine(matrix: np.ndarray, weights: np.ndarray, nan: NanPolicy) -> np.ndarray:
    if nan == "propagate":
        return weights @ matrix / weights.sum()
    if nan != "omit":
        raise ValueError(f"nan must be 'propagate' or 'omit', got {nan!r}")
    present = ~np.isnan(matrix)
    w = weights[:, None] * present
    total = w.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.nansum(matrix * weights[:, None], axis=0) / total, np.nan)


def rank_average(scores: Mapping[str, np.ndarray], higher_is_better: Mapping[str, bool] | None = None,
                 nan: NanPolicy = "propagate") -> np.ndarray:
    """Mean normalised rank of each architecture over the proxies (higher is better)."""
    names, matrix = _as_matrix(scores, higher_is_better)
    ranks = np.stack([normalised_ranks(row) for row in matrix])
    return _combine(ranks, np.ones(len(names)), nan)


def weighted_combination(scores: Mapping[str, np.ndarray], weights: Mapping[str, float],
                         higher_is_better: Mapping[str, bool] | None = None,
                         normalise: Literal["zscore", "rank", "none"] = "zscore",
                         nan: NanPolicy = "propagate") -> np.ndarray:
    """Σ_i w_i · normalise(score_i) / Σ_i w_i over the population (higher is better)."""
    names, matrix = _as_matrix(scores, higher_is_better)
    if set(weights) != set(names):
        raise KeyError(f"weights must name exactly the scored proxies {names}, got {sorted(weights)}")
    w = np.array([float(weights[n]) for n in names])
    if np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights must be non-negative with a positive sum, got {dict(weights)}")
    if normalise == "zscore":
        matrix = np.stack([zscores(row) for row in matrix])
    elif normalise == "rank":
        matrix = np.stack([normalised_ranks(row) for row in matrix])
    elif normalise != "none":
        raise ValueError(f"normalise must be 'zscore', 'rank' or 'none', got {normalise!r}")
    return _combine(matrix, w, nan)
