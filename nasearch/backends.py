"""Where parallel work runs: in this process, in local processes, or on a Ray cluster.

Every call runs with ``threads`` torch threads (default 1) whatever the backend, so the
numbers are bit-identical across backends (intra-op threads change summation order) and
cores are used by processes, not by threads spinning against each other (measured 40x
faster per cell on a loaded 2-core machine: experiments/scale/threads.md).

Every backend does one thing, ``backend.map(fn, shared, items)``: it calls ``fn(shared, item)``
for each item and yields the results **in input order**. ``shared`` is what every call needs
(a minibatch, a proxy, an experiment config): it is sent to each worker once, not once per
item (a process pool installs it in each of its workers once per map; Ray puts it in the
object store once). At most
``in_flight`` items are outstanding at a time, so memory stays flat however long ``items`` is.
Workers only compute and return; the caller (the driver) is the only one writing the store, so
results are the same whichever backend ran them and SQLite never sees a second host.

``fn`` must be a module-level function (it is pickled by reference).
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")
R = TypeVar("R")

BACKENDS = ("process", "ray")


def machine_cores() -> int:
    """Cores this process may use (the affinity mask, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """One single-threaded worker per usable core (measured faster than threads on one
    process for per-cell proxies: see experiments/scale/threads.md)."""
    return machine_cores()


@runtime_checkable
class Backend(Protocol):
    name: str
    workers: int
    # cells a scoring task carries by default: enough to amortise the per-task overhead, few
    # enough that progress shows every few seconds (a cell takes 20 ms to seconds)
    cells_per_task: int

    def map(self, fn: Callable[[Any, T], R], shared: Any, items: Iterable[T]) -> Iterator[R]: ...

    def prepare(self, shared: Any) -> None:
        """Get the workers ready with ``shared`` (starting them if need be) before a ``map`` with
        that very object, so a caller can show progress from then on; ``map`` does it otherwise."""
        ...

    def close(self) -> None: ...


def _set_threads(threads: int) -> None:
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


class InlineBackend:
    """Runs every call here, one after another, with ``threads`` torch threads (restored after);
    nothing is pickled."""

    name = "inline"
    workers = 1
    cells_per_task = 1  # no overhead per task

    def __init__(self, threads: int = 1):
        self.threads = _positive("threads", threads)

    def map(self, fn: Callable[[Any, T], R], shared: Any, items: Iterable[T]) -> Iterator[R]:
        previous = _torch_threads()
        _set_threads(self.threads)
        try:
            for item in items:
                yield fn(shared, item)
        finally:
            _set_threads(previous)

    def prepare(self, shared: Any) -> None:
        pass

    def close(self) -> None:
        pass


_SHARED: dict[str, Any] = {}


def _process_init(barrier: Any, threads: int) -> None:
    _set_threads(threads)
    _SHARED["barrier"] = barrier


def _install_shared(generation: int, shared: Any) -> int:
    """Keep ``shared`` for the calls of map ``generation``. Every worker runs exactly one of
    these per map: each waits at the barrier until all ``workers`` hold one."""
    _SHARED["value"], _SHARED["generation"] = shared, generation
    _SHARED["barrier"].wait(timeout=_INSTALL_TIMEOUT)
    return os.getpid()


def _process_call(fn: Callable[[Any, T], R], generation: int, item: T) -> R:
    if _SHARED.get("generation") != generation:  # cannot happen while every worker installs each map
        raise RuntimeError(f"worker {os.getpid()} holds the shared value of map {_SHARED.get('generation')}, "
                           f"not of map {generation}")
    return fn(_SHARED["value"], item)


# how long a map waits for every worker to take its shared value (a worker still busy with
# an abandoned map's task finishes it first)
_INSTALL_TIMEOUT = 600.0
_HEARTBEAT_SECONDS = 5.0


def _bounded(submit: Callable[[T], Any], result: Callable[[Any], R], items: Iterable[T], in_flight: int,
             cancel: Callable[[Any], Any] | None = None) -> Iterator[R]:
    """Submit ``items`` keeping at most ``in_flight`` outstanding; yield results in order. If the
    caller stops early (an error, a closed generator), what is still queued is cancelled."""
    pending: collections.deque = collections.deque()
    try:
        for item in items:
            pending.append(submit(item))
            if len(pending) >= in_flight:
                yield result(pending.popleft())
        while pending:
            yield result(pending.popleft())
    finally:
        if cancel is not None:
            for handle in pending:
                cancel(handle)


class ProcessBackend:
    """``workers`` local processes (spawned: a forked child would inherit the parent's OpenMP
    state and may deadlock), each with ``threads`` torch threads. The pool is started by the
    first ``map`` and kept for the next ones (a spawned worker imports torch: seconds each);
    ``close()`` (or leaving a ``with`` block) stops it. Each ``map`` sends its ``shared`` value
    to every worker once."""

    name = "process"
    cells_per_task = 1  # 0.1 ms of overhead per task (experiments/scale/ray_speedup.md)

    def __init__(self, workers: int | None = None, threads: int = 1, in_flight: int | None = None,
                 announce: bool = False):
        self.workers = _positive("workers", default_workers() if workers is None else workers)
        self.threads = _positive("threads", threads)
        self.in_flight = in_flight or 2 * self.workers
        self.announce = announce  # say on stderr when the pool starts, and every few seconds until it has
        self._pool: ProcessPoolExecutor | None = None
        self._generation = 0
        self._installed: Any = None  # the shared value the workers hold (for map generation _generation)
        self.pools_started = 0

    def __enter__(self) -> "ProcessBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prepare(self, shared: Any) -> None:
        if self.workers > 1:
            self._pool_with(shared)

    def _pool_with(self, shared: Any) -> ProcessPoolExecutor:
        """The running pool (started if need be) with ``shared`` installed in every worker."""
        from nasearch import progress

        if self._pool is not None and self._installed is shared:
            return self._pool
        for attempt in (1, 2):
            starting = self._pool is None
            if starting:
                progress.note(f"starting {self.workers} worker processes (each loads torch) ...", self.announce)
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_process_init,
                                                 initargs=(context.Barrier(self.workers), self.threads))
                self.pools_started += 1
            self._generation += 1
            start = time.perf_counter()
            try:
                installs = [self._pool.submit(_install_shared, self._generation, shared) for _ in range(self.workers)]
                while wait(installs, timeout=_HEARTBEAT_SECONDS).not_done:
                    progress.note(f"  workers starting: {time.perf_counter() - start:.0f} s", self.announce and starting)
                if len({future.result() for future in installs}) == self.workers:
                    self._installed = shared
                    return self._pool
            except (BrokenProcessPool, threading.BrokenBarrierError):
                pass
            self.close()  # a worker died or missed its share: start afresh once
        raise RuntimeError(f"could not start {self.workers} worker processes that all hold the shared value")

    def map(self, fn: Callable[[Any, T], R], shared: Any, items: Iterable[T]) -> Iterator[R]:
        if self.workers == 1:
            yield from InlineBackend(self.threads).map(fn, shared, items)
            return
        pool = self._pool_with(shared)
        generation = self._generation
        try:
            yield from _bounded(lambda item: pool.submit(_process_call, fn, generation, item), Future.result, items,
                                self.in_flight, cancel=Future.cancel)
        except BrokenProcessPool:
            self.close()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
            self._installed = None


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _ray_call(fn: Callable[[Any, T], R], shared: Any, item: T, threads: int) -> R:
    _set_threads(threads)
    return fn(shared, item)


