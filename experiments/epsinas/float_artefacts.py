"""Float32 NaN cells of epsinas vs float64, and what keeping them does to the correlations.

Reads the float64 whole-space scores (``scores_cifar10.csv`` from ``whole_space.py``),
scores cells with the narrow path in float32 (all networks, or a random sample with
``--sample``), and the plain float32 reference on a smaller sample, then writes
``float_artefacts.md``. Also checks the structural explanation of the NaN cells: every
input-to-output path through the cell passes a convolution.

    PYTHONPATH=$PWD nice -n 10 python experiments/epsinas/float_artefacts.py --plain-sample 10
"""

from __future__ import annotations

import argparse
import csv
import math
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HERE, TABLE2_HEAD, accuracies, batch_for, header, quiet_process, score_cell, table2_row  # noqa: E402

from nasearch.spaces.nb201 import EDGES, NB201Space  # noqa: E402

WEIGHTS = (1e-7, 1.0)
_state: dict = {}


def conv_on_every_path(ops) -> bool:
    """True when the cell's output has a path from its input and every such path passes a convolution."""
    free = {0: True}  # node -> reachable by a path without convolution
    reach = {0: True}
    for node in (1, 2, 3):
        reach[node] = free[node] = False
        for (source, target), op in zip(EDGES, ops):
            if target != node or op == "none" or not reach[source]:
                continue
            reach[node] = True
            if op in ("skip_connect", "avg_pool_3x3") and free[source]:
                free[node] = True
    return reach[3] and not free[3]


def stored_plain_scores(path: str, fingerprint: str) -> dict[str, float]:
    """{canonical key: plain float32 epsinas score} from a ScoreStore file (read only)."""
    import json
    import sqlite3

    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    result = {}
    for arch, config, value in connection.execute(
            "SELECT arch, config, value FROM scores WHERE proxy = 'epsinas' AND data = ?", (fingerprint,)):
        cfg = json.loads(config)
        if cfg.get("dtype") == "float32" and cfg.get("method", "plain") == "plain" and \
                tuple(cfg.get("weights", ())) == WEIGHTS and cfg.get("train_mode", True):
            result[arch] = math.nan if value is None else float(value)
    connection.close()
    return result


def _init(data: str) -> None:
    quiet_process(1)
    _state["space"], _state["batch"] = NB201Space(), batch_for(data, 256)


