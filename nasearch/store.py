"""SQLite store of proxy scores, safe to share between processes.

A score is keyed by (space, canonical architecture key, proxy name, proxy config, data
fingerprint, seed). A NaN score is stored as SQL NULL, so "computed, undefined" differs from
"not computed" (no row). The default file lives in the user's cache directory
(``$NASEARCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/nasearch``, else ``~/.cache/nasearch``).
"""

from __future__ import annotations

import json
import math
import zlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Protocol, runtime_checkable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scores (
    space TEXT NOT NULL,
    arch TEXT NOT NULL,
    proxy TEXT NOT NULL,
    config TEXT NOT NULL,
    data TEXT NOT NULL,
    seed INTEGER NOT NULL,
    value REAL,
    seconds REAL NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (space, arch, proxy, config, data, seed)
);
"""


def default_store_path() -> Path:
    root = os.environ.get("NASEARCH_CACHE_DIR")
    if root:
        return Path(root) / "scores.sqlite"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "nasearch" / "scores.sqlite"


@dataclass(frozen=True)
class ScoreKey:
    """Everything that identifies one stored score, apart from the architecture."""

    space: str
    proxy: str
    config: str  # canonical JSON of the proxy configuration
    data: str  # fingerprint of the minibatch
    seed: int

    @classmethod
    def make(cls, space: str, proxy: str, config: dict[str, Any], data: str, seed: int) -> "ScoreKey":
        return cls(space, proxy, json.dumps(config, sort_keys=True, separators=(",", ":")), data, int(seed))


class StoreError(ValueError):
    """A store file that nasearch cannot use (not SQLite, corrupt, or another layout)."""


def check_database(conn: sqlite3.Connection, path: str | Path) -> None:
    """Raise StoreError unless ``conn`` is an intact SQLite database (an empty file is one)."""
    try:
        problems = [r[0] for r in conn.execute("PRAGMA quick_check(3)").fetchall()]
    except sqlite3.DatabaseError as err:
        raise StoreError(f"{path} is not a SQLite database ({err}): move it aside or pass another --store") from None
    if problems != ["ok"]:
        raise StoreError(f"{path} is corrupt ({'; '.join(problems)}): keep a copy, then try "
                         f"`sqlite3 {path} .recover` or move it aside and rerun (stored work is recomputed)")


def _declared_columns(schema: str) -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for block in schema.split("CREATE TABLE IF NOT EXISTS")[1:]:
        name, _, body = block.partition("(")
        columns = [line.split()[0] for line in body.splitlines()
                   if line.strip() and not line.strip().startswith(("PRIMARY", ")"))]
        tables[name.strip()] = columns
    return tables


def check_columns(conn: sqlite3.Connection, path: str | Path, schema: str) -> None:
    """Raise StoreError when a table of ``schema`` exists in the file with other columns
    (a store from another nasearch version): never read or write it column-shifted."""
    for table, expected in _declared_columns(schema).items():
        found = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        if found and found != expected:
            missing = [c for c in expected if c not in found]
            extra = [c for c in found if c not in expected]
            raise StoreError(f"{path}: table {table!r} has another layout (missing {missing or 'nothing'}, "
                             f"unexpected {extra or 'nothing'}); it was written by another nasearch version: "
                             "use a new --store file, or that version to read it")


def open_checked(path: str | Path, schema: str = _SCHEMA) -> sqlite3.Connection:
    """A read-only connection to an existing, intact store file whose tables, where present,
    have the layout of ``schema`` (for merging and reports)."""
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    except sqlite3.DatabaseError as err:
        raise StoreError(f"cannot open {path}: {err}") from None
    try:
        check_database(conn, path)
        check_columns(conn, path, schema)
    except BaseException:
        conn.close()
        raise
    return conn


# Version of the file layout (SQLite's user_version). 0: written before versions were
# recorded; 2: experiment_results' columns cell/cell_spec renamed combination/combination_spec.
FILE_FORMAT = 2


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    """Bring a file of an older format to ``FILE_FORMAT`` in place (nothing is dropped)."""
    if version < 2:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(experiment_results)")}
        if "cell" in columns:
            conn.execute("ALTER TABLE experiment_results RENAME COLUMN cell TO combination")
            conn.execute("ALTER TABLE experiment_results RENAME COLUMN cell_spec TO combination_spec")


@runtime_checkable
class ScoreCache(Protocol):
    """Where a ``ProxyScorer`` reads and writes scores: a ``ScoreStore``, or a worker's collector
    whose writes the driver stores (``nasearch.experiment.runner``)."""

    def get_many(self, key: "ScoreKey", archs: Iterable[str]) -> dict[str, tuple[float, float]]: ...

    def put_many(self, key: "ScoreKey", rows: Iterable[tuple[str, float, float]]) -> None: ...


class SqliteFile:
    """One SQLite file with its schema, opened lazily once per process.

    The connection uses a write-ahead log and a busy timeout, so several processes can share
    the file; a forked child opens its own instead of reusing its parent's. The file's format
    version is checked on opening (``FILE_FORMAT``).
    """

    schema = ""

    def __init__(self, path: str | Path, timeout: float = 60.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._timeout = timeout
        self._pid = -1
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
            try:
                check_database(conn, self.path)
                conn.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > FILE_FORMAT:
                    raise StoreError(
                        f"{self.path} was written by a newer nasearch (format {version}, this one reads up to "
                        f"{FILE_FORMAT}): upgrade nasearch, or use another file (--store PATH)")
                if version < FILE_FORMAT:
                    conn.execute("BEGIN IMMEDIATE")
                    _migrate(conn, version)
                    conn.execute(f"PRAGMA user_version={FILE_FORMAT}")
                    conn.execute("COMMIT")
                conn.executescript(self.schema)
                check_columns(conn, self.path, self.schema)
            except sqlite3.DatabaseError as err:
                conn.close()
                raise StoreError(f"{self.path} is not a usable nasearch store ({err}): move it aside or pass "
                                 "another --store; scores can be recomputed, experiment rounds rerun") from None
            except StoreError:
                conn.close()
                raise
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None


class ScoreStore(SqliteFile):
    """Proxy scores keyed by ``ScoreKey`` and architecture (default file: ``default_store_path()``)."""

    schema = _SCHEMA

    def __init__(self, path: str | Path | None = None, timeout: float = 60.0):
        super().__init__(path if path is not None else default_store_path(), timeout)

    def get(self, key: ScoreKey, arch: str) -> float | None:
        """The stored score (NaN if it was undefined), or None if it was never computed."""
        row = self.conn.execute(
            "SELECT value FROM scores WHERE space=? AND arch=? AND proxy=? AND config=? AND data=? AND seed=?",
            (key.space, arch, key.proxy, key.config, key.data, key.seed),
        ).fetchone()
        if row is None:
            return None
        return math.nan if row[0] is None else float(row[0])

    def get_many(self, key: ScoreKey, archs: Iterable[str]) -> dict[str, tuple[float, float]]:
        """{arch: (score, seconds it took)} for the stored ones among ``archs``."""
        wanted = list(dict.fromkeys(archs))
        found: dict[str, tuple[float, float]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT arch, value, seconds FROM scores WHERE space=? AND proxy=? AND config=? AND data=? AND seed=? "
                f"AND arch IN ({marks})",
                (key.space, key.proxy, key.config, key.data, key.seed, *chunk),
            ).fetchall()
            found.update((a, (math.nan if v is None else float(v), float(t))) for a, v, t in rows)
        return found

    def put(self, key: ScoreKey, arch: str, value: float, seconds: float) -> None:
        self.put_many(key, [(arch, value, seconds)])

    def put_many(self, key: ScoreKey, rows: Iterable[tuple[str, float, float]]) -> None:
        now = time.time()
        records = [
            (key.space, arch, key.proxy, key.config, key.data, key.seed,
             None if value is None or math.isnan(value) else float(value), float(seconds), now)
            for arch, value, seconds in rows
        ]
        if not records:
            return
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR REPLACE INTO scores VALUES (?,?,?,?,?,?,?,?,?)", records)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def seconds(self, key: ScoreKey) -> list[float]:
        rows = self.conn.execute(
            "SELECT seconds FROM scores WHERE space=? AND proxy=? AND config=? AND data=? AND seed=?",
            (key.space, key.proxy, key.config, key.data, key.seed),
        ).fetchall()
        return [r[0] for r in rows]



# --- experiment results ----------------------------------------------------------------------

_RESULTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiment_results (
    experiment TEXT NOT NULL,
    combination TEXT NOT NULL,
    round INTEGER NOT NULL,
    benchmark TEXT NOT NULL,
    strategy TEXT NOT NULL,
    strategy_label TEXT NOT NULL,
    proxy TEXT NOT NULL,
    seed INTEGER NOT NULL,
    budget INTEGER NOT NULL,
    final_arch TEXT,
    final_valid REAL,
    final_test REAL,
    trained INTEGER NOT NULL,
    proxy_calls INTEGER NOT NULL,
    proxy_seconds REAL NOT NULL,
    train_seconds REAL NOT NULL,
    wall_seconds REAL NOT NULL,
    proxy_nan INTEGER NOT NULL,
    repeated_proposals INTEGER NOT NULL,
    trajectory BLOB NOT NULL,
    combination_spec TEXT NOT NULL,
    manifest TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (experiment, combination, round)
);
"""


