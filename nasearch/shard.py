"""Sharding without a cluster engine: run part ``i`` of ``N`` anywhere, then merge the stores.

``--shard i/N`` (0 <= i < N) keeps every N-th item starting at item i of a fixed, seeded
order (cells to score, or (combination, round) pairs of an experiment), so N jobs of a batch
scheduler (a SLURM array: ``--shard $SLURM_ARRAY_TASK_ID/N``) cover everything exactly once,
each writing its own SQLite file. ``merge_stores`` copies the score and experiment-result
rows of those files into one; the merged file equals what one unsharded run writes
(timings and creation times aside). Two files disagreeing on a stored value is an error,
never a silent choice.
"""

from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence, TypeVar

from nasearch.store import ScoreStore, open_checked

T = TypeVar("T")

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index}/{self.count} does not exist: use i/N with 0 <= i < N "
                             "(e.g. 0/4 ... 3/4)")

    def select(self, items: Iterable[T]) -> Iterator[T]:
        """This shard's items: positions index, index + count, index + 2*count, ..."""
        for position, item in enumerate(items):
            if position % self.count == self.index:
                yield item

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str | None) -> Shard | None:
    """``"i/N"`` as a Shard (None for None); a clear error for anything else."""
    if text is None:
        return None
    match = _SHARD.match(str(text))
    if match is None:
        raise ValueError(f"--shard must look like i/N (e.g. 0/4), got {text!r}")
    return Shard(int(match.group(1)), int(match.group(2)))


# --- merging ------------------------------------------------------------------------------------

_SCORE_KEY = ("space", "arch", "proxy", "config", "data", "seed")
_RESULT_KEY = ("experiment", "combination", "round")


@dataclass
class MergeSummary:
    output: str
    inputs: int
    scores_added: int
    scores_present: int
    results_added: int
    results_present: int

    def __str__(self) -> str:
        return (f"merged {self.inputs} file(s) into {self.output}: {self.scores_added} scores added "
                f"({self.scores_present} already there), {self.results_added} experiment rounds added "
                f"({self.results_present} already there)")


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def merge_stores(output: str | Path, inputs: Sequence[str | Path]) -> MergeSummary:
    """Copy every score and experiment round of ``inputs`` into ``output`` (created if needed)."""
    if not inputs:
        raise ValueError("merge needs at least one input store")
    output = Path(output)
    for path in inputs:
        if not Path(path).is_file():
            raise FileNotFoundError(f"store {str(path)!r} does not exist")
        if Path(path).resolve() == output.resolve():
            raise ValueError(f"{path} is the output as well as an input: merge into a new file")
    from nasearch.store import ResultStore

    target = ScoreStore(output)
    results = ResultStore(output)
    conn = target.conn
    results.conn  # creates the results table in the same file
    counts = [0, 0, 0, 0]
    for path in inputs:
        source = open_checked(path, ScoreStore.schema + ResultStore.schema)
        try:
            tables = {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            conn.execute("BEGIN IMMEDIATE")
            try:
                if "scores" in tables:
                    added, present = _merge_scores(conn, source, path)
                    counts[0] += added
                    counts[1] += present
                if "experiment_results" in tables:
                    added, present = _merge_results(conn, source, path)
                    counts[2] += added
                    counts[3] += present
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            source.close()
    return MergeSummary(str(output), len(inputs), *counts)


def _merge_scores(conn: sqlite3.Connection, source: sqlite3.Connection, path: str | Path) -> tuple[int, int]:
    added = present = 0
    where = " AND ".join(f"{c}=?" for c in _SCORE_KEY)
    for row in source.execute(f"SELECT {', '.join(_SCORE_KEY)}, value, seconds, created FROM scores"):
        key, value = row[:6], row[6]
        old = conn.execute(f"SELECT value FROM scores WHERE {where}", key).fetchone()
        if old is None:
            conn.execute("INSERT INTO scores VALUES (?,?,?,?,?,?,?,?,?)", row)
            added += 1
        elif _same(old[0], value):
            present += 1
        else:
            raise ValueError(f"{path}: score of {key[1]} by {key[2]} is {value}, but the output holds {old[0]}; "
                             "the stores were computed differently (another torch version or device?): "
                             "merge them into separate files")
    return added, present


def _merge_results(conn: sqlite3.Connection, source: sqlite3.Connection, path: str | Path) -> tuple[int, int]:
    added = present = 0
    source.row_factory = sqlite3.Row
    for row in source.execute("SELECT * FROM experiment_results"):
        record = dict(row)
        key = tuple(record[c] for c in _RESULT_KEY)
        old = conn.execute("SELECT final_arch, final_test FROM experiment_results "
                           "WHERE experiment=? AND combination=? AND round=?", key).fetchone()
        if old is None:
            names = ",".join(record)
            conn.execute(f"INSERT INTO experiment_results ({names}) VALUES ({','.join('?' * len(record))})",
                         tuple(record.values()))
            added += 1
        elif old[0] == record["final_arch"] and _same(old[1], record["final_test"]):
            present += 1
        else:
            raise ValueError(f"{path}: experiment {key[0]!r} round {key[2]} ended at {record['final_arch']}, "
                             f"but the output holds {old[0]}: these are different runs; merge into separate files")
    source.row_factory = None
    return added, present
