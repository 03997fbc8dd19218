"""Training-free strategies: the proxy is the only fitness and only the final pick is trained.

- ``free-rs``: paper 002, Algorithm 1: N random cells are scored, the best score wins.
- ``free-rea`` / ``free-rea-warmup``: paper 002, Algorithm 2: ageing evolution on proxy
  scores with the zero-cost move, optionally a warm-up pool of W cells; it stops after M
  visited models and returns the best score seen.
- ``pool-top``: epsinas paper 001, Table 3: the best-scoring cell of a random pool of N
  distinct cells.

Run them with a budget of one trained architecture: ``ask`` returns the pick, and asking
again after it was trained is an error. ``pool-all`` (no proxy) trains a whole random pool;
run with budget N it is Table 3's "optimal" baseline on the same pools as ``pool-top``.
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from nasearch.architecture import Architecture
from nasearch.interfaces import Config, Strategy, rank_key
from nasearch.registry import register_strategy
from nasearch.strategies._pool import best_by_score, sample_distinct, score_all, zero_cost_move


class TrainingFreeStrategy(Strategy):
    """Base of strategies that search with the proxy alone and train one cell, their pick."""

    needs_proxy = True
    trains_only_pick: ClassVar[bool] = True
    parallel_rule = "one trial only (the pick); nothing else is proposed while it is pending"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pick: Architecture | None = None
        self.pick_score: float = float("nan")
        self.visited = 0  # cells whose score the search used
        # the proxy-best cell after each visited model: trajectory[k] after k + 1 visits
        # (paper 002 Figure 2 plots the test accuracy of this cell during the search)
        self.trajectory: list[Architecture] = []

    def search(self) -> tuple[Architecture, float]:
        raise NotImplementedError

    def ask(self) -> Architecture:
        if self.pick is None:
            self.pick, self.pick_score = self.search()
        elif self.history:
            raise RuntimeError(f"strategy {self.name!r} trains only its final pick; it has nothing more to propose")
        return self.pick


def running_best(cells: list[Architecture], scores: np.ndarray) -> list[Architecture]:
    """The best-scoring cell among the first k + 1, for each k (NaN lowest; ties: the first)."""
    best, result = 0, []
    for k in range(len(cells)):
        if rank_key(float(scores[k])) > rank_key(float(scores[best])):
            best = k
        result.append(cells[best])
    return result


class FreeRSConfig(Config):
    candidates: int = Field(500, ge=1, description="N: random cells scored (drawn independently)")


@register_strategy("free-rs")
class FreeRandomSearch(TrainingFreeStrategy):
    """N cells drawn uniformly at random (repeats possible, as in Algorithm 1); the best
    score wins (NaN lowest; ties: the first drawn)."""

    Config = FreeRSConfig

    def search(self) -> tuple[Architecture, float]:
        cells = [self.space.sample(self.rng) for _ in range(self.config.candidates)]
        self.visited = len(cells)
        scores = score_all(self.scorer, cells)
        self.trajectory = running_best(cells, scores)
        return best_by_score(cells, scores)


class FreeREAConfig(Config):
    population: int = Field(64, ge=1, description="P: population size")
    tournament: int = Field(10, ge=1, description="T: members drawn (with replacement) per tournament")
    visited: int = Field(500, ge=1, description="M: models visited (initial population included)")
    warmup: int = Field(0, ge=0, description="W: warm-up pool scored to pick the initial P (0: none)")
    random_move_probability: float = Field(0.25, ge=0.0, le=1.0,
                                           description="probability that a child is a random mutation")

    @model_validator(mode="after")
    def _check(self) -> "FreeREAConfig":
        if self.warmup and self.warmup <= self.population:
            raise ValueError(f"warmup pool W={self.warmup} must exceed the population P={self.population} "
                             "(or be 0 for no warm-up)")
        if self.visited < self.population:
            raise ValueError(f"visited M={self.visited} must be at least the population P={self.population}")
        return self


@register_strategy("free-rea")
class FreeREA(TrainingFreeStrategy):
    """Paper 002, Algorithm 2 (see module docstring).

    Choices where the pseudo-code and the text differ: the tournament winner is the highest
    score (the text; the pseudo-code's ascending sort would take the lowest); the search stops
    when M models were visited (the pseudo-code's ``visited > M`` visits one more); the best
    score starts at minus infinity, not 0, so negative-valued proxies work; NaN ranks lowest.
    """

    Config = FreeREAConfig

    def search(self) -> tuple[Architecture, float]:
        cfg = self.config
        if cfg.warmup:
            pool = [self.space.sample(self.rng) for _ in range(cfg.warmup)]
            pool_scores = score_all(self.scorer, pool)
            order = np.argsort(-np.where(np.isnan(pool_scores), -np.inf, pool_scores), kind="stable")
            initial = [(pool[i], float(pool_scores[i])) for i in order[: cfg.population]]
        else:
            cells = [self.space.sample(self.rng) for _ in range(cfg.population)]
            initial = list(zip(cells, (float(s) for s in score_all(self.scorer, cells))))
        population: deque[tuple[Architecture, float]] = deque(initial)
        best, best_score = max(initial, key=lambda m: rank_key(m[1]))  # max keeps the first of ties
        self.visited = len(initial)
        self.trajectory = running_best([m[0] for m in initial], np.array([m[1] for m in initial]))
        memo: dict[str, Architecture] = {}
        while self.visited < cfg.visited:
            drawn = [population[i] for i in self.rng.integers(len(population), size=cfg.tournament)]
            parent = max(drawn, key=lambda m: rank_key(m[1]))[0]
            child = zero_cost_move(self.space, self.scorer, self.rng, parent, cfg.random_move_probability, memo=memo)
            child_score = float(self.scorer(child))
            population.append((child, child_score))
            population.popleft()
            if rank_key(child_score) > rank_key(best_score):
                best, best_score = child, child_score
            self.visited += 1
            self.trajectory.append(best)
        return best, best_score


class FreeREAWarmupConfig(FreeREAConfig):
    warmup: int = Field(128, ge=0, description="W: warm-up pool scored to pick the initial P")


@register_strategy("free-rea-warmup")
class FreeREAWarmup(FreeREA):
    """free-rea with a warm-up pool of W=128 cells by default."""

    Config = FreeREAWarmupConfig


class PoolConfig(Config):
    pool: int = Field(1000, ge=1, description="N: distinct random cells in the pool")


@register_strategy("pool-top")
class PoolTop(TrainingFreeStrategy):
    """The best-scoring cell of a random pool of N distinct cells (NaN lowest; ties: first)."""

    Config = PoolConfig

    def search(self) -> tuple[Architecture, float]:
        pool = sample_distinct(self.space, self.rng, self.config.pool, self.identity)
        self.visited = len(pool)
        return best_by_score(pool, score_all(self.scorer, pool))


@register_strategy("pool-all")
class PoolAll(Strategy):
    """Trains the cells of a random pool of N distinct cells, in pool order; with budget N its
    pick (best validation accuracy) is the pool's optimum. Draws the same pool as ``pool-top``
    with the same seed."""

    Config = PoolConfig
    parallel_rule = "the next cell of the pool"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._queue: deque[Architecture] | None = None

    def ask(self) -> Architecture:
        if self._queue is None:
            self._queue = deque(sample_distinct(self.space, self.rng, self.config.pool, self.identity))
        if not self._queue:
            raise RuntimeError(f"pool-all trained its whole pool of {self.config.pool}: the budget exceeds the pool")
        return self._queue.popleft()
