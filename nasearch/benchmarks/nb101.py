"""NAS-Bench-101 CIFAR-10 benchmarks.

``nb101-cifar10`` (packaged, every one of the 423,624 cells): the mean over the benchmark's
3 training runs of the **test** accuracy after 108 epochs. NAS-Bench-101 publishes a
validation accuracy too, but no public file we could read carries it for all cells, so
``valid_accuracy`` holds that same mean test accuracy: a search on this benchmark selects
on test accuracy. Use ``nb101-cifar10-naslib`` (500 cells) or the official tfrecord
(``NB101Record``) when the distinction matters.

``nb101-cifar10-naslib``: the 500 cells of NASLib's zero-cost file
(``naslib-zc-partial/zc_nasbench101_partial.json`` in the reference data) with NASLib's
validation accuracy; its test accuracy is the packaged table's (found by hash).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from nasearch.architecture import Architecture
from nasearch.benchmarks.table import find_data_dir
from nasearch.interfaces import TASKS, Benchmark, TrainResult
from nasearch.registry import register_benchmark
from nasearch.spaces.nb101 import NB101Space
from nasearch.spaces.nb101_catalogue import load_catalogue
from nasearch.spaces.nb101_graph import from_naslib_key

NASLIB_FILE = "naslib-zc-partial/zc_nasbench101_partial.json"


@register_benchmark("nb101-cifar10")
class NB101Cifar10(Benchmark):
    """NAS-Bench-101 CIFAR-10, all 423,624 cells, packaged; valid_accuracy = mean test accuracy
    (no validation accuracies are packaged: see the module docstring)."""

    space_name = "nb101"

    def __init__(self) -> None:
        self.task = TASKS["cifar10"]
        self.space = NB101Space()
        self.catalogue = load_catalogue()

    def _row(self, arch: Architecture) -> int | None:
        return self.catalogue.find(self.space.cell(arch)) if arch.space == self.space_name else None

    def train(self, arch: Architecture) -> TrainResult:
        row = self._row(arch)
        if row is None:
            raise KeyError(f"{arch} is not a NAS-Bench-101 cell")
        accuracy = 100.0 * self.catalogue.mean_test_accuracy(row)
        return TrainResult(accuracy, accuracy, math.nan)

    def covers(self, arch: Architecture) -> bool:
        return self._row(arch) is not None

    def trainable_parameters(self, arch: Architecture) -> int:
        """The benchmark's own parameter count of the cell's network."""
        row = self._row(arch)
        if row is None:
            raise KeyError(f"{arch} is not a NAS-Bench-101 cell")
        return int(self.catalogue.trainable_parameters[row])

    def architectures(self) -> list[Architecture]:
        return list(self.space.enumerate())

    def __len__(self) -> int:
        return len(self.catalogue)


def read_naslib_nb101(path: str | Path, dataset: str = "cifar10") -> dict[str, dict]:
    """NASLib's NAS-Bench-101 zero-cost file as {cell string: record} (val_accuracy and scores)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"NASLib NAS-Bench-101 file {str(path)!r} does not exist")
    data = json.loads(path.read_text())
    try:
        records = data["nasbench101"][dataset]
    except (KeyError, TypeError):
        raise ValueError(f"{path} is not a NASLib zero-cost file with nasbench101/{dataset}") from None
    space = NB101Space()
    out = {}
    for key, record in records.items():
        arch = space.from_cell(from_naslib_key([int(c) for c in re.findall(r"-?\d+", key)]))
        out[arch.text] = record
    return out


@register_benchmark("nb101-cifar10-naslib")
class NB101Cifar10NASLib(Benchmark):
    """NAS-Bench-101 CIFAR-10, NASLib's 500 cells: NASLib's validation accuracy, the packaged
    mean test accuracy (reads the reference data)."""

    space_name = "nb101"

    def __init__(self, data_dir: str | Path | None = None):
        self.task = TASKS["cifar10"]
        self.space = NB101Space()
        root = Path(data_dir) if data_dir is not None else find_data_dir()
        self.records = read_naslib_nb101(root / NASLIB_FILE)
        self.full = NB101Cifar10()
        self._by_key = {self.space.canonical_key(self.space.parse(text)): text for text in self.records}

    def _text(self, arch: Architecture) -> str | None:
        if arch.space != self.space_name:
            return None
        return arch.text if arch.text in self.records else self._by_key.get(self.space.canonical_key(arch))

    def train(self, arch: Architecture) -> TrainResult:
        text = self._text(arch)
        if text is None:
            raise KeyError(f"{arch} is not among NASLib's 500 NAS-Bench-101 cells")
        test = self.full.train(arch).test_accuracy
        return TrainResult(float(self.records[text]["val_accuracy"]), test, math.nan)

    def covers(self, arch: Architecture) -> bool:
        return self._text(arch) is not None

    def architectures(self) -> list[Architecture]:
        return [self.space.parse(text) for text in self.records]

    def __len__(self) -> int:
        return len(self.records)
