"""Scoring many architectures: streamed, cached in the store, resumable, on any backend.

``iter_scores`` walks any iterable of architectures (a generator over a whole space is
fine) in blocks, so memory does not grow with the number of cells. For each block it asks
the store which cells are already scored (by the same cache key as ``ProxyScorer``) and sends
only the others to the backend (``nasearch.backends``: this process, local processes or Ray)
in tasks of ``cells_per_task`` cells (default: the backend's; the progress bar moves once per
task): the space, proxy and minibatch travel to each worker
once, workers return scores, and this process alone writes them to the store, one
transaction per task, as they arrive, so an interrupted run resumes where it stopped.
Scores are the values ``ProxyScorer`` computes and stores (same key, same canonical
representative, same seed), so both share one cache, and every backend gives the same numbers.

``score_architectures`` is the convenience form returning an array in input order.
Without a store nothing is cached between blocks.
"""

from __future__ import annotations

import collections
import itertools
import sys
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import torch
from tqdm import tqdm

from nasearch.architecture import Architecture
from nasearch.backends import Backend, InlineBackend, ProcessBackend, default_workers  # noqa: F401 (re-export)
from nasearch.interfaces import Batch, Proxy, SearchSpace, Task
from nasearch.scoring import ProxyScorer, compute_score, resolve_device
from nasearch.store import ScoreKey, ScoreStore


@dataclass(frozen=True)
class ScoringJob:
    """What every scoring task shares (sent to each worker once)."""

    space: SearchSpace
    proxy: Proxy
    task: Task
    batch: Batch
    seed: int
    device: str


def score_chunk(job: ScoringJob, chunk: list[tuple[str, Architecture]]) -> list[tuple[str, float, float]]:
    """(cache key, raw score, seconds) for each (cache key, architecture) of ``chunk``."""
    device = torch.device(job.device)
    out = []
    for key, arch in chunk:
        value, seconds = compute_score(job.space, arch, job.task, job.proxy, job.batch, job.seed, device)
        out.append((key, value, seconds))
    return out


def score_key(space: SearchSpace, proxy: Proxy, task: Task, batch: Batch, seed: int) -> ScoreKey:
    """The store key ``ProxyScorer`` uses for this (space, proxy, task, batch, seed)."""
    return ProxyScorer(space, proxy, task, batch, None, seed).key


@dataclass
class _Block:
    archs: list[Architecture]
    keys: list[str]
    known: dict[str, float]
    tasks_left: int
    shown: int = 0  # cells of this block already counted on the progress bar