class RayBackend:
    """Tasks on a Ray cluster: ``address`` None starts a private local instance on loopback
    with ``workers`` CPUs; an address ("auto", "ray://host:10001", "host:6379") joins an
    existing cluster, whose size then sets ``workers``. Each task takes one CPU."""

    name = "ray"
    cells_per_task = 8  # 2-6 ms of overhead per task: 8 cells of 20-300 ms dwarf it

    def __init__(self, workers: int | None = None, address: str | None = None, threads: int = 1,
                 in_flight: int | None = None):
        try:
            import ray
        except ImportError:
            raise ModuleNotFoundError("the Ray backend needs Ray: pip install 'nasearch[ray]'") from None
        self._ray = ray
        self.threads = _positive("threads", threads)
        self._started_here = False
        if not ray.is_initialized():
            if address is None:
                workers = _positive("workers", default_workers() if workers is None else workers)
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                         _node_ip_address="127.0.0.1", configure_logging=False)
            else:
                try:
                    ray.init(address=address, log_to_driver=False, configure_logging=False)
                except (ConnectionError, RuntimeError, ValueError) as err:
                    raise ConnectionError(f"cannot reach a Ray cluster at {address!r}: {err}") from None
            self._started_here = True
        cluster = int(ray.cluster_resources().get("CPU", 1))
        self.workers = min(workers, cluster) if workers else cluster
        self.in_flight = in_flight or 2 * self.workers
        self._remote = ray.remote(num_cpus=1, max_retries=3)(_ray_call)

    def map(self, fn: Callable[[Any, T], R], shared: Any, items: Iterable[T]) -> Iterator[R]:
        shared_ref = self._ray.put(shared)  # once; every task reads the same object
        yield from _bounded(lambda item: self._remote.remote(fn, shared_ref, item, self.threads), self._ray.get,
                            items, self.in_flight, cancel=self._ray.cancel)

    def prepare(self, shared: Any) -> None:
        pass  # Ray starts its workers with the backend and ships ``shared`` with the map

    def close(self) -> None:
        if self._started_here and self._ray.is_initialized():
            self._ray.shutdown()


def _positive(what: str, value: int) -> int:
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a whole number >= 1, got {value!r}")
    return value


def make_backend(name: str = "process", workers: int | None = None, address: str | None = None,
                 threads: int = 1) -> Backend:
    """``process`` (local processes; ``workers`` 1 runs in this process) or ``ray``."""
    if name == "process":
        if address is not None:
            raise ValueError("--address names a Ray cluster: use it with --backend ray")
        return ProcessBackend(workers, threads)
    if name == "ray":
        return RayBackend(workers, address, threads)
    raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
