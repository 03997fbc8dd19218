"""Progress on stderr: every step that can take more than a few seconds says so.

Bars always have a total, so they show an ETA, and write to stderr, so ``--json`` output on
stdout stays one clean JSON object. ``step`` announces a step before it starts (the user
sees what the program is doing during a slow load) and reports its time when it took long.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterable, Iterator, TypeVar

from tqdm import tqdm

T = TypeVar("T")
SLOW_STEP_SECONDS = 2.0  # a step that took longer is reported with its time


def _interval() -> float:
    # a terminal redraws the bar in place; a log file or pipe gets a line every few seconds
    return 0.2 if sys.stderr.isatty() else 2.0


def bar(iterable: Iterable[T] | None = None, total: int | None = None, desc: str = "", unit: str = "it",
        enabled: bool = True) -> tqdm:
    """A tqdm bar on stderr with a known ``total`` (required: without it there is no ETA)."""
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    if total is None:
        raise ValueError("a progress bar needs a total to show an ETA")
    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, disable=not enabled,
                mininterval=_interval(), maxinterval=_interval(), dynamic_ncols=True)


def note(message: str, enabled: bool = True) -> None:
    """One line on stderr (flushed at once)."""
    if enabled:
        print(message, file=sys.stderr, flush=True)


@contextmanager
def step(message: str, enabled: bool = True) -> Iterator[None]:
    """Say ``message...`` on stderr before a step; add its time afterwards when it was slow."""
    note(f"{message} ...", enabled)
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    if seconds >= SLOW_STEP_SECONDS:
        note(f"{message}: done in {seconds:.1f} s", enabled)
