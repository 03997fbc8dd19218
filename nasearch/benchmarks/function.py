"""A user's own training function as a benchmark."""

from __future__ import annotations

import math
import time
from typing import Callable

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, Task, TrainResult, get_task


class FunctionBenchmark(Benchmark):
    """Wraps ``train_fn(arch) -> TrainResult | (valid, test) | valid``; the wall time is the cost."""

    name = "function"

    def __init__(self, train_fn: Callable[[Architecture], object], space_name: str = "nb201",
                 task: Task | str = "cifar10"):
        self.train_fn = train_fn
        self.space_name = space_name
        self.task = get_task(task)

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
