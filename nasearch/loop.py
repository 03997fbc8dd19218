"""The search loop: a strategy against a benchmark until a budget of trained cells is spent."""

from __future__ import annotations

import math
import platform
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, Scorer, Strategy, TrainResult


@dataclass(frozen=True)
class TrajectoryPoint:
    """State after one more trained architecture."""

    trained: int
    arch: str
    valid_accuracy: float
    test_accuracy: float
    best_valid: float  # best validation measure so far (lowest where lower is better)
    best_test: float  # test measure of the architecture with the best validation measure so far
    proxy_calls: int
    proxy_seconds: float
    train_seconds: float  # training cost the benchmark stands for, summed
    wall_seconds: float


@dataclass
class SearchResult:
    trajectory: list[TrajectoryPoint]
    final: Architecture | None
    final_result: TrainResult | None
    manifest: dict[str, Any]
    proxy_nan: int = 0
    repeated_proposals: int = 0  # proposals of already-trained cells (not charged)

    @property
    def final_test(self) -> float:
        return math.nan if self.final_result is None else self.final_result.test_accuracy

    def best_test_at(self, budget: int) -> float:
        """Test accuracy of the best-validation cell among the first ``budget`` trained."""
        if not self.trajectory:
            return math.nan
        return self.trajectory[min(budget, len(self.trajectory)) - 1].best_test

    def as_dict(self) -> dict[str, Any]:
        return {
            "trajectory": [asdict(p) for p in self.trajectory],
            "final": None if self.final is None else self.final.text,
            "final_result": None if self.final_result is None else asdict(self.final_result),
            "manifest": self.manifest,
            "proxy_nan": self.proxy_nan,
            "repeated_proposals": self.repeated_proposals,
        }


def versions() -> dict[str, str]:
    import torch

    import nasearch

    return {
        "nasearch": nasearch.__version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }


def _counters(scorer: Scorer | None) -> tuple[int, float, int]:
    """(calls, charged seconds, NaNs) of the scorer so far; zeros without one."""
    if scorer is None:
        return 0, 0.0, 0
    return scorer.calls, scorer.charged_seconds, scorer.nan


def run_search(strategy: Strategy, benchmark: Benchmark, budget: int,
               manifest: dict[str, Any] | None = None, max_repeats: int | None = None) -> SearchResult:
    """Run ``strategy`` until ``budget`` distinct architectures are trained.

    A proposal of an already-trained cell (the same ``strategy.identity``: the cell string,
    or the network with ``distinct_networks``) is answered from memory and costs nothing; more
    than ``max_repeats`` such proposals in a row (default ``100 * budget + 1000``) mean the
    strategy is stuck and raise RuntimeError. Proxy calls are the scorer's business and
    never count as training.
    """
    if strategy.trains_only_pick:
        budget = 1  # a training-free strategy trains its final pick and nothing else
    if budget < 1:
        raise ValueError(f"budget must be at least 1 trained architecture, got {budget}")
    max_repeats = 100 * budget + 1000 if max_repeats is None else max_repeats
    scorer = strategy.scorer
    trained: dict[str, TrainResult] = {}
    trajectory: list[TrajectoryPoint] = []
    best_fitness, best_valid, best_test = -math.inf, math.nan, math.nan
    train_seconds = 0.0
    repeats = in_a_row = 0
    # a scorer may be shared between rounds (and its cache with it): report this run's share.
    # Proxy seconds are what the scores this run used cost to compute, including scores read
    # from the store (at their stored cost), so warm and cold runs are charged alike.
    if scorer is not None:
        scorer.begin_run()
    calls0, seconds0, nan0 = _counters(scorer)
    start = time.perf_counter()
    while len(trained) < budget:
        arch = strategy.ask()
        identity = strategy.identity(arch)
        cached = trained.get(identity)
        if cached is not None:
            repeats += 1
            in_a_row += 1
            if in_a_row > max_repeats:
                raise RuntimeError(
                    f"strategy {strategy.name!r} proposed {in_a_row} already-trained cells in a row; "
                    f"it cannot reach a budget of {budget} distinct cells"
                )
            strategy.tell(arch, cached)
            continue
        in_a_row = 0
        result = benchmark.train(arch)
        trained[identity] = result
        if not math.isnan(result.cost_seconds):
            train_seconds += result.cost_seconds
        if result.fitness > best_fitness:
            best_fitness, best_valid, best_test = result.fitness, result.valid_accuracy, result.test_accuracy
        strategy.tell(arch, result)
        calls, seconds, _ = _counters(scorer)
        trajectory.append(TrajectoryPoint(
            trained=len(trained),
            arch=arch.text,
            valid_accuracy=result.valid_accuracy,
            test_accuracy=result.test_accuracy,
            best_valid=best_valid,
            best_test=best_test,
            proxy_calls=calls - calls0,
            proxy_seconds=seconds - seconds0,
            train_seconds=train_seconds,
            wall_seconds=time.perf_counter() - start,
        ))
    final = strategy.recommend()
    final_result = None if final is None else trained.get(strategy.identity(final)) or benchmark.train(final)
    full_manifest = {
        "space": strategy.space.name,
        "strategy": strategy.name,
        "strategy_config": strategy.config_dict(),
        "benchmark": benchmark.name,
        "budget": budget,
        "seed": strategy.seed,
        "versions": versions(),
        **(manifest or {}),
    }
    if scorer is not None:
        for key, value in scorer.manifest().items():
            full_manifest.setdefault(key, value)
    return SearchResult(
        trajectory=trajectory,
        final=final,
        final_result=final_result,
        manifest=full_manifest,
        proxy_nan=_counters(scorer)[2] - nan0,
        repeated_proposals=repeats,
    )
