"""Running an experiment: every unfinished round of every combination as tasks on a backend
(this process, local processes, Ray; ``nasearch.backends``), in shards if asked.

The unit of work is a few rounds of one combination. Workers run them (``run_round``) and
return the result rows and the proxy scores they computed; this process alone writes both to
the results file, scores first, so a stored round always has its scores. A killed run loses at
most the rounds in flight; rerunning skips every stored round. A round's result depends only on
its seed, so every backend and every shard gives the same rows.

Local process workers read cached scores from the store file (SQLite on one machine is safe to
read from many processes); Ray workers, which may be on other hosts, never open it and keep
the scores they compute in their own memory for the rounds they run next.
"""

from __future__ import annotations

import json
import math
import time
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nasearch.backends import Backend
from nasearch.experiment.config import Combination, ExperimentConfig, ProxySpec, combinations, load_experiment
from nasearch.interfaces import Benchmark, Scorer, Strategy
from nasearch.shard import Shard
from nasearch.store import ResultStore, ScoreCache, ScoreKey, ScoreStore

_SCORERS: dict[str, Scorer] = {}

_TRAJECTORY_FIELDS = ("best_valid", "best_test", "valid_accuracy", "test_accuracy", "proxy_calls",
                      "proxy_seconds", "train_seconds", "wall_seconds")


def _pack_trajectory(trajectory: list) -> bytes:
    columns = {name: [getattr(p, name) for p in trajectory] for name in _TRAJECTORY_FIELDS}
    columns["arch"] = [p.arch for p in trajectory]
    return zlib.compress(json.dumps(columns).encode(), 6)


def combination_benchmark(config: ExperimentConfig, combination: Combination) -> Benchmark:
    """The benchmark of a combination (built once per process by the shared factory)."""
    from nasearch.factory import make_benchmark
    from nasearch.registry import spaces

    spec = combination.benchmark
    if config.share_isomorphic_accuracy and not spec.by_network:
        spec = spec.model_copy(update={"by_network": True})
    return make_benchmark(spaces.get(config.space), spec, root=config.root)


def combination_scorer(spec: ProxySpec, config: ExperimentConfig, benchmark: Benchmark, benchmark_label: str,
                       store: ScoreCache | None) -> Scorer:
    """The scorer a combination's strategy sees (cached per process: its memory serves every round)."""
    from nasearch.factory import make_scorer, table_file_scorer
    from nasearch.registry import spaces

    space = spaces.get(config.space)
    file = spec.file_for(benchmark_label)
    key = json.dumps([spec.model_dump(), file, benchmark.task.name, config.data.model_dump(), config.proxy_seed,
                      config.device, str(store)], sort_keys=True)
    if key not in _SCORERS:
        if spec.table is not None:
            scorer: Scorer = make_scorer(space, benchmark.task, f"table:{spec.table}")
        elif file is not None:
            scorer = table_file_scorer(space, config.resolve(file), spec.value_column or "", spec.key_column,
                                       spec.higher_is_better, name=spec.name)
        else:
            source = config.data.source
            if source not in ("grey", "uniform", "normal"):
                source = config.resolve(source)
            scorer = make_scorer(space, benchmark.task, spec.name, spec.config, source, config.data.batch_size,
                                 config.data.seed, config.proxy_seed, store, config.device)
        _SCORERS[key] = scorer
    return _SCORERS[key]


