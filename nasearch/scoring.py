"""Scoring architectures with a proxy: network building, caching, counting and timing.

``ProxyScorer`` is the bridge between the parts: it builds a space's network for a task,
hands it to a proxy with one fixed minibatch, stores the result, and is what a strategy
sees as its ``Scorer`` (``scorer(arch)`` returns the score oriented so that higher is
better; NaN stays NaN).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Callable, Iterable, Sequence

import numpy as np
import torch

from nasearch import progress as _progress
from nasearch.architecture import Architecture
from nasearch.interfaces import Batch, DeadBranchSkipping, NoNetworkError, Proxy, SearchSpace, Task
from nasearch.scorer_base import RawScorer
from nasearch.store import ScoreCache, ScoreKey


def build_model(space: SearchSpace, arch: Architecture, task: Task, proxy: Proxy, seed: int) -> torch.nn.Module:
    """The network of ``arch`` as ``proxy`` needs it.

    Proxies that overwrite every weight (``needs_random_init = False``) get a network built on
    the meta device, with no memory allocated and no initialisation run; they materialise
    what they need themselves.
    """
    if not space.can_build(task):
        raise NoNetworkError(space._no_network_message(task))
    proxy.check_task(task)
    if not proxy.needs_random_init:
        with torch.device("meta"):
            model = space.build(arch, task)
    else:
        torch.manual_seed(seed)
        model = space.build(arch, task)
    if not proxy.needs_dead_branches and isinstance(model, DeadBranchSkipping):
        model.skip_dead_branches()
    if proxy.prefers_channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model


class ProxyError(RuntimeError):
    """A proxy failed on one architecture (the message names the proxy, the cell and the cause)."""


def check_batch(batch: Batch, task: Task) -> None:
    """Refuse a minibatch no proxy can use, saying what is wrong (empty, NaN, wrong shape or dtype)."""
    x = batch.inputs
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"batch inputs must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim == 0 or x.shape[0] == 0:
        raise ValueError(f"the minibatch is empty (inputs of shape {tuple(x.shape)}): use a batch size >= 1")
    if task.kind == "image":
        if not x.is_floating_point():
            raise TypeError(f"image inputs must be floating point, got {x.dtype}: scale pixels to floats "
                            "(nasearch.data.make_batch does this for uint8)")
        expected = tuple(task.input_shape)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(f"task {task.name!r} takes images (N, {', '.join(map(str, expected))}), "
                             f"got inputs of shape {tuple(x.shape)}")
    if x.is_floating_point() and x.device.type != "meta" and not bool(torch.isfinite(x).all()):
        raise ValueError("the minibatch holds NaN or infinite values: clean the data before scoring")
    if task.kind == "language":
        if batch.labels is not None and batch.labels.numel() != x.numel():
            raise ValueError(f"{batch.labels.numel()} next-token targets for {x.numel()} tokens: give one per token")
    elif batch.labels is not None and batch.labels.shape[:1] != x.shape[:1]:
        raise ValueError(f"{batch.labels.shape[0]} labels for {x.shape[0]} inputs: give one label per input")


def resolve_device(device: str | torch.device | None) -> torch.device:
    """A torch device that exists here; ``None`` means the CPU."""
    if device is None:
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}: use cpu, cuda or cuda:N") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} asked for, but this torch build sees no CUDA GPU "
                             f"(torch {torch.__version__}): use --device cpu or install a CUDA build of torch")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device {device!r}: only {torch.cuda.device_count()} CUDA device(s) here")
    elif dev.type not in ("cpu", "mps"):
        raise ValueError(f"unsupported device {device!r}: use cpu, cuda or cuda:N")
    return dev


def batch_to(batch: Batch, device: torch.device) -> Batch:
    """``batch`` on ``device`` (the same object when it is already there)."""
    if batch.inputs.device == device:
        return batch
    labels = None if batch.labels is None else batch.labels.to(device)
    return dataclasses.replace(batch, inputs=batch.inputs.to(device), labels=labels)


def batch_for(proxy: Proxy, batch: Batch) -> Batch:
    """``batch`` in the memory layout the proxy runs fastest with (same values)."""
    if proxy.prefers_channels_last and batch.inputs.ndim == 4:
        return dataclasses.replace(batch, inputs=batch.inputs.contiguous(memory_format=torch.channels_last))
    return batch


def compute_score(space: SearchSpace, arch: Architecture, task: Task, proxy: Proxy, batch: Batch,
                  seed: int, device: torch.device | None = None) -> tuple[float, float]:
    """(raw proxy value, seconds) for one architecture, on ``device`` (default: the CPU).

    An isomorphism-invariant proxy is computed on the canonical representative, so every
    cell of a class gets the same value whichever is scored first. An infinite value is
    undefined, like every proxy's own non-finite results: it becomes NaN (unless the proxy
    declares ``infinite_values``). A proxy that raises
    or returns something other than one number raises ``ProxyError`` naming the cell.
    """
    start = time.perf_counter()
    if proxy.isomorphism_invariant:
        arch = space.canonical(arch)
    model, batch = prepare(space, arch, task, proxy, batch, seed, device)
    try:
        raw = proxy.score(model, batch)
    except (NoNetworkError, ProxyError):
        raise
    except Exception as err:
        raise ProxyError(f"proxy {proxy.name!r} failed on {arch.text}: {type(err).__name__}: {err}") from err
    try:
        value = float(raw)
    except (TypeError, ValueError, RuntimeError):
        raise ProxyError(f"proxy {proxy.name!r} returned {type(raw).__name__} {raw!r:.60} for {arch.text}, "
                         "not one number") from None
    if math.isinf(value) and not proxy.infinite_values:
        value = math.nan
    return value, time.perf_counter() - start


def prepare(space: SearchSpace, arch: Architecture, task: Task, proxy: Proxy, batch: Batch,
            seed: int, device: torch.device | None = None) -> tuple[torch.nn.Module, Batch]:
    """The network and batch exactly as ``proxy.score`` gets them from ``compute_score``
    (seeded, built as the proxy needs, in its preferred layout, on ``device``; the RNG
    re-seeded for the score). A meta-device network stays on the meta device (the proxy
    materialises it on the batch's device)."""
    model = build_model(space, arch, task, proxy, seed)
    if device is not None and device.type != "cpu":
        batch = batch_to(batch, device)
        if proxy.needs_random_init:
            model = model.to(device)
    if proxy.needs_random_init:
        torch.manual_seed(seed)
    return model, batch_for(proxy, batch)


class ProxyScorer(RawScorer):
    """Scores architectures of ``space`` with ``proxy`` on ``batch``, cached in ``store``."""

    def __init__(self, space: SearchSpace, proxy: Proxy, task: Task, batch: Batch,
                 store: ScoreCache | None = None, seed: int = 0, device: str | torch.device | None = None):
        if not space.can_build(task):
            raise NoNetworkError(space._no_network_message(task))
        proxy.check_task(task)
        check_batch(batch, task)
        self.device = resolve_device(device)  # not part of the key: devices differ by rounding only
        self.space, self.proxy, self.task, self.batch = space, proxy, task, batch
        self.store = store
        self.seed = seed
        self.key = ScoreKey.make(
            space=f"{space.name}/{task.name}",
            proxy=proxy.name,
            config=proxy.config_dict(),
            data=batch.fingerprint if proxy.needs_data else "-",
            seed=seed if proxy.needs_random_init else 0,
        )
        self._memory: dict[str, float] = {}
        # seconds each score took when it was computed, here or in an earlier process (the
        # store keeps them): what charged_seconds adds up
        self._cost: dict[str, float] = {}
        self._start_counting()
        # show a bar (total and ETA, on stderr) whenever one call computes many scores, e.g. a
        # strategy's warm-up pool; the command line turns this on
        self.progress = False
        # computes (some of) a call's missing scores elsewhere before the rest are computed here:
        # (scorer, cells, show progress) -> None, keeping them with ``remember``;
        # ``nasearch.parallel.use_backend`` sets one that shares large calls out to a backend
        self.prefetch: Callable[[ProxyScorer, list[Architecture], bool], None] | None = None

    def cache_key(self, arch: Architecture) -> str:
        """Canonical key for isomorphism-invariant proxies, else the cell's own string."""
        return self.space.canonical_key(arch) if self.proxy.isomorphism_invariant else arch.text

    def raw_many(self, archs: Sequence[Architecture], progress: bool | None = None,
                 flush_every: int = 64) -> np.ndarray:
        """Scores of ``archs`` in order; computes only what neither memory nor store holds.

        Computed scores reach the store every ``flush_every`` architectures, so an
        interrupted run loses at most that many. ``progress`` (default: ``self.progress``)
        shows a bar when 20 or more scores are computed.
        """
        keys = [self.cache_key(a) for a in archs]
        missing = [k for k in dict.fromkeys(keys) if k not in self._memory]
        if missing and self.store is not None:
            for key, (value, seconds) in self.store.get_many(self.key, missing).items():
                self._memory[key], self._cost[key] = value, seconds
        todo: dict[str, Architecture] = {}
        for key, arch in zip(keys, archs):
            if key not in self._memory:
                todo.setdefault(key, arch)
        show = self.progress if progress is None else progress
        if self.prefetch is not None and todo:
            self.prefetch(self, list(todo.values()), show)
            todo = {key: arch for key, arch in todo.items() if key not in self._memory}
        pending: list[tuple[str, float, float]] = []
        items: Iterable = todo.items()
        if show and len(todo) >= 20:
            items = _progress.bar(items, total=len(todo), desc=f"{self.proxy.name}", unit="arch")
        try:
            for key, arch in items:
                value, seconds = compute_score(self.space, arch, self.task, self.proxy, self.batch, self.seed,
                                               self.device)
                self._memory[key], self._cost[key] = value, seconds
                self.computed += 1
                self.seconds += seconds
                pending.append((key, value, seconds))
                if len(pending) >= flush_every:
                    self._flush(pending)
        finally:
            self._flush(pending)
        values = np.array([self._memory[k] for k in keys], dtype=float)
        self._hand_out(values, keys, lambda key: self._cost.get(key, 0.0))
        return values

    def not_in_memory(self, archs: Sequence[Architecture]) -> list[Architecture]:
        """One cell per cache key of ``archs`` whose score this scorer does not hold yet."""
        return list({k: a for a in archs if (k := self.cache_key(a)) not in self._memory}.values())

    def remember(self, results: Iterable[tuple[str, float, float]]) -> None:
        """Keep (cache key, value, seconds) scores computed elsewhere (a backend's workers)."""
        for key, value, seconds in results:
            self._memory[key], self._cost[key] = value, seconds
            self.computed += 1
            self.seconds += seconds

    def seconds_per_arch(self, archs: Sequence[Architecture]) -> float:
        """Mean time one score of ``archs`` took to compute (including stored ones)."""
        costs = [self._cost[k] for k in {self.cache_key(a) for a in archs} if k in self._cost]
        return float(np.mean(costs)) if costs else math.nan

    def _flush(self, pending: list[tuple[str, float, float]]) -> None:
        if pending and self.store is not None:
            self.store.put_many(self.key, pending)
        pending.clear()

    def stats(self) -> dict[str, float]:
        return {
            "calls": self.calls,
            "computed": self.computed,
            "seconds": self.seconds,
            "seconds_per_arch": self.seconds / self.computed if self.computed else math.nan,
            "nan": self.nan,
        }
