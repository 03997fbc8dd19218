"""No lost work: kill -9 and resume, many writers, and store files nasearch cannot use."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest

from nasearch.cli import main
from nasearch.experiment import ResultStore
from nasearch.store import ScoreKey, ScoreStore, StoreError

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("kill_trials", ROOT / "experiments" / "scale" / "kill_trials.py")
kill_trials = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kill_trials)


@pytest.mark.slow
def test_scoring_killed_and_resumed_equals_an_uninterrupted_run(tmp_path):
    result = kill_trials.scoring_trial(tmp_path, cells=40, kill_at=7)
    assert result["killed"] and 7 <= result["rows_at_kill"] < 40
    assert result["rows"] == result["expected"] == 40
    assert result["lost"] == 0 and result["differ"] == 0


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("analognasbench") is None, reason="needs analog-nasbench")
def test_experiment_killed_and_resumed_equals_an_uninterrupted_run(tmp_path):
    result = kill_trials.experiment_trial(tmp_path, rounds=8, kill_at=2)
    assert result["killed"] and 2 <= result["rows_at_kill"] < 8
    assert result["rows"] == result["expected"] == 8
    assert result["lost"] == 0 and result["differ"] == 0


def test_concurrent_writers_lose_nothing(tmp_path):
    result = kill_trials.concurrent_writers(tmp_path, writers=4, rows=150)
    assert result == {"writers": 4, "rows_each": 150, "stored": 600, "lost": 0, "failed_writers": 0}


KEY = ScoreKey.make("nb201/cifar10", "p", {}, "-", 0)


def _filled(path: Path, rows: int = 3000) -> Path:
    store = ScoreStore(path)
    store.put_many(KEY, [(f"cell{i:05d}" * 4, float(i), 0.0) for i in range(rows)])
    store.close()
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    return path


def test_a_file_that_is_not_sqlite_is_refused_clearly(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(StoreError, match="not a SQLite database"):
        ScoreStore(path).get(KEY, "x")
    assert path.read_text().startswith("these are my notes")  # untouched


def test_a_truncated_store_is_refused_clearly(tmp_path):
    path = _filled(tmp_path / "s.sqlite")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreError, match="corrupt|not a SQLite|malformed"):
        ScoreStore(path).get(KEY, "x")


def test_a_store_with_corrupt_pages_is_refused_clearly(tmp_path):
    path = _filled(tmp_path / "s.sqlite")
    data = bytearray(path.read_bytes())
    data[8192:12288] = b"\xff" * 4096  # scribble over a b-tree page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupt|malformed"):
        ScoreStore(path).get(KEY, "x")


def test_a_store_of_another_layout_is_refused_not_misread(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE scores (space TEXT, arch TEXT, proxy TEXT, value REAL)")  # an older layout
    conn.execute("INSERT INTO scores VALUES ('nb201', 'a', 'p', 1.0)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"another layout \(missing \['config', 'data', 'seed'"):
        ScoreStore(path).get(KEY, "a")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE experiment_results (experiment TEXT, cell TEXT)")
    conn.close()
    with pytest.raises(StoreError, match="experiment_results"):
        ResultStore(path).experiments()


def test_cli_reports_an_unusable_store_in_one_line(tmp_path, capsys):
    path = tmp_path / "bad.sqlite"
    path.write_bytes(b"\x00garbage" * 100)
    code = main(["correlate", "--proxy", "nparams", "--sample", "5", "--store", str(path), "--json", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "not a SQLite database" in err and "Traceback" not in err and len(err.splitlines()) == 1
