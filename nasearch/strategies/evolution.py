"""Regularised (ageing) evolution, REA (Real et al. 2019), with or without zero-cost warm-up."""

from __future__ import annotations

from collections import deque

from pydantic import Field

from nasearch.architecture import Architecture
from nasearch.interfaces import Config, Strategy, TrainResult, rank_key
from nasearch.registry import register_strategy
from nasearch.strategies._pool import scored_pool


class REAConfig(Config):
    population: int = Field(64, ge=1, description="population size P")
    tournament: int = Field(10, ge=1, description="tournament size T (members drawn without replacement)")
    mutation_distance: int = Field(1, ge=1, description="edit distance of a child from its parent")


@register_strategy("rea")
class REA(Strategy):
    """Random initial population of P; then the best validation accuracy of T random members
    is mutated and the child joins the population, whose oldest member leaves.

    Every told result joins the population, a repeat proposal answered from memory included
    (as in Real et al., where a child equal to an earlier cell is evaluated again).
    """

    Config = REAConfig
    parallel_rule = ("the initial population is handed out in order; then the tournament is held among the "
                     "population as it stands (told results only); while every member so far is pending, "
                     "one more initial member is drawn")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.population: deque[tuple[Architecture, TrainResult]] = deque()
        self._initial: deque[Architecture] = deque()
        self._initialised = False

    def initial_population(self) -> list[Architecture]:
        return [self.space.sample(self.rng) for _ in range(self.config.population)]

    def extra_initial_member(self) -> Architecture:
        """One more initial member, for an ask made while no result has been told yet."""
        return self.space.sample(self.rng)

    def tournament(self) -> list[tuple[Architecture, TrainResult]]:
        """T members drawn at random without replacement (all of them if fewer)."""
        members = list(self.population)
        size = min(self.config.tournament, len(members))
        return [members[i] for i in self.rng.choice(len(members), size=size, replace=False)]

    def select_parent(self) -> Architecture:
        return max(self.tournament(), key=lambda m: rank_key(m[1].fitness))[0]

    def make_child(self, parent: Architecture) -> Architecture:
        return self.space.mutate(parent, self.rng, distance=self.config.mutation_distance)

    def ask(self) -> Architecture:
        if not self._initialised:
            self._initial.extend(self.initial_population())
            self._initialised = True
        if self._initial:
            return self._initial.popleft()
        if not self.population:  # only with parallel asks: the whole initial population is pending
            return self.extra_initial_member()
        return self.make_child(self.select_parent())

    def tell(self, arch: Architecture, result: TrainResult) -> None:
        super().tell(arch, result)
        self.population.append((arch, result))
        if len(self.population) > self.config.population:
            self.population.popleft()  # ageing: the oldest leaves, whatever its accuracy


class REAWarmupConfig(REAConfig):
    pool: int = Field(3000, ge=1, description="cells scored to choose the initial population")


class WarmupPopulation:
    """Mixin for REA variants: the initial population is the P best-scoring cells of a
    random pool of distinct cells (NaN scores last). An extra initial member (parallel asks)
    is the next cell of the pool in score order, a random cell once the pool is used up."""

    needs_proxy = True
    parallel_rule = ("the initial population (best scores first) is handed out in order; then the tournament "
                     "is held among the population as it stands (told results only); while every member so far "
                     "is pending, the next cell of the scored pool is handed out")
    _reserve: deque[Architecture] | None = None  # the rest of the scored pool, best first

    def initial_population(self) -> list[Architecture]:
        ranked = scored_pool(self.space, self.scorer, self.rng, self.config.pool, self.identity)
        self._reserve = deque(ranked[self.config.population:])
        return ranked[: self.config.population]

    def extra_initial_member(self) -> Architecture:
        return self._reserve.popleft() if self._reserve else self.space.sample(self.rng)


@register_strategy("rea-warmup")
class REAWarmup(WarmupPopulation, REA):
    """REA whose initial population is the P best-scoring cells of a random pool."""

    Config = REAWarmupConfig
