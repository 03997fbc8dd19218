"""Scoring many architectures: streamed, cached in the store, resumable, parallel over processes.

``iter_scores`` walks any iterable of architectures (a generator over a whole space is
fine) in chunks, so memory does not grow with the number of cells. For each chunk it asks
the store which cells are already scored (by the same cache key as ``ProxyScorer``), computes only the others — in
``workers`` processes, each with its own store connection and ``torch.set_num_threads(1)``
— and each score reaches the store as soon as it is computed, so an interrupted run
resumes where it stopped. Scores are the same values ``ProxyScorer`` computes and stores
(same key, same canonical representative, same seed), so both share one cache.

``score_architectures`` is the convenience form returning an array in input order.
Without a store nothing is cached between chunks.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Iterable, Iterator

import numpy as np
import torch
from tqdm import tqdm

from nasearch.architecture import Architecture
from nasearch.interfaces import Batch, Proxy, SearchSpace, Task
from nasearch.scoring import ProxyScorer, compute_score
from nasearch.store import ScoreKey, ScoreStore

_WORKER: dict = {}


def _init_worker(space: SearchSpace, proxy: Proxy, task: Task, batch: Batch, store_path: str | None,
                 key: ScoreKey, seed: int) -> None:
    torch.set_num_threads(1)
    store = ScoreStore(store_path) if store_path is not None else None
    _WORKER.update(space=space, proxy=proxy, task=task, batch=batch, store=store, key=key, seed=seed)


def _score_one(canonical: str, arch: Architecture) -> tuple[str, float, float]:
    w = _WORKER
    value, seconds = compute_score(w["space"], arch, w["task"], w["proxy"], w["batch"], w["seed"])
    if w["store"] is not None:
        w["store"].put(w["key"], canonical, value, seconds)
    return canonical, value, seconds


def score_key(space: SearchSpace, proxy: Proxy, task: Task, batch: Batch, seed: int) -> ScoreKey:
    """The store key ``ProxyScorer`` uses for this (space, proxy, task, batch, seed)."""
    return ProxyScorer(space, proxy, task, batch, None, seed).key


def iter_scores(space: SearchSpace, proxy: Proxy, task: Task, batch: Batch, archs: Iterable[Architecture],
                store: ScoreStore | None = None, seed: int = 0, workers: int = 1, chunk: int | None = None,
                progress: bool = False, total: int | None = None) -> Iterator[tuple[Architecture, float]]:
    """(architecture, raw score) for each of ``archs``, in order; see the module docstring.

    The progress bar (stderr) needs ``total`` for its ETA when ``archs`` has no ``len``."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    chunk = chunk or max(64, 8 * workers)
    keying = ProxyScorer(space, proxy, task, batch, None, seed)
    key = keying.key
    pool = None
    if workers > 1:
        # spawn: a forked child would inherit the parent's OpenMP state and may deadlock
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
            initargs=(space, proxy, task, batch, None if store is None else str(store.path), key, seed))
    if total is None and hasattr(archs, "__len__"):
        total = len(archs)  # type: ignore[arg-type]
    bar = tqdm(desc=proxy.name, unit="arch", disable=not progress, total=total, file=sys.stderr,
               mininterval=0.2 if sys.stderr.isatty() else 2.0)
    try:
        iterator = iter(archs)
        while True:
            block = list(itertools.islice(iterator, chunk))
            if not block:
                break
            canon = [keying.cache_key(a) for a in block]
            known = {c: v for c, (v, _) in store.get_many(key, canon).items()} if store is not None else {}
            todo = {}
            for c, arch in zip(canon, block):
                if c not in known:
                    todo.setdefault(c, arch)  # compute_score canonicalises when the proxy allows it
            bar.update(len(block) - len(todo))  # cells already scored, and repeats of a class
            if pool is not None:
                futures = [pool.submit(_score_one, c, a) for c, a in todo.items()]
                results = []
                for future in as_completed(futures):  # the bar moves with each score, not each chunk
                    results.append(future.result())
                    bar.update(1)
            else:
                results = []
                for c, arch in todo.items():
                    value, seconds = compute_score(space, arch, task, proxy, batch, seed)
                    if store is not None:
                        store.put(key, c, value, seconds)
                    results.append((c, value, seconds))
                    bar.update(1)
            known.update((c, v) for c, v, _ in results)
            for arch, c in zip(block, canon):
                yield arch, known[c]
    finally:
        bar.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def score_architectures(space: SearchSpace, proxy: Proxy, task: Task, batch: Batch, archs: Iterable[Architecture],
                        store: ScoreStore | None = None, seed: int = 0, workers: int = 1,
                        progress: bool = False, total: int | None = None) -> np.ndarray:
    """Raw scores of ``archs`` in input order (NaN where undefined); see ``iter_scores``."""
    return np.array([v for _, v in iter_scores(space, proxy, task, batch, archs, store, seed, workers,
                                                progress=progress, total=total)], dtype=float)


def default_workers() -> int:
    return max(1, (os.cpu_count() or 1) - 1)