def _job(job: tuple[str, str]) -> float:
    text, method = job
    return score_cell(_state["space"], text, _state["batch"], WEIGHTS, torch.float32, method)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="cifar10")
    parser.add_argument("--sample", type=int, default=0, help="float32 narrow on this many networks (0: all)")
    parser.add_argument("--plain-sample", type=int, default=10, help="networks also run with the plain float32 path")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--plain-store", default="", help="a ScoreStore SQLite file holding plain float32 epsinas "
                        "scores (dtype float32, weights 1e-7/1, same batch) to compare NaN patterns with")
    args = parser.parse_args()
    command = "PYTHONPATH=$PWD nice -n 10 python experiments/epsinas/float_artefacts.py " + " ".join(sys.argv[1:])
    space = NB201Space()
    csv_path = HERE / f"scores_{args.data}.csv"
    texts = [a.text for a in space.enumerate()]
    key_of = {t: space.canonical_key(space.parse(t)) for t in texts}
    reps = sorted({space.canonical(space.parse(t)).text for t in texts})
    rng = np.random.default_rng(3)
    todo = reps if not args.sample else [reps[i] for i in rng.choice(len(reps), args.sample, replace=False)]
    plain_todo = [todo[i] for i in rng.choice(len(todo), min(args.plain_sample, len(todo)), replace=False)]
    stored = stored_plain_scores(args.plain_store, batch_for(args.data, 256).fingerprint) if args.plain_store else {}
    rep_of_key = {key_of[t]: t for t in reps}
    stored = {rep_of_key[k]: v for k, v in stored.items() if k in rep_of_key}
    todo = list(dict.fromkeys(todo + sorted(stored)))
    start = time.perf_counter()
    with mp.get_context("fork").Pool(args.workers, _init, (args.data,)) as pool:
        narrow32 = dict(zip(todo, pool.map(_job, [(t, "narrow") for t in todo], chunksize=16)))
        plain32 = dict(zip(plain_todo, pool.map(_job, [(t, "plain") for t in plain_todo], chunksize=1)))
    seconds = time.perf_counter() - start
    while not csv_path.exists():  # the float64 scores come from whole_space.py, possibly still running
        print(f"waiting for {csv_path} (run whole_space.py --data {args.data})", file=sys.stderr)
        time.sleep(30)
    time.sleep(5)
    with csv_path.open() as handle:
        rows = list(csv.DictReader(handle))
    if [r["arch"] for r in rows] != texts:
        raise ValueError(f"{csv_path} does not list the 15,625 cells in enumeration order")
    s64 = np.array([float(r["score_float64"]) for r in rows])
    by_key = {key_of[t]: v for t, v in narrow32.items()}
    s32 = np.array([by_key.get(key_of[t], math.nan) for t in texts])
    covered = np.array([key_of[t] in by_key for t in texts])
    structural = np.array([conv_on_every_path(space.parse(t).ops) for t in texts])

    if not args.sample:  # fill the float32 column of the scores file
        for row, value in zip(rows, s32):
            row["score_float32_narrow"] = repr(float(value))
        with csv_path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    nan32, nan64 = np.isnan(s32) & covered, np.isnan(s64)
    agree_plain = sum((math.isnan(plain32[t]) == math.isnan(narrow32[t])) for t in plain_todo)
    lines = [f"# epsinas float artefacts: float32 vs float64 ({args.data} images, batch 256, weights {WEIGHTS})\n",
             header(command),
             f"Float32 narrow path on {covered.sum()} of 15,625 cells ({len(todo)} distinct networks"
             f"{', a random sample' if args.sample else ''}); plain float32 reference on {len(plain_todo)} of them. "
             f"Wall time {seconds:.0f} s.\n",
             "| | cells | NaN | NaN % |", "|---|---|---|---|",
             f"| float32, narrow path | {covered.sum()} | {nan32.sum()} | {100 * nan32.sum() / covered.sum():.1f} |",
             f"| float64, narrow path (default) | {len(s64)} | {nan64.sum()} | {100 * nan64.mean():.1f} |",
             f"| structural: every path through the cell passes a convolution | {len(s64)} | {structural.sum()} | "
             f"{100 * structural.mean():.1f} |",
             "",
             f"Float32 NaN vs the structural rule on the covered cells: {np.sum(nan32[covered] == structural[covered])} "
             f"of {covered.sum()} agree. Float32 narrow vs plain float32 NaN pattern on the plain sample: "
             f"{agree_plain} of {len(plain_todo)} agree "
             f"(plain NaN: {sum(math.isnan(plain32[t]) for t in plain_todo)}).",
             "", "Scores of the plain float32 sample vs narrow float32:", "",
             "| cell | plain float32 | narrow float32 |", "|---|---|---|"]
    for t in plain_todo:
        shown = t.replace("|", "\\|")
        lines.append(f"| `{shown}` | {plain32[t]:.6g} | {narrow32[t]:.6g} |")
    lines += ["", "## Correlations with and without the float32 NaN cells\n",
              "Rows marked 'structural' use the rule above on all 15,625 cells as the float32 NaN mask (it "
              "agrees with float32 on the covered cells, see above). 'NaN last' scores every cell, NaN cells "
              "tied below all others, as a search ranks them.\n", TABLE2_HEAD]
    for bench, acc in accuracies(texts).items():
        last = np.where(structural, np.nanmin(s64) - 1.0, s64)
        lines.append(f"| float64, structural float32-finite cells (paper protocol, whole space) | {bench} | "
                     f"{table2_row(np.where(structural, np.nan, s64), acc)} |")
        lines.append(f"| float64, structural float32-NaN cells ranked last (whole space) | {bench} | "
                     f"{table2_row(last, acc)} |")
        lines.append(f"| float64, all cells kept (whole space) | {bench} | {table2_row(s64, acc)} |")
        lines.append(f"| float64, only the structural float32-NaN cells | {bench} | "
                     f"{table2_row(np.where(structural, s64, np.nan), acc)} |")
        lines.append(f"| float32 narrow, NaN omitted (paper protocol) | {bench} | {table2_row(np.where(covered, s32, np.nan), acc)} |")
        lines.append(f"| float64 on the same (float32-finite) cells | {bench} | "
                     f"{table2_row(np.where(covered & ~nan32, s64, np.nan), acc)} |")
        lines.append(f"| float64, float32-NaN cells kept | {bench} | {table2_row(np.where(covered, s64, np.nan), acc)} |")
        lines.append(f"| float64, only the float32-NaN cells | {bench} | {table2_row(np.where(nan32, s64, np.nan), acc)} |")
    if stored:
        same = sum(math.isnan(v) == math.isnan(narrow32[t]) for t, v in stored.items())
        lines += ["", f"Cross-check with {len(stored)} plain float32 scores from `{args.plain_store}` (computed by a "
                  f"separate `nasearch.cli correlate` run on the same batch): NaN in plain "
                  f"{sum(math.isnan(v) for v in stored.values())}, NaN in narrow float32 "
                  f"{sum(math.isnan(narrow32[t]) for t in stored)}, same NaN status on {same}; finite scores agree "
                  f"to max rel. diff {max((abs(narrow32[t] - v) / abs(v) for t, v in stored.items() if not math.isnan(v) and not math.isnan(narrow32[t]) and v), default=math.nan):.1e}."]
    name = "float_artefacts.md" if args.data == "cifar10" else f"float_artefacts_{args.data}.md"
    (HERE / name).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
