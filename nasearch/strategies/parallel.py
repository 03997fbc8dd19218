"""Several trials in flight: an ask/tell session over any strategy, for Optuna, Ray Tune or threads.

``AskTellSession.ask()`` hands out a ``Proposal`` (a trial number and a cell) that is neither
pending nor trained: a proposal of a trained cell is told back to the strategy from memory
(as the search loop does), a proposal of a pending cell is dropped and the strategy asked
anew, following its ``parallel_rule``. ``tell(trial, result, arch)`` reports a trial's
result; it refuses a trial that is not pending and, when the reporter names the architecture
it trained, one that differs from the trial's. With one trial in flight at a time the
session makes exactly the proposals ``run_search`` makes, so both give the same pick.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Collection

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, Strategy, TrainResult


class AllPending(RuntimeError):
    """The strategy proposed only pending cells: wait for a result before asking again."""


@dataclass(frozen=True)
class Proposal:
    trial: int  # numbered from 0 in the order handed out
    arch: Architecture


class AskTellSession:
    """Hands out distinct cells to train while earlier trials are pending; thread-safe.

    ``max_tries``: proposals of pending cells tolerated in one ``ask`` before ``AllPending``;
    ``max_repeats``: proposals of trained cells in a row (answered from memory) before the
    strategy is declared stuck (RuntimeError), as in ``run_search``.
    """

    def __init__(self, strategy: Strategy, max_tries: int = 1000, max_repeats: int = 10_000):
        self.strategy = strategy
        self.max_tries = max_tries
        self.max_repeats = max_repeats
        self.pending: dict[int, Architecture] = {}
        self.trained: dict[str, TrainResult] = {}
        self.order: list[str] = []  # trained cells in the order their results were told
        self.repeated_proposals = 0
        self.dropped_pending = 0
        self._next_trial = 0
        self._lock = threading.RLock()

    def __getstate__(self) -> dict:  # picklable (Ray Tune saves its searcher); the lock is not
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def _pending_keys(self) -> set[str]:
        return {self.strategy.identity(arch) for arch in self.pending.values()}

    def _key(self, text: str) -> str:
        """The identity (``Strategy.identity``) of a cell given by its string form."""
        return text if not self.strategy.distinct_networks else self.strategy.identity(self.strategy.space.parse(text))

    def ask(self, also_pending: Collection[str] = ()) -> Proposal:
        """The next cell to train; ``AllPending`` if the strategy offers only pending cells.
        ``also_pending``: string forms of cells being trained elsewhere (other workers)."""
        with self._lock:
            pending = self._pending_keys() | {self._key(t) for t in also_pending}
            tries = repeats = 0
            while True:
                arch = self.strategy.ask()
                cached = self.trained.get(self.strategy.identity(arch))
                if cached is not None:
                    repeats += 1
                    self.repeated_proposals += 1
                    if repeats > self.max_repeats:
                        raise RuntimeError(f"strategy {self.strategy.name!r} proposed {repeats} already-trained "
                                           "cells in a row; it has no new cell to propose")
                    self.strategy.tell(arch, cached)
                    continue
                if self.strategy.identity(arch) in pending:
                    tries += 1
                    self.dropped_pending += 1
                    if tries >= self.max_tries:
                        raise AllPending(
                            f"strategy {self.strategy.name!r} proposed only pending cells in {tries} tries "
                            f"({len(self.pending)} pending); tell a result first. Its rule: "
                            f"{self.strategy.parallel_rule}")
                    continue
                proposal = Proposal(self._next_trial, arch)
                self._next_trial += 1
                self.pending[proposal.trial] = arch
                return proposal

    def tell(self, trial: int, result: TrainResult, arch: Architecture | str | None = None) -> None:
        """Report ``trial``'s result. ``arch`` (the cell or its string form), when the reporter
        knows which cell it trained, must be the trial's: a mismatch raises ValueError and the
        strategy hears nothing."""
        with self._lock:
            if trial not in self.pending:
                state = "was already told" if trial < self._next_trial else "was never handed out"
                raise KeyError(f"trial {trial} is not pending: it {state}")
            expected = self.pending[trial]
            if arch is not None:
                text = arch.text if isinstance(arch, Architecture) else str(arch)
                if text != expected.text:
                    raise ValueError(f"the result told for trial {trial} is for {text}, "
                                     f"but trial {trial} trains {expected.text}")
            del self.pending[trial]
            self.trained[self.strategy.identity(expected)] = result
            self.order.append(expected.text)
            self.strategy.tell(expected, result)

    def observe(self, arch: Architecture, result: TrainResult) -> None:
        """A result trained elsewhere (another worker of a shared study): the strategy is told
        it, unless the cell was trained here already."""
        with self._lock:
            if self.strategy.identity(arch) in self.trained:
                return
            self.trained[self.strategy.identity(arch)] = result
            self.order.append(arch.text)
            self.strategy.tell(arch, result)

    def forget(self, trial: int) -> Architecture:
        """Drop a pending trial that will never report (failed, pruned, cancelled); the strategy
        hears nothing and the cell may be proposed again."""
        with self._lock:
            try:
                return self.pending.pop(trial)
            except KeyError:
                raise KeyError(f"trial {trial} is not pending") from None

    def recommend(self) -> Architecture | None:
        with self._lock:
            return self.strategy.recommend()

    def best(self) -> tuple[Architecture, TrainResult] | None:
        """The strategy's pick and its result (None before any result)."""
        with self._lock:
            pick = self.strategy.recommend()
            return None if pick is None else (pick, self.trained[self.strategy.identity(pick)])


def run_parallel(strategy: Strategy, benchmark: Benchmark, budget: int, workers: int = 2) -> AskTellSession:
    """Train ``budget`` distinct cells with up to ``workers`` trainings at once (threads).

    A worker that finishes is given the next proposal at once, so results arrive in the order
    trainings end. Returns the session: ``session.order`` lists the trained cells,
    ``session.best()`` the pick. With ``workers=1`` this is ``run_search``'s search.
    """
    if budget < 1 or workers < 1:
        raise ValueError(f"budget and workers must be at least 1, got budget={budget}, workers={workers}")
    session = AskTellSession(strategy)
    running: dict[Future, Proposal] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        handed_out = 0
        while len(session.trained) < budget:
            while len(running) < workers and handed_out < budget:
                try:
                    proposal = session.ask()
                except AllPending:
                    if not running:
                        raise
                    break
                running[pool.submit(benchmark.train, proposal.arch)] = proposal
                handed_out += 1
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: running[f].trial):
                proposal = running.pop(future)
                session.tell(proposal.trial, future.result(), proposal.arch)
    return session

