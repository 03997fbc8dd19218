"""REA with a zero-cost "move": the proxy steers the choice of parent or of child.

Two named variants, because the papers mean different things by "REA with move":

- ``rea-move-parent`` (epsinas paper 001, sec. 5.6 "Ageing evolution with move"): the
  tournament picks its parent by proxy score instead of validation accuracy; the child is a
  random mutation of it, as in plain REA.
- ``rea-move-child`` (Abdelfattah et al. 2021, as described in paper 002): the parent is
  picked by validation accuracy as in plain REA; the child is the best-scoring of all the
  parent's neighbours at edit distance 1, except that with probability 0.25 it is a random
  mutation (so the search cannot get stuck in a local optimum of the proxy).

Both exist with a zero-cost warm-up of the initial population (``-warmup``).
"""

from __future__ import annotations

from pydantic import Field

from nasearch.architecture import Architecture
from nasearch.registry import register_strategy
from nasearch.strategies._pool import best_by_score, score_all, zero_cost_move
from nasearch.strategies.evolution import REA, REAConfig, REAWarmupConfig, WarmupPopulation


@register_strategy("rea-move-parent")
class REAMoveParent(REA):
    """REA whose tournament winner is the member with the best proxy score (NaN lowest;
    ties: the first drawn); the child is a random mutation of it."""

    needs_proxy = True

    def select_parent(self) -> Architecture:
        drawn = [member[0] for member in self.tournament()]
        return best_by_score(drawn, score_all(self.scorer, drawn))[0]


@register_strategy("rea-move-parent-warmup")
class REAMoveParentWarmup(WarmupPopulation, REAMoveParent):
    """rea-move-parent whose initial population is the P best-scoring cells of a random pool."""

    Config = REAWarmupConfig


class MoveChildConfig(REAConfig):
    random_move_probability: float = Field(
        0.25, ge=0.0, le=1.0, description="probability that the child is a random mutation instead")


class MoveChildWarmupConfig(MoveChildConfig, REAWarmupConfig):
    pass


@register_strategy("rea-move-child")
class REAMoveChild(REA):
    """REA whose child is the best-scoring neighbour of the parent (random mutation with
    probability ``random_move_probability``; ``mutation_distance`` applies to that random
    mutation only)."""

    needs_proxy = True
    Config = MoveChildConfig

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._best_neighbour: dict[str, Architecture] = {}

    def make_child(self, parent: Architecture) -> Architecture:
        return zero_cost_move(self.space, self.scorer, self.rng, parent, self.config.random_move_probability,
                              self.config.mutation_distance, memo=self._best_neighbour)


@register_strategy("rea-move-child-warmup")
class REAMoveChildWarmup(WarmupPopulation, REAMoveChild):
    """rea-move-child whose initial population is the P best-scoring cells of a random pool."""

    Config = MoveChildWarmupConfig