class ResultStore(SqliteFile):
    """Rounds of experiments (``nasearch run``): the ``experiment_results`` table of a SQLite file
    (by default the score store's file, so scores and results travel together)."""

    schema = _RESULTS_SCHEMA

    def finished_rounds(self, experiment: str, combination: str) -> set[int]:
        rows = self.conn.execute("SELECT round FROM experiment_results WHERE experiment=? AND combination=?",
                                 (experiment, combination)).fetchall()
        return {r[0] for r in rows}

    def put(self, row: dict[str, Any]) -> None:
        columns = ",".join(row)
        marks = ",".join("?" * len(row))
        self.conn.execute(f"INSERT OR REPLACE INTO experiment_results ({columns}) VALUES ({marks})",
                          tuple(row.values()))

    def delete(self, experiment: str) -> None:
        self.conn.execute("DELETE FROM experiment_results WHERE experiment=?", (experiment,))

    def rows(self, experiment: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM experiment_results"
        args: tuple = ()
        if experiment is not None:
            query += " WHERE experiment=?"
            args = (experiment,)
        cursor = self.conn.execute(query + " ORDER BY experiment, benchmark, strategy_label, proxy, round", args)
        names = [d[0] for d in cursor.description]
        result = []
        for values in cursor.fetchall():
            row = dict(zip(names, values))
            row["trajectory"] = json.loads(zlib.decompress(row["trajectory"]))
            for key in ("final_valid", "final_test"):
                if row[key] is None:
                    row[key] = math.nan
            result.append(row)
        return result

    def experiments(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT experiment FROM experiment_results")]
