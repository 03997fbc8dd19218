"""kill -9 trials: a scoring run and an experiment run are killed at random points, rerun to
the end, and compared with an uninterrupted run; plus many processes writing one store.

    .venv/bin/python experiments/scale/kill_trials.py --trials 5 --out experiments/scale/kill_trials.md

Each scoring trial scores N cells of a small NB201 space with naswot in a child process
(one worker: the driver writes), SIGKILLs it once the store holds a random number of rows,
reruns it, and checks that the store holds every cell with exactly the uninterrupted value.
Each experiment trial does the same with ``nasearch run`` on a rs-warmup experiment
(proxy nparams), comparing every stored round with an uninterrupted run's.
tests/test_reliability.py runs one small trial of each through these functions.
"""

from __future__ import annotations

import argparse
import json
import zlib
import contextlib
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

def score_cells(path: str, cells: int) -> None:
    """The run that is killed: naswot scores of ``cells`` cells of a small NB201 space into ``path``."""
    from nasearch import registry
    from nasearch.backends import InlineBackend
    from nasearch.data import synthetic_batch
    from nasearch.interfaces import TASKS
    from nasearch.parallel import iter_scores
    from nasearch.spaces.nb201 import NB201Space
    from nasearch.store import ScoreStore

    space = NB201Space(channels=4, cells_per_stage=1)
    archs = [space.sample(np.random.default_rng(i)) for i in range(cells)]
    batch = synthetic_batch("normal", TASKS["cifar10"], 8)
    for _ in iter_scores(space, registry.proxies.get("naswot"), TASKS["cifar10"], batch, archs, ScoreStore(path),
                         seed=1, backend=InlineBackend(), cells_per_task=2):
        pass


SCORE_CHILD = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
               "from kill_trials import score_cells; score_cells(sys.argv[1], int(sys.argv[2]))")

EXPERIMENT = """
name = "kill"
benchmarks = ["nb201-cifar10"]
proxies = ["nparams"]
rounds = {rounds}
budget = 4
seed = 5
[data]
batch_size = 2
[[strategies]]
name = "rs-warmup"
config = {{ pool = 6 }}
"""


def _count(path: Path, table: str) -> int:
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _run_and_kill(command: list[str], path: Path, table: str, kill_at: int, timeout: float = 600) -> bool:
    """Start ``command``; SIGKILL it once ``table`` of ``path`` has ``kill_at`` rows. True if killed."""
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    start = time.monotonic()
    while child.poll() is None and time.monotonic() - start < timeout:
        if _count(path, table) >= kill_at:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            return True
        time.sleep(0.02)
    if child.poll() is None:
        child.kill()
        child.wait()
        raise TimeoutError(f"{command} ran over {timeout} s")
    if child.returncode != 0:
        raise RuntimeError(f"{command} failed: {child.stderr.read().decode()[-2000:]}")
    return False


def _scores(path: Path) -> dict[str, float | None]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return dict(conn.execute("SELECT arch, value FROM scores").fetchall())


def scoring_trial(folder: Path, cells: int, kill_at: int, reference: dict | None = None) -> dict:
    """One kill -9 trial of a scoring run; returns what was compared."""
    command = [sys.executable, "-c", SCORE_CHILD]
    if reference is None:  # the uninterrupted run, in this process
        whole = folder / "whole.sqlite"
        score_cells(str(whole), cells)
        reference = _scores(whole)
    path = folder / f"killed-{kill_at}.sqlite"
    killed = _run_and_kill(command + [str(path), str(cells)], path, "scores", kill_at)
    rows_at_kill = _count(path, "scores")
    subprocess.run(command + [str(path), str(cells)], cwd=ROOT, check=True)
    resumed = _scores(path)
    lost = len(set(reference) - set(resumed))
    differ = sum(resumed.get(k) != v for k, v in reference.items())
    return {"kind": "scoring", "killed": killed, "rows_at_kill": rows_at_kill, "rows": len(resumed),
            "expected": len(reference), "lost": lost, "differ": differ, "reference": reference}


