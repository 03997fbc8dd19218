"""Convenience functions that wire the parts together (used by the CLI and by users).

``make_benchmark`` and ``make_scorer`` come from ``nasearch.factory``, shared with experiment files."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from tqdm import tqdm

from nasearch import registry
from nasearch.architecture import Architecture
from nasearch.factory import make_benchmark, make_scorer
from nasearch.interfaces import Benchmark, NotEnumerableError, Scorer, SearchSpace
from nasearch.loop import SearchResult, run_search

__all__ = ["search_space_for", "covered_cells", "make_benchmark", "make_scorer", "make_space", "run_rounds", "sample_architectures"]


def make_space(name: str, **config: Any) -> SearchSpace:
    return registry.spaces.get(name, **config)


def covered_cells(space: SearchSpace, benchmark: Benchmark) -> list[Architecture] | None:
    """Every cell the benchmark covers, when the space or the benchmark can list them (else None)."""
    if space.is_finite:
        return [a for a in space.enumerate() if benchmark.covers(a)]
    listed = benchmark.architectures()
    return None if listed is None else [a for a in listed if a.space == space.name]


def search_space_for(space: SearchSpace, benchmark: Benchmark) -> SearchSpace:
    """The space to search against ``benchmark``: a space that cannot list its cells (NAS-Bench-NLP)
    searched against a table is restricted to the table's cells (``PoolSpace``), since nothing
    else could be looked up; any other space as it is."""
    listed = None if space.is_finite else benchmark.architectures()
    if listed is None:
        return space
    from nasearch.spaces.pool import PoolSpace

    return PoolSpace(space, listed, space.pool_distance)


def sample_architectures(space: SearchSpace, benchmark: Benchmark, n: int | None, seed: int) -> list[Architecture]:
    """``n`` distinct random cells the benchmark covers (all covered cells when ``n`` is None).

    ``covers`` never trains, so this is cheap for any benchmark, a training function included.
    """
    cells = covered_cells(space, benchmark)
    if n is None:
        if cells is None:
            raise NotEnumerableError(
                f"search space {space.name!r} cannot list its cells and benchmark {benchmark.name!r} is not a "
                f"table: sample a number of cells instead (--sample N)")
        return cells
    rng = np.random.default_rng(seed)
    if cells is not None:
        if n > len(cells):
            raise ValueError(f"asked for {n} cells but {benchmark.name} covers only {len(cells)}; use --sample all")
        return [cells[i] for i in rng.choice(len(cells), size=n, replace=False)]
    seen: dict[str, Architecture] = {}
    attempts = 0
    while len(seen) < n:
        attempts += 1
        if attempts > 1000 * n:
            raise RuntimeError(f"drew {attempts - 1} cells but found only {len(seen)} that {benchmark.name} covers")
        arch = space.sample(rng)
        if benchmark.covers(arch):
            seen.setdefault(arch.text, arch)
    return list(seen.values())


def run_rounds(space: SearchSpace, strategy: str, benchmark: Benchmark, budget: int, rounds: int, seed: int = 0,
               scorer: Scorer | None = None, strategy_config: dict[str, Any] | None = None,
               progress: bool = False, distinct_networks: bool = False) -> list[SearchResult]:
    """``rounds`` independent searches; round r uses seed ``seed + r`` and shares the scorer's cache.
    ``distinct_networks`` treats cells of one network as one (see ``Strategy``)."""
    results = []
    iterator: Sequence[int] | tqdm = range(rounds)
    if progress:
        iterator = tqdm(iterator, desc=strategy, unit="round")
    for r in iterator:
        strat = registry.strategies.get(strategy, space=space, seed=seed + r, scorer=scorer,
                                        distinct_networks=distinct_networks, **(strategy_config or {}))
        results.append(run_search(strat, benchmark, budget))
    return results
