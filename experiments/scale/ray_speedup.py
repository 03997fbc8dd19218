"""Ray vs local processes, 1 and 2 workers, in one run: proxy scoring, search rounds, overhead.

    .venv/bin/python experiments/scale/ray_speedup.py --cells 480 --rounds 100 --pool 8 \
        --out experiments/scale/ray_speedup.md

1. Start-up: creating the backend until a worker is ready on each core (the process pool is
   started once and kept for every later map; Ray starts once); not inside the walls below.
2. Scoring: the same ``--cells`` cells (seeded sample; ``--cells 0`` = the whole space) scored
   with ``--proxy`` (default epsinas, grey batch of 256) into a fresh store by each backend x
   workers; wall time, seconds per computed cell, and whether every backend gave the very same
   numbers as the 1-worker run.
3. Search rounds: ``--rounds`` rounds as an experiment, the same four ways; with ``--pool P`` > 0
   each round is REA + warm-up whose pool of P cells is scored with ``--proxy`` by the workers
   (real work per round); ``--pool 0`` runs plain REA on the table (look-ups only: too little
   work per round for workers to help). The stored rows must be identical.
4. Overhead per task: a later map of 401 no-op tasks, time from the first result to the last /
   400; the time to its first result is the cost of a later map (installing its shared value).
5. Projection: all 423,624 NAS-Bench-101 cells on N workers = cells x seconds per cell / (N x
   efficiency), with the efficiency a task of 8 cells keeps after the measured Ray overhead per
   task (cells are independent; on a machine with N free cores that is the bound);
   ``--space nb101`` measures NB101 cells themselves (otherwise NB201's per-cell time stands in,
   which understates NB101's larger networks).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

NB101_CELLS = 423_624


def _noop(shared, item):
    return item


def _backend(name: str, workers: int):
    from nasearch.backends import InlineBackend, ProcessBackend, RayBackend

    if name == "ray":
        return RayBackend(workers=workers)
    return ProcessBackend(workers) if workers > 1 else InlineBackend()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--space", default="nb201")
    parser.add_argument("--proxy", default="epsinas")
    parser.add_argument("--cells", type=int, default=120, help="0: every cell of the space")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--pool", type=int, default=8,
                        help="warm-up pool per round scored with --proxy (0: plain REA on the table, no scoring)")
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from nasearch import registry
    from nasearch.api import sample_architectures
    from nasearch.data import synthetic_batch
    from nasearch.experiment import ExperimentConfig, run_experiment
    from nasearch.parallel import score_architectures

    space = registry.spaces.get(args.space)
    benchmark = registry.benchmarks.get(space.default_benchmark)
    task = benchmark.task
    archs = (list(space.enumerate()) if args.cells == 0
             else sample_architectures(space, benchmark, args.cells, seed=0))
    proxy = registry.proxies.get(args.proxy)
    batch = synthetic_batch("grey", task, 256)
    strategy = ({"name": "rea"} if args.pool == 0
                else {"name": "rea-warmup", "config": {"pool": args.pool, "population": min(args.pool, 10)}})
    config = ExperimentConfig(name="ray-speedup", space=args.space, benchmarks=[benchmark.name],
                              strategies=[strategy], proxies=[] if args.pool == 0 else [args.proxy],
                              data={"source": "grey", "batch_size": 256},
                              rounds=args.rounds, budget=args.budget, seed=0)
    results: dict[tuple[str, int], dict] = {}
    reference = None
    reference_rows = None
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("process", "ray"):
            for workers in (1, 2):
                load = os.getloadavg()[0]
                start = time.perf_counter()
                backend = _backend(name, workers)
                list(backend.map(_noop, None, range(workers)))  # a pool or Ray worker ready on each
                startup = time.perf_counter() - start
                try:
                    start = time.perf_counter()
                    values = score_architectures(space, proxy, task, batch, archs,
                                                 store=_store(tmp, f"s-{name}{workers}"), backend=backend)
                    score_wall = time.perf_counter() - start
                    if reference is None:
                        reference = values
                    same = bool(np.array_equal(values, reference, equal_nan=True))
                    path = Path(tmp) / f"e-{name}{workers}.sqlite"
                    start = time.perf_counter()
                    run_experiment(config, store_path=path, backend=backend)
                    rounds_wall = time.perf_counter() - start
                    rows = _rows(path)
                    reference_rows = reference_rows or rows
                    next_map, overhead = _overhead(backend, 401)
                finally:
                    backend.close()
                results[(name, workers)] = dict(startup=startup, next_map=next_map, score=score_wall, same=same,
                                                rounds=rounds_wall, rows_same=rows == reference_rows,
                                                overhead=overhead, load=load)
                print(name, workers, results[(name, workers)], flush=True)

    distinct = len({space.canonical_key(a) if proxy.isomorphism_invariant else a.text for a in archs})
    lines = [f"# Ray vs local processes, 1 and 2 workers ({args.space}, {args.proxy})", "",
             f"`{' '.join(sys.argv)}` on {platform.node()} ({os.cpu_count()} cores, shared with other jobs: "
             f"load average at the start of each row shown), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             f"this run's scheduling: {_priority()}.",
             f"Scoring: {len(archs)} cells ({distinct} distinct networks computed), grey batch of 256, "
             f"1 torch thread per worker. Search: {args.rounds} rounds of {strategy['name']} "
             + (f"(warm-up pool {args.pool} scored with {args.proxy}, computed by the workers) " if args.pool else "")
             + f"with budget {args.budget} on {benchmark.name}.", "",
             "Start-up: from creating the backend to a worker ready on each core (a process pool is started "
             "once and kept for every later map; Ray once). Next map: time to the first result of a later map "
             "(the shared value installed in each worker). Neither is inside the walls.", "",
             "| backend | workers | start-up (s) | next map (s) | scoring wall (s) | s per computed cell | "
             "scoring speed-up vs 1 worker | same scores as process x1 | rounds wall (s) | rounds speed-up | "
             "same rows | overhead per task (ms) | load avg at start |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (name, workers), r in results.items():
        one = results[(name, 1)]
        lines.append(f"| {name} | {workers} | {r['startup']:.1f} | {r['next_map']:.2f} | {r['score']:.1f} | "
                     f"{r['score'] / distinct:.3f} | {one['score'] / r['score']:.2f}x | {r['same']} | "
                     f"{r['rounds']:.1f} | {one['rounds'] / r['rounds']:.2f}x | {r['rows_same']} | "
                     f"{1000 * r['overhead']:.2f} | {r['load']:.1f} |")
    per_cell = results[("process", 1)]["score"] / distinct
    task = 8 * per_cell
    efficiency = task / (task + results[("ray", 2)]["overhead"])
    lines += ["", f"Projection for all {NB101_CELLS:,} NAS-Bench-101 cells with {args.proxy} from "
              f"{per_cell:.3f} s per cell ({args.space} cells, one worker, this machine) on N workers with a free "
              f"core each, at the efficiency {efficiency:.4f} that 8-cell tasks keep after the measured Ray "
              f"overhead per task:", "", "| workers | projected hours |", "|---|---|"]
    for n in (1, 2, 8, 32, 128):
        lines.append(f"| {n} | {NB101_CELLS * per_cell / (n * (1.0 if n == 1 else efficiency)) / 3600:.1f} |")
    if args.space != "nb101":
        lines += ["", "NB201 cells stand in for NB101 ones here: NB101 networks are larger (128 channels, "
                  "9 cells), so these hours are a lower bound; rerun with `--space nb101` where that space is "
                  "installed to measure them."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


def _priority() -> str:
    """Process niceness and, on Linux with autogroups, the session group's (which is what weighs
    against other sessions' processes)."""
    group = Path("/proc/self/autogroup")
    return f"nice {os.nice(0)}" + (f", {group.read_text().strip()}" if group.exists() else "")


def _overhead(backend, n: int) -> tuple[float, float]:
    """(seconds to the first result: pool or worker start-up, seconds per task after it) of no-op tasks."""
    start = time.perf_counter()
    stamps = [time.perf_counter() for _ in backend.map(_noop, None, range(n))]
    return stamps[0] - start, (stamps[-1] - stamps[0]) / (n - 1)


def _store(tmp: str, name: str):
    from nasearch.store import ScoreStore

    return ScoreStore(Path(tmp) / f"{name}.sqlite")


def _rows(path: Path) -> list:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT combination, round, final_arch, final_test, trained FROM experiment_results"))
    finally:
        conn.close()


if __name__ == "__main__":
    main()
