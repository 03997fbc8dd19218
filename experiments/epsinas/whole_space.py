"""epsinas on all 15,625 NAS-Bench-201 cells with the exact narrow path, timed against the plain path.

Scores one representative per canonical key (4,930 networks; isomorphic cells build the
same network, as ``ProxyScorer`` does) with ``Epsinas`` defaults (float64, narrow), then
optionally the narrow path in float32, then the plain path (float64 and the float32
reference) on a random sample in the same run. Writes ``whole_space_<data>.md`` and
``scores_<data>.csv`` beside this file.

    PYTHONPATH=$PWD nice -n 10 python experiments/epsinas/whole_space.py --data cifar10 --float32 --plain-sample 8
"""

from __future__ import annotations

import argparse
import csv
import math
import multiprocessing as mp
import resource
import sys
import time

import numpy as np
import torch

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from common import (HERE, PAPER_T2, TABLE2_HEAD, accuracies, batch_for, header, peak_rss_mib,  # noqa: E402
                    quiet_process, score_cell, table2_row, unique_cells)

from nasearch.proxies.epsinas import constant_outputs, epsinas_statistic  # noqa: E402
from nasearch.spaces.nb201 import NB201Space  # noqa: E402

WEIGHTS = (1e-7, 1.0)
_state: dict = {}


def _init(data: str, batch_size: int) -> None:
    quiet_process(1)
    _state["space"] = NB201Space()
    _state["batch"] = batch_for(data, batch_size)


def _work(job: tuple[str, str]) -> tuple[str, float, float]:
    text, dtype = job
    value, seconds = score_cell(_state["space"], text, _state["batch"], WEIGHTS,
                                torch.float64 if dtype == "float64" else torch.float32, "narrow")
    return text, value, seconds