def _rounds(path: Path) -> list[tuple]:
    """What decides a round's result (timings left out: they differ between any two runs)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT combination, round, final_arch, final_test, trained, proxy_calls, trajectory "
                            "FROM experiment_results").fetchall()
    out = []
    for *head, blob in rows:
        trajectory = json.loads(zlib.decompress(blob))
        out.append((*head, tuple(trajectory["arch"]), tuple(trajectory["best_test"])))
    return sorted(out)


def experiment_trial(folder: Path, rounds: int, kill_at: int, reference: list | None = None) -> dict:
    toml = folder / "kill.toml"
    toml.write_text(EXPERIMENT.format(rounds=rounds))

    def command(store: Path) -> list[str]:
        return [sys.executable, "-m", "nasearch.cli", "run", str(toml), "--workers", "1", "--quiet",
                "--store", str(store)]

    if reference is None:  # the uninterrupted run, in this process
        from nasearch.experiment import load_experiment, run_experiment
        from nasearch.backends import InlineBackend

        whole = folder / "whole-e.sqlite"
        run_experiment(load_experiment(toml), store_path=whole, backend=InlineBackend())
        reference = _rounds(whole)
    path = folder / f"killed-e-{kill_at}.sqlite"
    killed = _run_and_kill(command(path), path, "experiment_results", kill_at)
    rows_at_kill = _count(path, "experiment_results")
    subprocess.run(command(path), cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    resumed = _rounds(path)
    lost = len(reference) - len(resumed)
    differ = sum(a != b for a, b in zip(resumed, reference))
    return {"kind": "experiment", "killed": killed, "rows_at_kill": rows_at_kill, "rows": len(resumed),
            "expected": len(reference), "lost": lost, "differ": differ, "reference": reference}


WRITER_CHILD = textwrap.dedent("""
    import importlib.util, sys
    # nasearch/store.py alone (it imports nothing of nasearch), so a writer starts without torch
    spec = importlib.util.spec_from_file_location("store", "nasearch/store.py")
    module = sys.modules["store"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ScoreKey, ScoreStore = module.ScoreKey, module.ScoreStore
    store = ScoreStore(sys.argv[1])
    key = ScoreKey.make("nb201/cifar10", "writer", {}, "-", 0)
    me, rows = int(sys.argv[2]), int(sys.argv[3])
    for i in range(rows):
        store.put(key, f"w{me}-{i}", float(i), 0.0)   # one transaction per row: the worst case
""")


def concurrent_writers(folder: Path, writers: int, rows: int) -> dict:
    path = folder / "writers.sqlite"
    children = [subprocess.Popen([sys.executable, "-c", WRITER_CHILD, str(path), str(w), str(rows)], cwd=ROOT)
                for w in range(writers)]
    codes = [c.wait() for c in children]
    stored = _count(path, "scores")
    return {"writers": writers, "rows_each": rows, "stored": stored, "lost": writers * rows - stored,
            "failed_writers": sum(c != 0 for c in codes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--cells", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    lines = [f"# kill -9 trials and concurrent writers", "",
             f"`{' '.join(sys.argv)}` on {platform.node()} ({os.cpu_count()} cores), "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             "| run | trial | killed at (rows stored) | rows after resume | expected | lost | values differing |",
             "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        reference = None
        for t in range(args.trials):
            result = scoring_trial(folder, args.cells, int(rng.integers(1, args.cells)), reference)
            reference = result["reference"]
            lines.append(f"| scoring ({args.cells} cells, naswot) | {t + 1} | {result['rows_at_kill']} | "
                         f"{result['rows']} | {result['expected']} | {result['lost']} | {result['differ']} |")
            print(lines[-1], flush=True)
        reference = None
        for t in range(args.trials):
            result = experiment_trial(folder, args.rounds, int(rng.integers(1, args.rounds)), reference)
            reference = result["reference"]
            lines.append(f"| experiment ({args.rounds} rounds, rs-warmup + nparams) | {t + 1} | "
                         f"{result['rows_at_kill']} | {result['rows']} | {result['expected']} | {result['lost']} | "
                         f"{result['differ']} |")
            print(lines[-1], flush=True)
        writers = concurrent_writers(folder, args.writers, args.rows)
    lines += ["", f"Concurrent writers: {writers['writers']} processes x {writers['rows_each']} rows, one "
              f"transaction per row, into one store: {writers['stored']} rows stored, {writers['lost']} lost, "
              f"{writers['failed_writers']} writers failed.", ""]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
