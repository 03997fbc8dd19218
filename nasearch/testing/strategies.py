"""Contract checks for strategies: ask/tell through the search loop against a table benchmark.

``check_strategy`` runs a strategy twice with one seed and once more for the proxy law, and
raises ``AssertionError`` naming the strategy and the law that broke.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from pydantic import ValidationError

from nasearch import registry
from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, Scorer, SearchSpace, Strategy, TrainResult, as_scorer
from nasearch.loop import SearchResult, run_search


class RecordingBenchmark(Benchmark):
    """``base`` with a record of every cell it was asked to train."""

    def __init__(self, base: Benchmark):
        self.base = base
        self.name, self.space_name, self.task = base.name, base.space_name, base.task
        self.higher_is_better = base.higher_is_better
        self.trained: list[Architecture] = []

    def covers(self, arch: Architecture) -> bool:
        return self.base.covers(arch)

    def train(self, arch: Architecture) -> TrainResult:
        self.trained.append(arch)
        if arch.space != self.space_name:  # the base would refuse it with its own error: say it here
            raise AssertionError(f"a strategy proposed {arch!r}, which is not a cell of space {self.space_name!r}")
        return self.base.train(arch)


class RecordingScorer:
    """``base`` (a ``Scorer``) with a record of every cell a strategy asked it to score."""

    def __init__(self, base: Scorer):
        self.base = base
        self.scored: list[Architecture] = []

    calls = property(lambda self: self.base.calls)
    nan = property(lambda self: self.base.nan)
    charged_seconds = property(lambda self: self.base.charged_seconds)

    def __call__(self, arch: Architecture) -> float:
        self.scored.append(arch)
        return self.base(arch)

    def oriented_many(self, archs: Sequence[Architecture], progress: bool = False) -> np.ndarray:
        self.scored.extend(archs)
        return self.base.oriented_many(archs, progress=progress)

    def begin_run(self) -> None:
        self.base.begin_run()

    def manifest(self) -> dict[str, Any]:
        return self.base.manifest()


def small_config(strategy: str | type[Strategy], sizes: Sequence[int] = (8, 16, 32)) -> dict[str, Any]:
    """A configuration with every integer setting larger than ``max(sizes)`` (pool, population,
    candidates, ...) shrunk to the smallest of ``sizes`` the strategy's Config accepts, so a
    contract run takes a moment. Settings are shrunk one by one, keeping earlier choices."""
    cls = registry.strategies.get_class(strategy) if isinstance(strategy, str) else strategy
    config: dict[str, Any] = {}
    for name, field in cls.Config.model_fields.items():
        default = field.default
        if not isinstance(default, int) or isinstance(default, bool) or default <= max(sizes):
            continue
        for size in sizes:
            try:
                cls.Config(**{**config, name: size})
            except ValidationError:
                continue
            config[name] = size
            break
    return config


def _run(cls: type[Strategy], space: SearchSpace, benchmark: Benchmark, scorer: Scorer | None, config: dict[str, Any],
         budget: int, seed: int) -> tuple[SearchResult, RecordingBenchmark, RecordingScorer | None]:
    recording_benchmark = RecordingBenchmark(benchmark)
    recording_scorer = None if scorer is None else RecordingScorer(scorer)
    strategy = cls(space, seed=seed, scorer=recording_scorer, **config)
    return run_search(strategy, recording_benchmark, budget), recording_benchmark, recording_scorer


def _in_space(space: SearchSpace, arch: Architecture) -> bool:
    if arch.space != space.name:
        return False
    try:
        return space.parse(space.format(arch)) == arch
    except ValueError:
        return False


def check_strategy(strategy: str | type[Strategy], space: SearchSpace, benchmark: Benchmark,
                   scorer: Scorer | None = None, config: dict[str, Any] | None = None, budget: int = 24,
                   seed: int = 0) -> None:
    """The laws of a strategy, run through ``run_search`` with ``budget`` trained cells:

    - one that ``needs_proxy`` refuses to start without a scorer (ValueError);
    - every cell it proposes for training, and every cell it asks the scorer about, is a cell
      of ``space`` (right space name, survives its string form) that the benchmark covers;
    - a ``trains_only_pick`` strategy trains exactly one cell, its final pick; any other
      trains ``budget`` distinct cells and picks one of them;
    - the same seed gives the same cells in the same order and the same pick.

    ``config`` defaults to ``small_config(strategy)``; ``scorer`` is used only by strategies
    that need a proxy.
    """
    cls = registry.strategies.get_class(strategy) if isinstance(strategy, str) else strategy
    config = small_config(cls) if config is None else config
    where = f"strategy {cls.name!r}"
    scorer = as_scorer(scorer) if cls.needs_proxy else None
    if cls.needs_proxy:
        assert scorer is not None, f"{where} needs a proxy: pass a scorer to check it"
        try:
            cls(space, seed=seed, scorer=None, **config)
        except ValueError:
            pass
        else:
            raise AssertionError(f"{where} declares needs_proxy but starts without a scorer")
    result, trained, scored = _run(cls, space, benchmark, scorer, config, budget, seed)
    for arch in trained.trained + ([] if scored is None else scored.scored):
        assert _in_space(space, arch), f"{where} proposed {arch!r}, which is not a cell of space {space.name!r}"
    for arch in trained.trained:
        assert benchmark.covers(arch), f"{where} proposed {arch}, which benchmark {benchmark.name!r} does not cover"
    texts = [a.text for a in trained.trained]
    assert len(set(texts)) == len(texts), f"{where}: the loop trained a cell twice"
    assert result.final is not None, f"{where} recommends nothing after {len(texts)} trained cells"
    if cls.trains_only_pick:
        assert texts == [result.final.text], (
            f"{where} declares trains_only_pick but trained {len(texts)} cells ({', '.join(texts[:3])}) "
            f"for the pick {result.final}")
    else:
        assert len(texts) == budget, f"{where} trained {len(texts)} cells for a budget of {budget}"
        assert result.final.text in set(texts), f"{where} picks {result.final}, which it never trained"
    again, trained_again, _ = _run(cls, space, benchmark, scorer, config, budget, seed)
    assert [a.text for a in trained_again.trained] == texts and again.final == result.final, (
        f"{where} is not deterministic under seed {seed}: it trained other cells the second time")