def run_round(config: ExperimentConfig, combination: Combination, round_index: int,
              store: ScoreCache | None) -> dict[str, Any]:
    """One search of one combination (proxy scores read from and written to ``store``); the row
    to store."""
    from nasearch.loop import run_search
    from nasearch.registry import spaces, strategies

    benchmark = combination_benchmark(config, combination)
    space = spaces.get(config.space)
    scorer = None if combination.proxy is None else combination_scorer(
        combination.proxy, config, benchmark, combination.benchmark_label, store)
    seed = config.seed + round_index
    strategy: Strategy = strategies.get(combination.strategy.name, space=space, seed=seed, scorer=scorer,
                                        distinct_networks=config.distinct_networks, **combination.strategy.config)
    result = run_search(strategy, benchmark, combination.budget,
                        manifest={"experiment": config.name, "round": round_index,
                                  "proxy": None if combination.proxy is None else combination.proxy.display})
    last = result.trajectory[-1]
    final = result.final_result
    return {
        "experiment": config.name,
        "combination": combination.key(config),
        "round": round_index,
        "benchmark": combination.benchmark_label,
        "strategy": combination.strategy.name,
        "strategy_label": combination.strategy.display,
        "proxy": "" if combination.proxy is None else combination.proxy.display,
        "seed": seed,
        "budget": combination.budget,
        "final_arch": None if result.final is None else result.final.text,
        "final_valid": None if final is None or math.isnan(final.valid_accuracy) else final.valid_accuracy,
        "final_test": None if final is None or math.isnan(final.test_accuracy) else final.test_accuracy,
        "trained": last.trained,
        "proxy_calls": last.proxy_calls,
        "proxy_seconds": last.proxy_seconds,
        "train_seconds": last.train_seconds,
        "wall_seconds": last.wall_seconds,
        "proxy_nan": result.proxy_nan,
        "repeated_proposals": result.repeated_proposals,
        "trajectory": _pack_trajectory(result.trajectory),
        "combination_spec": json.dumps(combination.spec(config), sort_keys=True),
        "manifest": json.dumps(result.manifest, sort_keys=True, default=str),
        "created": time.time(),
    }


@dataclass
class RunSummary:
    experiment: str
    store: str
    combinations: int
    rounds_run: int
    rounds_skipped: int
    seconds: float

    def __str__(self) -> str:
        noun = "combination" if self.combinations == 1 else "combinations"
        return (f"{self.experiment}: {self.combinations} {noun} of benchmark, strategy and proxy; "
                f"{self.rounds_run} rounds run, {self.rounds_skipped} already stored, {self.seconds:.1f} s "
                f"-> {self.store}")


class CollectingStore:
    """What a worker's ``ProxyScorer`` sees as its store: reads go to ``base`` (if any),
    writes are collected for the driver to store."""

    def __init__(self, base: ScoreStore | None, label: str):
        self.base, self._label = base, label
        self._collected: dict[ScoreKey, list[tuple[str, float, float]]] = {}

    def get_many(self, key: ScoreKey, archs: Any) -> dict[str, tuple[float, float]]:
        return self.base.get_many(key, archs) if self.base is not None else {}

    def put_many(self, key: ScoreKey, rows: Any) -> None:
        self._collected.setdefault(key, []).extend(rows)

    def drain(self) -> list[tuple[ScoreKey, list[tuple[str, float, float]]]]:
        out = list(self._collected.items())
        self._collected = {}
        return out

    def __str__(self) -> str:  # part of the per-process scorer cache key (combination_scorer)
        return self._label


_COLLECTORS: dict[tuple[str, bool], CollectingStore] = {}


def _collector(store_path: str, read: bool) -> CollectingStore:
    key = (store_path, read)
    if key not in _COLLECTORS:
        base = ScoreStore(store_path) if read else None
        _COLLECTORS[key] = CollectingStore(base, f"collect:{store_path}:{read}")
    return _COLLECTORS[key]


@lru_cache(maxsize=8)
def _config(text: str) -> ExperimentConfig:
    return ExperimentConfig(**json.loads(text))


@dataclass(frozen=True)
class RoundsJob:
    """What every rounds task shares (sent to each worker once)."""

    config_json: str
    store_path: str
    read_scores: bool


def run_rounds_task(job: RoundsJob, item: tuple[int, list[int]]) -> tuple[list[dict], list]:
    """Rows of ``rounds`` of cell ``index``, and the scores computed meanwhile."""
    index, rounds = item
    config = _config(job.config_json)
    cell = combinations(config)[index]
    collector = _collector(job.store_path, job.read_scores)
    rows = [run_round(config, cell, r, collector) for r in rounds]  # type: ignore[arg-type]
    return rows, collector.drain()