def run_pool(reps: list[str], dtype: str, args) -> tuple[dict[str, float], dict[str, float], float]:
    start = time.perf_counter()
    scores, cpu = {}, {}
    with mp.get_context("fork").Pool(args.workers, _init, (args.data, args.batch_size)) as pool:
        for text, value, seconds in pool.imap_unordered(_work, [(t, dtype) for t in reps], chunksize=16):
            scores[text], cpu[text] = value, seconds
    return scores, cpu, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="cifar10", help="cifar10 (real images from ../shared/data) or grey")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--float32", action="store_true", help="also score every cell with the narrow path in float32")
    parser.add_argument("--plain-sample", type=int, default=8, help="cells timed with the plain path (float64, float32)")
    parser.add_argument("--limit", type=int, default=0, help="score only this many networks (for trying the script)")
    args = parser.parse_args()
    command = "PYTHONPATH=$PWD nice -n 10 python experiments/epsinas/whole_space.py " + " ".join(sys.argv[1:])

    space = NB201Space()
    reps, key_of = unique_cells(space)
    if args.limit:
        reps = reps[: args.limit]
    rep_of_key = {space.canonical_key(space.parse(t)): t for t in reps}

    s64, cpu64, wall64 = run_pool(reps, "float64", args)
    s32, cpu32, wall32 = (run_pool(reps, "float32", args) if args.float32 else ({}, {}, math.nan))
    narrow_peak = peak_rss_mib(resource.RUSAGE_CHILDREN)

    # plain path on a sample, in this process, beside the narrow path on the same cells
    quiet_process(1)
    batch = batch_for(args.data, args.batch_size)
    rng = np.random.default_rng(0)
    sample = [reps[i] for i in rng.choice(len(reps), size=min(args.plain_sample, len(reps)), replace=False)]
    rows, plain32 = [], {}
    for text in sample:
        narrow_value, narrow_cpu = score_cell(space, text, batch, WEIGHTS, torch.float64, "narrow")
        p32, p32_cpu = score_cell(space, text, batch, WEIGHTS, torch.float32, "plain")
        start = time.process_time()
        torch.manual_seed(0)
        outs = constant_outputs(space.build(space.parse(text), __import__("nasearch.interfaces", fromlist=["TASKS"]).TASKS["cifar10"]),
                                batch.inputs, WEIGHTS, True, torch.float64)
        p64_cpu = time.process_time() - start
        p64_flat = epsinas_statistic(*outs)
        p64_sample = epsinas_statistic(*[o.reshape(args.batch_size, -1)[:, 0] for o in outs])
        plain32[text] = p32
        rows.append((text, narrow_value, p64_sample, p64_flat, p32, s32.get(text, math.nan),
                     narrow_cpu, p64_cpu, p32_cpu))
    main_peak = peak_rss_mib()

    texts = list(key_of)
    col64 = np.array([s64.get(rep_of_key.get(key_of[t], ""), math.nan) for t in texts])
    col32 = np.array([s32.get(rep_of_key.get(key_of[t], ""), math.nan) for t in texts])
    csv_path = HERE / f"scores_{args.data}.csv"
    if not args.limit:
        with csv_path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["arch", "score_float64", "score_float32_narrow", "score_float32_plain"])
            for t, a, b in zip(texts, col64, col32):
                p = plain32.get(rep_of_key[key_of[t]], "")
                writer.writerow([t, repr(float(a)), repr(float(b)) if args.float32 else "", p if p == "" else repr(p)])

    n = len(reps)
    lines = [f"# epsinas on the whole NAS-Bench-201 space ({args.data} images, batch {args.batch_size})\n",
             header(command),
             f"Weights {WEIGHTS}, train-mode batch norm, CIFAR-10 network (10 classes, 32x32). "
             f"The 15,625 cells build {len(unique_cells(space)[0])} distinct networks (canonical keys); "
             f"{n} were scored, each built on the meta device as `ProxyScorer` does (build time included).\n",
             "## Time and memory\n",
             "| path | networks | wall s | CPU s (sum over workers) | CPU s / network | max CPU s / network |",
             "|---|---|---|---|---|---|",
             f"| narrow float64 ({args.workers} workers, 1 thread each) | {n} | {wall64:.0f} | {sum(cpu64.values()):.0f} | "
             f"{np.mean(list(cpu64.values())):.3f} | {max(cpu64.values()):.3f} |"]
    if args.float32:
        lines.append(f"| narrow float32 | {n} | {wall32:.0f} | {sum(cpu32.values()):.0f} | "
                     f"{np.mean(list(cpu32.values())):.3f} | {max(cpu32.values()):.3f} |")
    if rows:
        arr = np.array([r[6:] for r in rows])
        for label, col in (("narrow float64 (sample, this process)", 0), ("plain float64 (sample)", 1),
                           ("plain float32, reference (sample)", 2)):
            lines.append(f"| {label} | {len(rows)} | | {arr[:, col].sum():.0f} | {arr[:, col].mean():.3f} | "
                         f"{arr[:, col].max():.3f} |")
        lines += ["",
                  f"Plain path extrapolated to all {n} networks (mean CPU s on the sample x {n}, one core): "
                  f"float64 {arr[:, 1].mean() * n / 3600:.1f} CPU-hours, float32 {arr[:, 2].mean() * n / 3600:.1f} "
                  f"CPU-hours; narrow float64 measured: {sum(cpu64.values()) / 60:.1f} CPU-minutes. "
                  f"Slowest narrow network of the whole space: {max(cpu64.values()):.3f} CPU s; fastest plain "
                  f"float32 network of the sample: {arr[:, 2].min():.3f} CPU s. Per-cell speed-up on the sample "
                  f"(plain float32 / narrow float64): min {np.min(arr[:, 2] / arr[:, 0]):.0f}x, "
                  f"median {np.median(arr[:, 2] / arr[:, 0]):.0f}x.",
                  "",
                  f"Peak resident memory: narrow-path workers {narrow_peak:.0f} MiB (largest worker, "
                  f"`getrusage(RUSAGE_CHILDREN)`); this process, which also ran the plain path, {main_peak:.0f} MiB.",
                  "", "## Agreement with the plain path (sample)\n",
                  "`plain64 per-sample`: plain float64 network, statistic on its first output unit (every unit "
                  "carries the same value up to the last bit); `plain64 flattened`: the statistic on all units, "
                  "where last-bit differences between units decide which copies of the minimum are exact zeros.\n",
                  "| cell | narrow float64 | plain64 per-sample | rel. diff | plain64 flattened | rel. diff | "
                  "plain float32 | narrow float32 |", "|---|---|---|---|---|---|---|---|"]
        for text, nv, ps, pf, p32, n32, *_ in rows:
            rel = lambda a, b: abs(a - b) / abs(b) if b and not math.isnan(b) else (0.0 if a == b else math.nan)  # noqa: E731
            shown = text.replace("|", "\\|")
            lines.append(f"| `{shown}` | {nv:.12g} | {ps:.12g} | {rel(nv, ps):.1e} | {pf:.12g} | {rel(nv, pf):.1e} | "
                         f"{p32:.6g} | {f'{n32:.6g}' if args.float32 else 'not run'} |")
    if not args.limit:
        lines += ["", "## Table 2 row (NaN scores omitted and counted)\n", TABLE2_HEAD]
        paper = PAPER_T2.get(args.data)
        for bench, acc in accuracies(texts).items():
            lines.append(f"| float64 narrow | {bench} | {table2_row(col64, acc)} |")
            if args.float32:
                lines.append(f"| float32 narrow | {bench} | {table2_row(col32, acc)} |")
                kept = np.where(np.isnan(col32), np.nan, col64)
                lines.append(f"| float64, cells finite in float32 only | {bench} | {table2_row(kept, acc)} |")
        if paper:
            lines.append("| paper 001 (5,000 cells, float32, NaN omitted) | official 200 ep | | | "
                         + " | ".join(str(v) for v in paper) + " |")
        lines.append(f"\nScores: `{csv_path.name}` (one row per cell; `score_float32_plain` only on the sampled "
                     "networks, repeated on their isomorphic cells).")
    out = HERE / (f"whole_space_{args.data}.md" if not args.limit else f"whole_space_{args.data}_trial.md")
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
