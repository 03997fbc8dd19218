"""Experiment rounds as tasks on any backend (this process, local processes, Ray), in shards.

The unit of work is a few rounds of one cell. Workers run them (``experiment.run_round``)
and return the result rows and the proxy scores they computed; this process alone writes
both to the results file, scores first, so a stored round always has its scores. A killed
run loses at most the rounds in flight; rerunning skips every stored round. A round's
result depends only on its seed, so every backend and every shard gives the same rows.

Local process workers read cached scores from the store file (SQLite on one machine is
safe to read from many processes); Ray workers, which may be on other hosts, never open it
and keep the scores they compute in their own memory for the rounds they run next.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nasearch.backends import Backend
from nasearch.experiment import ExperimentConfig, ResultStore, RunSummary, cells, run_round
from nasearch.shard import Shard
from nasearch.store import ScoreKey, ScoreStore


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

    def __str__(self) -> str:  # part of the per-process scorer cache key in nasearch.experiment
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
    """Rows of ``rounds`` of cell ``cell_index``, and the scores computed meanwhile."""
    cell_index, rounds = item
    config = _config(job.config_json)
    cell = cells(config)[cell_index]
    collector = _collector(job.store_path, job.read_scores)
    rows = [run_round(config, cell, r, collector) for r in rounds]  # type: ignore[arg-type]
    return rows, collector.drain()


def plan(config: ExperimentConfig, finished: dict[int, set[int]], workers: int, shard: Shard | None = None,
         max_rounds: int | None = None) -> list[tuple[int, list[int]]]:
    """(cell index, rounds) tasks for the unfinished rounds of this shard, a few rounds each."""
    pairs = [(c, r) for c in range(len(cells(config))) for r in range(config.rounds)]
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
    all_cells = cells(config)
    finished = {i: results.finished_rounds(config.name, cell.key(config)) for i, cell in enumerate(all_cells)}
    tasks = plan(config, finished, backend.workers, shard, max_rounds)
    pairs = [(c, r) for c in range(len(all_cells)) for r in range(config.rounds)]
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
    return RunSummary(config.name, str(store_path), len(all_cells), ran, skipped, time.perf_counter() - start)
