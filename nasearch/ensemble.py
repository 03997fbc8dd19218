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

Issue 14 adds rank ensembles as scorers: ``rank_ensemble`` (one population, NaN ranked last
under its proxy), ``EnsembleScorer`` (scores placed against a fixed reference population, so
a search can compare them across calls; ``--proxy a+b+c`` in the CLI), ``PRESETS`` (``az_nas``)
and ``ensemble_scorer(spec, make_component, space)``, which the CLI and experiment files call.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Literal, Mapping, Sequence

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


# ---- issue 14: rank ensembles of proxies as one scorer (``--proxy a+b+c``, ``az_nas``) ----

Aggregation = Literal["mean", "log"]

# named ensembles: components and aggregation. AZ-NAS (Lee & Ham, CVPR 2024): Σ_m log(rank_m / N)
# over expressivity, progressivity, trainability and complexity (FLOPs)
PRESETS: dict[str, tuple[tuple[str, ...], Aggregation]] = {
    "az_nas": (("az_expressivity", "az_progressivity", "az_trainability", "flops"), "log"),
    # issue 14's label-free ranking: the best CIFAR-10 Spearman among subsets of CPU-cheap proxies on
    # 300 cells of the 1,000-cell sample (experiments/ranking/results.md), RankAve
    "epsinas_meco": (("epsinas_whole", "meco"), "mean"),
}


def parse_ensemble(spec: str) -> tuple[list[str], Aggregation] | None:
    """``"a+b+c"`` -> (["a", "b", "c"], "mean"); a preset name -> its components; else None."""
    if spec in PRESETS:
        names, aggregation = PRESETS[spec]
        return list(names), aggregation
    if "+" not in spec:
        return None
    names = [part.strip() for part in spec.split("+")]
    if any(not n for n in names) or len(set(names)) != len(names):
        raise ValueError(f"an ensemble is proxy names joined by '+', each once (e.g. synflow+naswot), got {spec!r}")
    return names, "mean"


