"""Zero-cost warm-up pools shared by the warm-up strategies."""

from __future__ import annotations

from typing import Callable

import numpy as np

from nasearch.architecture import Architecture
from nasearch.interfaces import Scorer, SearchSpace


def sample_distinct(space: SearchSpace, rng: np.random.Generator, size: int,
                    key: Callable[[Architecture], str] | None = None) -> list[Architecture]:
    """``size`` random cells, distinct under ``key`` (default: the cell string; pass
    ``space.canonical_key`` for distinct networks); all of them, shuffled, when there are fewer."""
    key = key or _text
    try:
        finite = len(space)
    except TypeError:
        finite = None
    if finite is not None and finite <= size:
        return _first_of_each(space, rng, key)
    seen: dict[str, Architecture] = {}
    attempts = 0
    while len(seen) < size:
        arch = space.sample(rng)
        seen.setdefault(key(arch), arch)
        attempts += 1
        if attempts > 100 * size:
            if finite is not None and key is not _text:  # fewer distinct networks than asked for
                return _first_of_each(space, rng, key)[:size]
            raise RuntimeError(f"could not draw {size} distinct cells from {space.name!r}")
    return list(seen.values())


def _text(arch: Architecture) -> str:
    return arch.text


def _first_of_each(space: SearchSpace, rng: np.random.Generator, key: Callable[[Architecture], str]
                   ) -> list[Architecture]:
    """Every cell of a finite space in random order, the first of each ``key`` kept."""
    cells = list(space.enumerate())
    kept: dict[str, Architecture] = {}
    for i in rng.permutation(len(cells)):
        kept.setdefault(key(cells[i]), cells[i])
    return list(kept.values())


def score_all(scorer: Scorer, archs: list[Architecture]) -> np.ndarray:
    """Oriented scores (higher is better) of ``archs``, in one batch call."""
    return np.asarray(scorer.oriented_many(archs), dtype=float)


def rank_by_score(archs: list[Architecture], scores: np.ndarray) -> list[Architecture]:
    """Best score first; NaN scores after every number; ties keep pool order."""
    keys = np.where(np.isnan(scores), -np.inf, scores)
    order = np.argsort(-keys, kind="stable")
    return [archs[i] for i in order]


def scored_pool(space: SearchSpace, scorer: Scorer, rng: np.random.Generator, size: int,
                key: Callable[[Architecture], str] | None = None) -> list[Architecture]:
    """A random pool of ``size`` cells distinct under ``key``, ranked by score (best first)."""
    pool = sample_distinct(space, rng, size, key)
    return rank_by_score(pool, score_all(scorer, pool))


def best_by_score(archs: list[Architecture], scores: np.ndarray) -> tuple[Architecture, float]:
    """The best-scoring cell and its score; NaN below every number; ties: the first."""
    keys = np.where(np.isnan(scores), -np.inf, scores)
    index = int(np.argmax(keys))  # argmax returns the first maximum
    return archs[index], float(scores[index])


def zero_cost_move(space: SearchSpace, scorer: Scorer, rng: np.random.Generator, parent: Architecture,
                   random_probability: float, distance: int = 1,
                   memo: dict[str, Architecture] | None = None) -> Architecture:
    """The zero-cost move of Abdelfattah et al. (2021), as paper 002 describes it.

    With probability ``random_probability`` a random mutation of ``parent`` (at ``distance``
    edits); otherwise the best-scoring of all cells at edit distance 1 (NaN lowest, ties: the
    first in the space's neighbour order). One uniform number is drawn on every call.
    ``memo`` (parent text -> best neighbour) remembers the deterministic choice: scores do not
    change, so a parent met again is not re-scored (the random stream is the same either way).
    """
    if rng.random() < random_probability:
        return space.mutate(parent, rng, distance=distance)
    if memo is not None and parent.text in memo:
        return memo[parent.text]
    neighbours = space.neighbours(parent)
    best = best_by_score(neighbours, score_all(scorer, neighbours))[0]
    if memo is not None:
        memo[parent.text] = best
    return best
