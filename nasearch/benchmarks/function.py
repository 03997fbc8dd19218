"""A user's own training function as a benchmark."""

from __future__ import annotations

import math
import time
from typing import Callable

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, SearchSpace, Task, TrainResult, get_task
from nasearch.registry import DEFAULT_SPACE, spaces


class FunctionBenchmark(Benchmark):
    """Wraps ``train_fn(arch) -> TrainResult | (valid, test) | valid``; the wall time is the cost."""

    name = "function"

    def __init__(self, train_fn: Callable[[Architecture], object], space: SearchSpace | str = DEFAULT_SPACE,
                 task: Task | str | None = None):
        space_cls = spaces.get_class(space) if isinstance(space, str) else type(space)
        self.train_fn = train_fn
        self.space_name = space_cls.name
        self.task = get_task(task if task is not None else space_cls.default_task)

    def covers(self, arch: Architecture) -> bool:
        """A training function covers every cell of its space (and is never run to find out)."""
        return arch.space == self.space_name

    def train(self, arch: Architecture) -> TrainResult:
        start = time.perf_counter()
        out = self.train_fn(arch)
        seconds = time.perf_counter() - start
        if isinstance(out, TrainResult):
            return out if not math.isnan(out.cost_seconds) else TrainResult(out.valid_accuracy, out.test_accuracy, seconds)
        if isinstance(out, tuple):
            valid, test = out
            return TrainResult(float(valid), float(test), seconds)
        return TrainResult(float(out), float(out), seconds)
