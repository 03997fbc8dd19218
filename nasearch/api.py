"""Convenience functions that wire the parts together (used by the CLI and by users)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from tqdm import tqdm

from nasearch import registry
from nasearch.architecture import Architecture
from nasearch.data import load_batch
from nasearch.ensemble import EnsembleScorer, ensemble_scorer
from nasearch.interfaces import Benchmark, NotEnumerableError, SearchSpace, Task
from nasearch.loop import SearchResult, run_search
from nasearch.proxies.table import TableScorer
from nasearch.proxies.table_presets import table_from_spec
from nasearch.scoring import ProxyScorer
from nasearch.store import ScoreStore


def make_space(name: str, **config: Any) -> SearchSpace:
    return registry.spaces.get(name, **config)


def make_scorer(space: SearchSpace, task: Task, proxy: str, proxy_config: dict[str, Any] | None = None,
                data: str = "grey", batch_size: int = 256, data_seed: int = 0, proxy_seed: int = 0,
                store: ScoreStore | None = None) -> ProxyScorer | TableScorer | EnsembleScorer:
    """A ProxyScorer for ``proxy`` with a minibatch from ``data`` (grey|uniform|normal|path.npz), or,
    for ``table:PRESET`` / ``table:PATH:COLUMN``, the TableScorer of that table (see
    ``nasearch.proxies.table_presets.table_from_spec``; the data and seed options are then unused), or,
    for ``a+b+c`` or a preset such as ``az_nas``, the ``EnsembleScorer`` of those proxies (rank-combined)."""
    # issue 14: "a+b+c" (rank average) or a preset such as az_nas -> an EnsembleScorer
    ensemble = ensemble_scorer(proxy, lambda name: make_scorer(space, task, name, None, data, batch_size, data_seed,
                                                               proxy_seed, store), space)
    if ensemble is not None:
        if proxy_config:
            raise ValueError(f"{proxy} is an ensemble: set its components' options through the Python API "
                             "(nasearch.ensemble.EnsembleScorer), not --proxy-option")
        return ensemble
    if proxy.startswith("table:"):
        if proxy_config:
            raise ValueError(f"{proxy} reads its scores from a table: it takes no proxy options")
        return table_from_spec(proxy.removeprefix("table:"), space, task)
    if batch_size < 1:
        raise ValueError(f"batch size must be positive, got {batch_size}")
    proxy_obj = registry.proxies.get(proxy, **(proxy_config or {}))
    batch = load_batch(data, task, batch_size, seed=data_seed)
    return ProxyScorer(space, proxy_obj, task, batch, store=store, seed=proxy_seed)


def covered_cells(space: SearchSpace, benchmark: Benchmark) -> list[Architecture] | None:
    """Every cell the benchmark covers, when the space or the benchmark can list them (else None)."""
    if space.is_finite:
        return [a for a in space.enumerate() if benchmark.covers(a)]
    listed = benchmark.architectures()
    return None if listed is None else [a for a in listed if a.space == space.name]


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
               scorer: ProxyScorer | TableScorer | None = None, strategy_config: dict[str, Any] | None = None,
               progress: bool = False) -> list[SearchResult]:
    """``rounds`` independent searches; round r uses seed ``seed + r`` and shares the scorer's cache."""
    results = []
    iterator: Sequence[int] | tqdm = range(rounds)
    if progress:
        iterator = tqdm(iterator, desc=strategy, unit="round")
    for r in iterator:
        strat = registry.strategies.get(strategy, space=space, seed=seed + r, scorer=scorer,
                                        **(strategy_config or {}))
        results.append(run_search(strat, benchmark, budget))
    return results
