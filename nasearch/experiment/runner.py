"""Running an experiment: every unfinished round of every combination, in parallel processes,
each finished round stored at once (so an interrupted run resumes where it stopped)."""

from __future__ import annotations

import json
import math
import multiprocessing
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from nasearch.experiment.config import Combination, ExperimentConfig, ProxySpec, combinations, load_experiment
from nasearch.interfaces import Benchmark, Scorer, Strategy
from nasearch.store import ResultStore

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
                       store_path: Path | None) -> Scorer:
    """The scorer a combination's strategy sees (cached per process: its memory serves every round)."""
    from nasearch.factory import make_scorer, table_file_scorer
    from nasearch.registry import spaces
    from nasearch.store import ScoreStore

    space = spaces.get(config.space)
    file = spec.file_for(benchmark_label)
    key = json.dumps([spec.model_dump(), file, benchmark.task.name, config.data.model_dump(), config.proxy_seed,
                      str(store_path)], sort_keys=True)
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
            store = ScoreStore(store_path) if store_path is not None else None
            scorer = make_scorer(space, benchmark.task, spec.name, spec.config, source, config.data.batch_size,
                                 config.data.seed, config.proxy_seed, store)
        _SCORERS[key] = scorer
    return _SCORERS[key]


def run_round(config: ExperimentConfig, combination: Combination, round_index: int,
              store_path: Path | None) -> dict[str, Any]:
    """One search of one combination; the row to store."""
    from nasearch.loop import run_search
    from nasearch.registry import spaces, strategies

    benchmark = combination_benchmark(config, combination)
    space = spaces.get(config.space)
    scorer = None if combination.proxy is None else combination_scorer(
        combination.proxy, config, benchmark, combination.benchmark_label, store_path)
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


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)


Job = tuple[dict, int, list[int], str]


def _run_job(job: Job) -> int:
    config_dict, index, rounds, store_path = job
    config = ExperimentConfig(**config_dict)
    combination = combinations(config)[index]
    store = ResultStore(store_path)
    for round_index in rounds:
        store.put(run_round(config, combination, round_index, Path(store_path)))
    return len(rounds)


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


def run_experiment(config: ExperimentConfig, workers: int = 1, store_path: str | Path | None = None,
                   resume: bool = True, max_rounds: int | None = None, progress: bool = False) -> RunSummary:
    """Run every unfinished round of every combination; ``max_rounds`` stops after that many
    rounds (the rest is left for a later, resumed run)."""
    from nasearch.store import default_store_path

    store_path = Path(store_path or config.store or default_store_path())
    store = ResultStore(store_path)
    if not resume:
        store.delete(config.name)
    all_combinations = combinations(config)
    jobs: list[Job] = []
    skipped = 0
    chunk = max(1, math.ceil(config.rounds / max(1, 4 * workers)))
    for index, combination in enumerate(all_combinations):
        done = store.finished_rounds(config.name, combination.key(config))
        todo = [r for r in range(config.rounds) if r not in done]
        skipped += config.rounds - len(todo)
        for start in range(0, len(todo), chunk):
            jobs.append((config.model_dump(), index, todo[start:start + chunk], str(store_path)))
    if max_rounds is not None:
        jobs = _truncate(jobs, max_rounds)
    start = time.perf_counter()
    total = sum(len(job[2]) for job in jobs)
    ran = 0
    if workers <= 1 or len(jobs) <= 1:
        import torch

        threads = torch.get_num_threads()
        _worker_init()
        try:
            for job in _progress(jobs, total, progress, config.name):
                ran += _run_job(job)
        finally:
            torch.set_num_threads(threads)  # the caller's setting, as it was
    else:
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers, initializer=_worker_init) as pool:
            for count in _progress_counts(pool.imap_unordered(_run_job, jobs), total, progress, config.name):
                ran += count
    return RunSummary(config.name, str(store_path), len(all_combinations), ran, skipped,
                      time.perf_counter() - start)


def _truncate(jobs: list[Job], max_rounds: int) -> list[Job]:
    kept, left = [], max_rounds
    for config_dict, index, rounds, path in jobs:
        if left <= 0:
            break
        kept.append((config_dict, index, rounds[:left], path))
        left -= len(rounds[:left])
    return kept


def _progress(jobs: list[Job], total: int, enabled: bool, name: str) -> Iterable[Job]:
    if not enabled:
        yield from jobs
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=name, unit="round") as bar:
        for job in jobs:
            yield job
            bar.update(len(job[2]))


def _progress_counts(counts: Iterable[int], total: int, enabled: bool, name: str) -> Iterable[int]:
    if not enabled:
        yield from counts
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=name, unit="round") as bar:
        for count in counts:
            bar.update(count)
            yield count


def run_experiment_file(path: str | Path, workers: int = 1, store_path: str | Path | None = None,
                        resume: bool = True, max_rounds: int | None = None, progress: bool = False) -> RunSummary:
    """Load, check and run an experiment file (see ``nasearch.experiment.config``)."""
    return run_experiment(load_experiment(path), workers, store_path, resume, max_rounds, progress)