def iter_scores(space: SearchSpace, proxy: Proxy, task: Task, batch: Batch, archs: Iterable[Architecture],
                store: ScoreStore | None = None, seed: int = 0, workers: int = 1, chunk: int | None = None,
                progress: bool = False, backend: Backend | None = None, cells_per_task: int | None = None,
                device: str | None = None,
                sink: Callable[[list[tuple[str, float, float]]], None] | None = None,
                total: int | None = None) -> Iterator[tuple[Architecture, float]]:
    """(architecture, raw score) for each of ``archs``, in order; see the module docstring.

    ``backend`` None uses ``workers`` local processes (1: this process). ``chunk`` is the
    number of cells looked up in the store at once. ``sink`` also receives every computed
    (cache key, score, seconds), as the store does. The progress bar (stderr) needs ``total``
    for its ETA when ``archs`` has no ``len``.
    """
    if backend is None:
        backend = ProcessBackend(workers)
    per_task = cells_per_task or backend.cells_per_task
    if per_task < 1:
        raise ValueError(f"cells per task must be >= 1, got {per_task}")
    keying = ProxyScorer(space, proxy, task, batch, None, seed, device)
    job = ScoringJob(space, proxy, task, batch, seed, str(keying.device))
    block_size = chunk or max(256, 2 * per_task * backend.workers)
    blocks: collections.deque[_Block] = collections.deque()

    def tasks() -> Iterator[list[tuple[str, Architecture]]]:
        iterator = iter(archs)
        while block := list(itertools.islice(iterator, block_size)):
            keys = [keying.cache_key(a) for a in block]
            known = {k: v for k, (v, _) in store.get_many(keying.key, keys).items()} if store is not None else {}
            todo: dict[str, Architecture] = {}
            for key, arch in zip(keys, block):
                if key not in known:
                    todo.setdefault(key, arch)  # compute_score canonicalises when the proxy allows it
            pending = list(todo.items())
            groups = [pending[i:i + per_task] for i in range(0, len(pending), per_task)]
            blocks.append(_Block(block, keys, known, len(groups)))
            yield from groups

    backend.prepare(job)  # workers started (and announced) before the bar is drawn
    if total is None and hasattr(archs, "__len__"):
        total = len(archs)  # type: ignore[arg-type]
    bar = tqdm(desc=proxy.name, unit="arch", disable=not progress, total=total, file=sys.stderr,
               mininterval=2.0 if not sys.stderr.isatty() else 0.2)

    def finished() -> Iterator[tuple[Architecture, float]]:
        while blocks and blocks[0].tasks_left == 0:
            block = blocks.popleft()
            bar.update(len(block.archs) - block.shown)
            for arch, key in zip(block.archs, block.keys):
                yield arch, block.known[key]

    try:
        for results in backend.map(score_chunk, job, tasks()):
            yield from finished()
            if store is not None:
                store.put_many(keying.key, results)  # the driver is the only writer
            if sink is not None:
                sink(results)
            head = blocks[0]
            head.known.update((k, v) for k, v, _ in results)
            head.tasks_left -= 1
            if head.tasks_left:  # the bar moves with every task, not only with every block of cells
                bar.update(len(results))
                head.shown += len(results)
            yield from finished()
        yield from finished()
    finally:
        bar.close()


def score_architectures(space: SearchSpace, proxy: Proxy, task: Task, batch: Batch, archs: Iterable[Architecture],
                        store: ScoreStore | None = None, seed: int = 0, workers: int = 1,
                        progress: bool = False, backend: Backend | None = None,
                        device: str | None = None, total: int | None = None) -> np.ndarray:
    """Raw scores of ``archs`` in input order (NaN where undefined); see ``iter_scores``."""
    return np.array([v for _, v in iter_scores(space, proxy, task, batch, archs, store, seed, workers,
                                                progress=progress, backend=backend, device=device, total=total)],
                    dtype=float)


def use_backend(scorer: ProxyScorer, backend: Backend | None) -> None:
    """Make ``scorer`` compute a call's missing scores on ``backend`` (local processes, Ray)
    whenever they fill at least two tasks per worker, e.g. a strategy's warm-up pool; smaller
    calls are computed in this process. The workers return scores; this process keeps them and
    writes the store. None: compute everything in this process. The caller closes the backend."""
    if backend is None:
        scorer.prefetch = None
        return
    enough = 2 * backend.workers * backend.cells_per_task

    def prefetch(target: ProxyScorer, archs: list[Architecture], show: bool) -> None:
        if len(archs) >= enough:
            _compute_on(target, archs, backend, show and len(archs) >= 20)

    scorer.prefetch = prefetch


def raw_many_on(scorer: ProxyScorer, archs: Sequence[Architecture], backend: Backend,
                progress: bool = False) -> np.ndarray:
    """``scorer.raw_many(archs)`` with the missing scores computed by ``backend``: workers return
    scores, this process alone keeps them (``scorer.remember``) and writes the store."""
    _compute_on(scorer, scorer.not_in_memory(archs), backend, progress)
    return scorer.raw_many(archs)


def _compute_on(scorer: ProxyScorer, archs: Sequence[Architecture], backend: Backend, progress: bool) -> None:
    """Scores of ``archs`` computed by ``backend`` (or read from the store) into ``scorer``'s memory."""
    for _ in iter_scores(scorer.space, scorer.proxy, scorer.task, scorer.batch, archs, scorer.store, scorer.seed,
                         backend=backend, progress=progress, device=str(scorer.device), sink=scorer.remember):
        pass