def ecdf_positions(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(#reference below v + ½ #reference equal to v + ½) / (len(reference) + 1) for each v.

    NaN counts as below every number, in ``values`` and in ``reference``, so a NaN score ranks
    last under that proxy as it does for a single proxy. For v in the reference without ties
    this is rank(v) / (N + 1), N = len(reference), rank 1 = worst.
    """
    ref = np.sort(np.where(np.isnan(reference), -np.inf, reference))
    v = np.where(np.isnan(values), -np.inf, values)
    below = np.searchsorted(ref, v, side="left")
    equal = np.searchsorted(ref, v, side="right") - below
    return (below + 0.5 * equal + 0.5) / (len(ref) + 1)


def aggregate_positions(positions: np.ndarray, aggregation: Aggregation) -> np.ndarray:
    """(proxies × cells) positions in (0, 1) -> one score per cell, higher is better:
    ``mean`` (RankAve) or ``log`` (AZ-NAS's Σ log)."""
    if aggregation == "mean":
        return positions.mean(axis=0)
    if aggregation == "log":
        return np.log(positions).sum(axis=0)
    raise ValueError(f"aggregation must be 'mean' or 'log', got {aggregation!r}")


def rank_ensemble(scores: Mapping[str, np.ndarray], higher_is_better: Mapping[str, bool] | None = None,
                  aggregation: Aggregation = "mean") -> np.ndarray:
    """One combined score per architecture over *this* population (the one-call form for a
    scored population): each proxy's scores ranked among themselves (NaN last, ties averaged),
    then averaged (``mean``, RankAve) or summed as log(rank/N) (``log``, AZ-NAS)."""
    _, matrix = _as_matrix(scores, higher_is_better)
    return aggregate_positions(np.stack([ecdf_positions(row, row) for row in matrix]), aggregation)


class EnsembleSpec:
    """What a manifest and the CLI read of an ensemble (the ``proxy`` of an ``EnsembleScorer``)."""

    higher_is_better = True

    def __init__(self, names: Sequence[str], aggregation: Aggregation, reference_size: int, reference_seed: int):
        self.components = list(names)
        self.aggregation = aggregation
        self.reference_size, self.reference_seed = reference_size, reference_seed
        self.name = "+".join(self.components)

    def config_dict(self) -> dict[str, Any]:
        return {"components": self.components, "aggregation": self.aggregation,
                "reference_size": self.reference_size, "reference_seed": self.reference_seed}


class EnsembleScorer:
    """Several scorers combined by rank, as one ``Scorer``.

    A rank needs a population, and a search compares scores handed out at different times, so
    every score is placed against one fixed *reference population*: ``reference`` cells, or
    ``reference_size`` distinct random cells of ``space`` (seed ``reference_seed``) drawn and
    scored at first use. A cell's position under each proxy is its ECDF position among the
    reference's scores (``ecdf_positions``: NaN ranks last), and the positions are aggregated
    (``mean``: RankAve; ``log``: AZ-NAS). Scores are therefore comparable across calls, and over
    the reference population itself they order cells exactly as ``rank_ensemble`` does.
    """

    def __init__(self, components: Mapping[str, Any], space: Any, aggregation: Aggregation = "mean",
                 reference: Sequence[Any] | None = None, reference_size: int = 1000, reference_seed: int = 0):
        if len(components) < 2:
            raise ValueError("an ensemble needs at least two proxies")
        if reference is None and reference_size < 2:
            raise ValueError(f"reference_size must be >= 2, got {reference_size}")
        aggregate_positions(np.full((1, 1), 0.5), aggregation)  # validates the name
        self.components = dict(components)
        self.space = space
        self.aggregation: Aggregation = aggregation
        self._reference_archs = list(reference) if reference is not None else None
        self.proxy = EnsembleSpec(list(components), aggregation,
                                  len(reference) if reference is not None else reference_size, reference_seed)
        self._reference: np.ndarray | None = None  # (proxies × reference cells), oriented
        self.calls = 0
        self.nan = 0

    def reference_archs(self) -> list[Any]:
        if self._reference_archs is None:
            rng = np.random.default_rng(self.proxy.reference_seed)
            cells: dict[str, Any] = {}
            attempts = 0
            while len(cells) < self.proxy.reference_size and attempts < 50 * self.proxy.reference_size:
                arch = self.space.sample(rng)
                cells.setdefault(arch.text, arch)
                attempts += 1
            self._reference_archs = list(cells.values())
        return self._reference_archs

    def _oriented_components(self, archs: Sequence[Any], progress: bool) -> np.ndarray:
        return np.stack([np.asarray(s.oriented_many(archs, progress=progress), dtype=float)
                         for s in self.components.values()])

    def _reference_scores(self) -> np.ndarray:
        if self._reference is None:
            self._reference = self._oriented_components(self.reference_archs(), progress=False)
        return self._reference

    def component_scores(self, archs: Sequence[Any], progress: bool = False) -> dict[str, np.ndarray]:
        """Each component's oriented scores of ``archs`` (NaN kept)."""
        return dict(zip(self.components, self._oriented_components(archs, progress)))

    def oriented_many(self, archs: Sequence[Any], progress: bool = False) -> np.ndarray:
        matrix = self._oriented_components(archs, progress)
        reference = self._reference_scores()
        positions = np.stack([ecdf_positions(row, ref) for row, ref in zip(matrix, reference)])
        values = aggregate_positions(positions, self.aggregation)
        self.calls += len(archs)
        self.nan += int(np.isnan(matrix).any(axis=0).sum())  # cells with a NaN component (ranked last on it)
        return values

    raw_many = oriented_many  # higher is better by construction

    def __call__(self, arch: Any) -> float:
        return float(self.oriented_many([arch])[0])

    def raw(self, arch: Any) -> float:
        return self(arch)

    @property
    def charged_seconds(self) -> float:
        return math.fsum(s.charged_seconds for s in self.components.values())

    @property
    def computed(self) -> int:
        return sum(getattr(s, "computed", 0) for s in self.components.values())

    @property
    def seconds(self) -> float:
        return math.fsum(getattr(s, "seconds", 0.0) for s in self.components.values())

    def seconds_per_arch(self, archs: Sequence[Any]) -> float:
        return math.fsum(s.seconds_per_arch(archs) for s in self.components.values()
                         if hasattr(s, "seconds_per_arch"))

    def begin_run(self) -> None:
        for scorer in self.components.values():
            scorer.begin_run()

    def manifest(self) -> dict[str, Any]:
        return {"proxy": self.proxy.name, "proxy_config": self.proxy.config_dict(),
                "components": {name: s.manifest() for name, s in self.components.items()}}


def ensemble_scorer(spec: str, make_component: Callable[[str], Any], space: Any, **options: Any) -> EnsembleScorer | None:
    """The ``EnsembleScorer`` of ``spec`` (``a+b+c`` or a preset such as ``az_nas``), each
    component built by ``make_component(name)`` (a ProxyScorer, a TableScorer, ...); None when
    ``spec`` names a single proxy. ``options``: ``reference_size``, ``reference_seed``, ``reference``."""
    parsed = parse_ensemble(spec)
    if parsed is None:
        return None
    names, aggregation = parsed
    return EnsembleScorer({n: make_component(n) for n in names}, space, aggregation, **options)
