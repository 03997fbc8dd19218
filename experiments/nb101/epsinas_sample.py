"""epsinas on random NAS-Bench-101 cells with the paper's NB101 setting, for Tables 4 and 6.

    nice -n 10 .venv/bin/python experiments/nb101/epsinas_sample.py --cells 3000     # scores (resumable)
    .venv/bin/python experiments/nb101/epsinas_sample.py --analyse                    # tables

Cells are drawn uniformly from the 423,624 distinct cells (seed 0), as the paper's random
5,000. Each cell's full network (stem 128) is run once, one channel group wide and exact
(``nasearch.proxies.narrow``), for all six constants of the paper's Table 6 stacked in one pass
(1e-4 ... 10), float32, batch-statistics batch norm (the reference code's BatchNorm keeps no
running statistics), 256 real CIFAR-10 training images (``../shared/data/cifar10-partial``,
seed 0). Every weight pair's epsinas is then the statistic of two of these outputs. Rows are
appended to ``epsinas_sample.csv`` as they come, so a stopped run keeps what it scored and
``--cells`` continues it; ``--start S --part NAME`` scores positions S.. of the same draw into
``epsinas_sample_NAME.csv`` (a second process on another core). ``--analyse`` reads every
part and writes ``epsinas_sample.md``. ``--paper-pair-only`` (with ``--part paper...``) runs only
the constants 1e-4 and 10, about 2.5x faster: those cells count for the Table 4 row, not Table 6.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nasearch.data import load_batch  # noqa: E402
from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.proxies.epsinas import epsinas_statistic  # noqa: E402
from nasearch.proxies.narrow import narrow_outputs  # noqa: E402
from nasearch.spaces.nb101 import NB101Space  # noqa: E402
from nasearch.spaces.nb101_catalogue import load_catalogue  # noqa: E402
from nasearch.spaces.nb101_network import count_parameters  # noqa: E402

OUT = Path(__file__).resolve().parent
CSV = OUT / "epsinas_sample.csv"
DATA = ROOT.parent / "shared" / "data" / "cifar10-partial" / "cifar10_partial_salvaged.npz"
CONSTANTS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)
# Table 6's pairs, then the paper's NB101 choice (Table 9)
PAIRS = [(a, b) for a, b in itertools.combinations(CONSTANTS[:5], 2)] + [(1e-4, 10.0)]
# the paper's Table 6 rows (non-NaN of 5,000; Spearman; Kendall) and Table 4's epsinas row
TABLE6 = {(1e-4, 1e-3): (2120, 0.47, 0.33), (1e-4, 1e-2): (2120, 0.61, 0.43), (1e-4, 1e-1): (2120, 0.61, 0.43),
          (1e-4, 1.0): (2120, 0.61, 0.43), (1e-3, 1e-2): (4968, 0.29, 0.20), (1e-3, 1e-1): (4968, 0.29, 0.19),
          (1e-3, 1.0): (4968, 0.29, 0.19), (1e-2, 1e-1): (5000, 0.21, 0.14), (1e-2, 1.0): (5000, 0.21, 0.14),
          (1e-1, 1.0): (5000, -0.47, -0.32), (1e-4, 10.0): (None, 0.62, 0.44)}


def pair_name(pair: tuple[float, float]) -> str:
    return f"eps_{pair[0]:g}_{pair[1]:g}"


def score(cells: int, seed: int, batch_size: int, start: int = 0, part: str = "", paper_pair_only: bool = False) -> None:
    constants, pairs = ((1e-4, 10.0), [(1e-4, 10.0)]) if paper_pair_only else (CONSTANTS, PAIRS)
    torch.set_num_threads(1)
    space, catalogue = NB101Space(), load_catalogue()
    task = TASKS["cifar10"]
    batch = load_batch(str(DATA), task, batch_size, seed=0)
    order = np.random.default_rng(seed).permutation(len(catalogue))[start:cells]
    path = CSV.with_name(f"epsinas_sample_{part}.csv") if part else CSV
    done = set()
    if path.exists():
        with path.open() as f:
            done = {int(row["index"]) for row in csv.DictReader(f)}
    fields = ["index", "hash", "cell", "test_accuracy", "nparams", "cpu_seconds", *map(pair_name, pairs)]
    new_file = not path.exists()
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        if new_file:
            writer.writeheader()
        for count, index in enumerate(order):
            if int(index) in done:
                continue
            cell = catalogue.cell(int(index))
            arch = space.from_cell(cell)
            start = time.process_time()
            with torch.device("meta"):
                model = space.build(arch, task)
            outputs = [o.double().numpy().ravel() for o in
                       narrow_outputs(model, batch.inputs, constants, True, torch.float32)]
            by_constant = dict(zip(constants, outputs))
            row = {pair_name(p): epsinas_statistic(by_constant[p[0]], by_constant[p[1]]) for p in pairs}
            seconds = time.process_time() - start
            writer.writerow({"index": int(index), "hash": space.canonical_key(arch), "cell": arch.text,
                             "test_accuracy": 100 * catalogue.mean_test_accuracy(int(index)),
                             "nparams": count_parameters(cell), "cpu_seconds": f"{seconds:.3f}", **row})
            f.flush()
            if count % 50 == 0:
                print(f"{count}/{cells} {datetime.now(timezone.utc):%H:%M:%S}", flush=True)


def sample_rows_by_index() -> dict[int, dict]:
    """Every scored row of every part, by catalogue index (the first part that has it wins)."""
    rows: dict[int, dict] = {}
    for path in [CSV, *sorted(CSV.parent.glob("epsinas_sample_*.csv"))]:
        with path.open() as f:
            for row in csv.DictReader(f):
                rows.setdefault(int(row["index"]), row)
    return rows


def stats(score: np.ndarray, acc: np.ndarray) -> dict[str, float]:
    """The paper's statistics (its compute_stats): cells with NaN or non-positive scores are dropped."""
    from scipy.stats import kendalltau, spearmanr

    keep = np.isfinite(score) & np.isfinite(acc) & (score > 0)
    s, a = score[keep], acc[keep]
    out = {"n": int(keep.sum())}
    if out["n"] < 10:
        return out | {"rho": math.nan, "tau": math.nan}
    top_acc = a > np.percentile(a, 90)
    top_score = s > np.percentile(s, 90)
    out["rho"], out["tau"] = spearmanr(s, a)[0], kendalltau(s, a)[0]
    out["rho_top10"] = spearmanr(s[top_acc], a[top_acc])[0]
    out["tau_top10"] = kendalltau(s[top_acc], a[top_acc])[0]
    out["top10_top10"] = 100 * float(np.sum(top_acc & top_score) / np.sum(top_score))
    out["top64_top5"] = int(np.sum((a > np.percentile(a, 95)) & (s >= np.sort(s)[-64]))) if len(s) > 64 else math.nan
    return out


