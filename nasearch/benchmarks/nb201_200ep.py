"""The embedded NAS-Bench-201 200-epoch test accuracies: CIFAR-10, CIFAR-100, ImageNet16-120.

Package data ``data/nb201_200ep.npz`` (written by ``scripts/embed_nb201_200ep.py`` from the
FreeREA release, MIT; see the README) holds, for all 15,625 cells, the official 200-epoch
test accuracy on each dataset. CIFAR-10 is the ``cifar10`` split (trained on train+valid);
best cells 94.37 / 73.51 / 47.31, the published optima.

No validation accuracies are embedded (none exist for CIFAR-100 in any file we have), so
``valid_accuracy`` holds the same test accuracy: a search on these benchmarks selects on
test accuracy, as papers that report "test accuracy of the best cell" on NB201 tables do.
``nb201-cifar10-valid-200ep`` (read from the reference data folder) has a real validation
column for CIFAR-10.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from nasearch.architecture import Architecture
from nasearch.interfaces import TASKS, Benchmark, TrainResult
from nasearch.registry import register_benchmark
from nasearch.spaces.nb201 import NUM_EDGES, OPS, NB201Space

DATA_FILE = Path(__file__).resolve().parent / "data" / "nb201_200ep.npz"
DATASETS: tuple[str, ...] = ("cifar10", "cifar100", "imagenet16-120")
COLUMNS = {"cifar10": "cifar10_test", "cifar100": "cifar100_test", "imagenet16-120": "imagenet16-120_test"}
DENOMINATOR = 1800
_OP_INDEX = {op: i for i, op in enumerate(OPS)}


def cell_position(ops: Sequence[str]) -> int:
    """Position of a cell in ``NB201Space().enumerate()``: its ops (string order) as base-5 digits."""
    position = 0
    for op in ops:
        position = position * len(OPS) + _OP_INDEX[op]
    return position


@lru_cache(maxsize=1)
def _load() -> dict[str, np.ndarray]:
    if not DATA_FILE.is_file():
        raise FileNotFoundError(f"the embedded NAS-Bench-201 table {DATA_FILE} is missing: reinstall nasearch, "
                                "or write it with `python scripts/embed_nb201_200ep.py` from a source checkout")
    with np.load(DATA_FILE, allow_pickle=False) as data:
        denominator = float(data["denominator"])
        tables = {name: data[name].astype(np.float64) / denominator for name in DATASETS}
        tables["official_index"] = data["official_index"].astype(np.int64)
    if any(len(t) != len(OPS) ** NUM_EDGES for t in tables.values()):
        raise ValueError(f"{DATA_FILE} does not hold one entry per NAS-Bench-201 cell")
    return tables


def accuracy_table(dataset: str) -> np.ndarray:
    """Test accuracy (%) of every cell on ``dataset``, in ``NB201Space().enumerate()`` order."""
    if dataset not in DATASETS:
        raise KeyError(f"no embedded NB201 table for {dataset!r}; datasets: {', '.join(DATASETS)}")
    return _load()[dataset]


def official_indices() -> np.ndarray:
    """Official NATS-Bench topology index of every cell, in ``NB201Space().enumerate()`` order."""
    return _load()["official_index"]


def official_index(arch: Architecture) -> int:
    """The official NATS-Bench topology index of an NB201 cell."""
    return int(_load()["official_index"][cell_position(arch.ops)])


class NB201TestAccuracies(Benchmark):
    """NB201 200-epoch test accuracy of every cell on one dataset (validation = test; see module)."""

    dataset: str = ""

    def __init__(self) -> None:
        self.space = NB201Space()
        self.space_name = self.space.name
        self.task = TASKS[self.dataset]
        self._accuracy = accuracy_table(self.dataset)

    def covers(self, arch: Architecture) -> bool:
        return arch.space == self.space_name

    def train(self, arch: Architecture) -> TrainResult:
        if arch.space != self.space_name:
            raise KeyError(f"{arch} is not a NAS-Bench-201 cell; {self.name} covers only the nb201 space")
        accuracy = float(self._accuracy[cell_position(arch.ops)])
        return TrainResult(valid_accuracy=accuracy, test_accuracy=accuracy, cost_seconds=math.nan)

    def architectures(self) -> list[Architecture]:
        return list(self.space.enumerate())

    def __len__(self) -> int:
        return len(self._accuracy)


def _register(dataset: str) -> type[NB201TestAccuracies]:
    name = f"nb201-{dataset}-200ep"
    cls = type(f"NB201TestAccuracies_{dataset.replace('-', '_')}", (NB201TestAccuracies,),
               {"dataset": dataset, "name": name,
                "__doc__": f"NB201 {dataset}: official 200-epoch test accuracy, all 15,625 cells (embedded)."})
    return register_benchmark(name)(cls)


NB201Cifar10TestAccuracies = _register("cifar10")
NB201Cifar100TestAccuracies = _register("cifar100")
NB201ImageNet16TestAccuracies = _register("imagenet16-120")
# short names; nb201-cifar10 is the embedded default (experiments/fidelity/default_benchmark.md)
register_benchmark("nb201-cifar10")(NB201Cifar10TestAccuracies)
register_benchmark("nb201-cifar100")(NB201Cifar100TestAccuracies)
register_benchmark("nb201-imagenet16-120")(NB201ImageNet16TestAccuracies)
