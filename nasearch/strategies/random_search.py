"""Random search, with or without a zero-cost warm-up."""

from __future__ import annotations

from collections import deque

from pydantic import Field

from nasearch.architecture import Architecture
from nasearch.interfaces import Config, Strategy
from nasearch.registry import register_strategy
from nasearch.strategies._pool import scored_pool


@register_strategy("rs")
class RandomSearch(Strategy):
    """Train uniformly random cells; the pick is the best validation accuracy."""

    parallel_rule = "a fresh uniform draw for every ask"

    def ask(self) -> Architecture:
        return self.space.sample(self.rng)


class WarmupConfig(Config):
    pool: int = Field(3000, ge=1, description="cells scored by the proxy before any training")


@register_strategy("rs-warmup")
class RandomSearchWarmup(Strategy):
    """Score a random pool, train it in order of decreasing score, then go on at random."""

    needs_proxy = True
    Config = WarmupConfig
    parallel_rule = "the next cell of the scored pool (best score first), then fresh uniform draws"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._queue: deque[Architecture] | None = None

    def ask(self) -> Architecture:
        if self._queue is None:
            self._queue = deque(scored_pool(self.space, self.scorer, self.rng, self.config.pool, self.identity))
        if self._queue:
            return self._queue.popleft()
        return self.space.sample(self.rng)