def plan(config: ExperimentConfig, finished: dict[int, set[int]], workers: int, shard: Shard | None = None,
         max_rounds: int | None = None) -> list[tuple[int, list[int]]]:
    """(cell index, rounds) tasks for the unfinished rounds of this shard, a few rounds each."""
    pairs = [(c, r) for c in range(len(combinations(config))) for r in range(config.rounds)]
    if shard is not None:
        pairs = list(shard.select(pairs))
    todo = [(c, r) for c, r in pairs if r not in finished.get(c, set())]
    if max_rounds is not None:
        todo = todo[:max_rounds]
    per_task = max(1, math.ceil(config.rounds / max(1, 4 * workers)))
    tasks: list[tuple[int, list[int]]] = []
    for c, r in todo:
        if tasks and tasks[-1][0] == c and len(tasks[-1][1]) < per_task:
            tasks[-1][1].append(r)
        else:
            tasks.append((c, [r]))
    return tasks


def run_on_backend(config: ExperimentConfig, backend: Backend, store_path: str | Path, resume: bool = True,
                   max_rounds: int | None = None, progress: bool = False, shard: Shard | None = None) -> RunSummary:
    """Run this shard's unfinished rounds on ``backend``; only this process writes ``store_path``."""
    store_path = Path(store_path)
    results = ResultStore(store_path)
    scores = ScoreStore(store_path)
    if not resume:
        results.delete(config.name)
    all_combinations = combinations(config)
    finished = {i: results.finished_rounds(config.name, cell.key(config)) for i, cell in enumerate(all_combinations)}
    tasks = plan(config, finished, backend.workers, shard, max_rounds)
    pairs = [(c, r) for c in range(len(all_combinations)) for r in range(config.rounds)]
    skipped = sum(r in finished[c] for c, r in (shard.select(pairs) if shard else pairs))
    total = sum(len(rounds) for _, rounds in tasks)
    job = RoundsJob(config.model_dump_json(), str(store_path), read_scores=backend.name != "ray")
    start = time.perf_counter()
    ran = 0
    from tqdm import tqdm

    with tqdm(total=total, desc=config.name, unit="round", disable=not progress) as bar:
        for rows, computed in backend.map(run_rounds_task, job, tasks):
            for key, score_rows in computed:
                scores.put_many(key, score_rows)
            for row in rows:
                results.put(row)
            ran += len(rows)
            bar.update(len(rows))
    return RunSummary(config.name, str(store_path), len(all_combinations), ran, skipped, time.perf_counter() - start)


def run_experiment(config: ExperimentConfig, workers: int = 1, store_path: str | Path | None = None,
                   resume: bool = True, max_rounds: int | None = None, progress: bool = False,
                   backend: Backend | None = None, shard: Shard | None = None) -> RunSummary:
    """Run every unfinished round of every combination (of this ``shard``) on ``backend``
    (default: this process for ``workers`` <= 1, else that many local processes); ``max_rounds``
    stops after that many rounds (the rest is left for a later, resumed run)."""
    from nasearch.backends import InlineBackend, ProcessBackend
    from nasearch.store import default_store_path

    store_path = Path(store_path or config.store or default_store_path())
    owned = backend is None
    if backend is None:
        backend = InlineBackend() if workers <= 1 else ProcessBackend(workers)
    try:
        return run_on_backend(config, backend, store_path, resume, max_rounds, progress, shard)
    finally:
        if owned:
            backend.close()


def run_experiment_file(path: str | Path, workers: int = 1, store_path: str | Path | None = None,
                        resume: bool = True, max_rounds: int | None = None, progress: bool = False,
                        backend: Backend | None = None, shard: Shard | None = None) -> RunSummary:
    """Load, check and run an experiment file (see ``nasearch.experiment.config``)."""
    return run_experiment(load_experiment(path), workers, store_path, resume, max_rounds, progress, backend, shard)