def bootstrap(score: np.ndarray, acc: np.ndarray, draws: int = 300) -> tuple[float, float]:
    from scipy.stats import spearmanr

    keep = np.isfinite(score) & (score > 0)
    s, a = score[keep], acc[keep]
    rng = np.random.default_rng(0)
    values = [spearmanr(s[i], a[i])[0] for i in (rng.integers(0, len(s), len(s)) for _ in range(draws))]
    return tuple(np.percentile(values, [2.5, 97.5]))


def analyse() -> None:
    import pandas as pd
    from scipy.stats import kendalltau, spearmanr

    parts = [CSV, *sorted(CSV.parent.glob("epsinas_sample_*.csv"))]
    every = pd.concat([pd.read_csv(p) for p in parts]).drop_duplicates("index")
    table = pd.concat([pd.read_csv(p) for p in parts if "paper" not in p.name]).drop_duplicates("index")
    acc = table["test_accuracy"].to_numpy(float)
    n = len(table)
    seconds = table["cpu_seconds"].to_numpy(float)
    pair_seconds = pd.concat([pd.read_csv(p) for p in parts if "paper" in p.name] or [table])["cpu_seconds"]
    lines = ["# epsinas on random NAS-Bench-101 cells (Tables 4 and 6 of the epsinas paper)", "",
             f"Command: `nice -n 10 .venv/bin/python experiments/nb101/epsinas_sample.py --cells N` then "
             f"`--analyse` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()} CPU, 2 cores "
             "shared with other agents, 1 torch thread). "
             f"**{len(every):,} cells** drawn uniformly from the 423,624 (seed 0; {n:,} with all six constants, for "
             f"Table 6, {len(every) - n:,} more with the paper's pair only, `--paper-pair-only`); accuracy = the whole-space table's "
             "mean test accuracy at 108 epochs (`nb101-cifar10`). Full networks (stem 128), float32, "
             "batch-statistics BN, batch 256 of real CIFAR-10 training images; all six constants in one "
             "exact channel-group pass. Statistics as the paper's code computes them: cells whose score is "
             "NaN or not positive are dropped.", "",
             f"CPU time per cell, all six constants: median {np.median(seconds):.2f} s, 90th percentile "
             f"{np.percentile(seconds, 90):.2f} s; the paper's pair alone: median "
             f"{np.median(pair_seconds.to_numpy(float)):.2f} s (the plain full-width path: ~64 CPU-s for two "
             "constants at batch 256, `epsinas_timing.md`).", "",
             "## Table 6: weight pairs", "",
             "| weights | non-NaN (of N) | non-NaN % | paper % (of 5,000) | Spearman | paper | Kendall | paper "
             "| top-10% ρ | top-10%/top-10% | top-64/top-5% |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for pair in PAIRS:
        s = table[pair_name(pair)].to_numpy(float)
        r = stats(s, acc)
        paper = TABLE6[pair]
        paper_pct = f"{100 * paper[0] / 5000:.1f}" if paper[0] else "—"
        lines.append(f"| {pair[0]:g}, {pair[1]:g} | {r['n']:,} | {100 * r['n'] / n:.1f} | {paper_pct} | "
                     f"{r['rho']:.3f} | {paper[1]:.2f} | {r['tau']:.3f} | {paper[2]:.2f} | "
                     f"{r.get('rho_top10', math.nan):.2f} | {r.get('top10_top10', math.nan):.1f} | "
                     f"{r.get('top64_top5', math.nan)} |")
    acc = every["test_accuracy"].to_numpy(float)
    n = len(every)
    main = every[pair_name((1e-4, 10.0))].to_numpy(float)
    low, high = bootstrap(main, acc)
    nparams = every["nparams"].to_numpy(float)
    keep = np.isfinite(main) & (main > 0)
    lines += ["", f"## Table 4 row (weights 1e-4, 10; all {n:,} cells)", "",
              f"Spearman {stats(main, acc)['rho']:.3f} (bootstrap 95% [{low:.3f}, {high:.3f}]), Kendall "
              f"{stats(main, acc)['tau']:.3f}, over the {int(keep.sum()):,} non-NaN cells; paper 0.62 / 0.44. "
              f"nparams on the same non-NaN cells: Spearman {spearmanr(nparams[keep], acc[keep])[0]:.3f}, "
              f"on all {n:,}: {spearmanr(nparams, acc)[0]:.3f} / {kendalltau(nparams, acc)[0]:.3f} "
              "(whole space 0.435 / 0.307).", "",
              "## Reading the gaps", "",
              "- The NaN counts match the paper's Table 6 pair by pair (42% / 99.4% / 100% non-NaN): the "
              "float32 NaN filter is reproduced, which is what the eval-mode setting broke "
              "(`epsinas_settings.md`).",
              "- Pairs without that filter (w_lo >= 1e-3) match the paper within 0.02-0.04. The (1e-4, w) pairs "
              "are about +0.08 above it (0.70 vs 0.61-0.62), and the bootstrap interval above excludes the paper's "
              "figure. **Not explained.** Ruled out, each measured: our precision (float64 on the float32-finite "
              "cells gives the same correlation, `weights.md`); the batch-norm setting and network (the authors' "
              "own NB101 code agrees with ours to 1e-13, `epsinas_reference_check.md`); a GPU's TF32 "
              "convolutions (emulated on the CPU over 1,000 of these cells: the correlation moves by 0.001) and "
              "flushing of subnormals (emulated: it makes 54 of the 441 finite cells NaN, so the non-NaN share "
              "falls to 38.7%, away from the paper's 42.4%, and the correlation rises to 0.713; the paper's run "
              "kept subnormals) (`../epsinas/gpu_arithmetic_nb101_*.md`). The cell set: in the "
              "authors' notebooks (egracheva/epsinas 7e4a9bc, `NAS-Bench-101/Reproduce.ipynb` and "
              "`Ablations.ipynb`) Table 4's row comes from a loop over every cell the NAS-Bench-101 API "
              "iterates, and Table 6 from the *first* 5,000 cells in the API's hash-iterator order (the "
              "tfrecord's order, which our table does not keep), not a random draw. Both give 0.61-0.62 there, "
              "so the order is unlikely to be the cause; our uniform draw is 0.03 easier than the whole space "
              "by nparams (0.463 vs 0.435), which is not 0.08. Nor the images: another 256 training images "
              "give 0.689 against 0.693 on the same 1,000 cells (`epsinas_images_1.md`). What is left cannot be "
              "checked from here: the authors' stored scores and accuracies (their notebooks read them from "
              "`epsinas-release-data`, which is not public).",
              "- The paper's epsinas-vs-nparams comparison (0.62 vs 0.43) sets epsinas on its non-NaN 42% "
              "against nparams on every cell. On the same non-NaN cells nparams itself reaches the figure "
              "above (≈0.66): the filter keeps an easier subset (cells with few convolutions on their paths). "
              "On every cell in float64, epsinas (1e-4, 10) gives 0.39 (`weights.md`, 150 cells), below nparams on every cell (0.46 here).",
              "- top-10% ρ and top-10%/top-10% rest on the top tenth of the non-NaN cells (about 90); top-64/top-5% counts depend on the sample size "
              "and are not comparable with the paper's 5,000-cell figures."]
    (OUT / "epsinas_sample.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--start", type=int, default=0, help="first position of the draw to score")
    parser.add_argument("--part", default="", help="write epsinas_sample_PART.csv instead")
    parser.add_argument("--paper-pair-only", action="store_true", help="only the constants 1e-4 and 10")
    parser.add_argument("--analyse", action="store_true")
    args = parser.parse_args()
    if args.analyse:
        analyse()
    else:
        if args.paper_pair_only and not args.part.startswith("paper"):
            parser.error("--paper-pair-only needs --part paper... (its rows hold one weight pair)")
        score(args.cells, args.seed, args.batch_size, args.start, args.part, args.paper_pair_only)


if __name__ == "__main__":
    main()
