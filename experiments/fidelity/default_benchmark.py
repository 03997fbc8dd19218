"""Should the official 200-epoch CIFAR-10 table replace analog-nasbench as the default `nb201-cifar10`?

    python experiments/fidelity/default_benchmark.py [--rounds 100]

Compares the two embedded CIFAR-10 tables (both cover all 15,625 cells) on what a user sees:
agreement of the tables, where each puts the best cells, proxy correlations on the whole space
(stored epsinas scores of experiments/epsinas, FreeREA's parameter counts) and on the 1,000-cell
proxy table, and the main job's four searches (epsinas, grey images, the stored whole-space
scores) run on each. Writes default_benchmark.md beside this script. Needs ../shared/data for
the cifar10-valid rows and the parameter counts (skipped otherwise).
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from scipy import stats

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from common import DATA, refuse_empty  # noqa: E402

sys.path.insert(0, str(HERE.parent / "search"))
from epsinas_float32_rule import conv_on_every_path  # noqa: E402

from nasearch import registry  # noqa: E402
from nasearch.api import run_rounds  # noqa: E402
from nasearch.benchmarks.nb201_200ep import official_index, accuracy_table  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.tables.scorer import TableScorer  # noqa: E402
from nasearch.spaces.nb201 import NB201Space  # noqa: E402
from nasearch.report import budget_table, mean_std_at  # noqa: E402

SPACE = NB201Space()
STRATEGIES = ("rs", "rs-warmup", "rea", "rea-warmup")


def column(path: Path, name: str) -> dict[str, float]:
    with path.open(newline="") as handle:
        return {row["arch"]: float(row[name]) if row[name] not in ("", "nan") else np.nan
                for row in csv.DictReader(handle)}


def corr_row(label: str, scores: np.ndarray, tables: dict[str, np.ndarray]) -> str:
    cells = []
    for acc in tables.values():
        c = correlate(scores, acc)
        cells.append(f"{c.spearman:.3f} / {c.kendall:.3f} / {c.spearman_top10:.2f} / {c.top10_top10:.1f}")
    return f"| {label} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--budget", type=int, default=300)
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    archs = list(SPACE.enumerate())
    analog_bench = registry.benchmarks.get("nb201-cifar10-analog")
    official_bench = registry.benchmarks.get("nb201-cifar10-200ep")
    tables = {"analog-nasbench (`nb201-cifar10-analog`; the default until now)": np.array([analog_bench.train(a).test_accuracy for a in archs]),
              "official `cifar10` test (`nb201-cifar10-200ep`)": accuracy_table("cifar10")}
    valid_split = None
    if DATA is not None:
        bench = registry.benchmarks.get("nb201-cifar10-valid-200ep", data_dir=DATA)
        valid_split = np.array([bench.train(a).test_accuracy for a in archs])
    names = list(tables)
    analog, official = tables[names[0]], tables[names[1]]
    lines = ["# Which CIFAR-10 table should be the embedded default `nb201-cifar10`?", "",
             f"Command: `python experiments/fidelity/default_benchmark.py --rounds {args.rounds}`; "
             f"{platform.machine()}, torch {torch.__version__}, 1 thread; "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.", "", "## The tables", "",
             "| | best cell (test %) | mean | cells ≥ 93% | Spearman with official | Kendall with official |",
             "|---|---|---|---|---|---|"]
    rows_to_show = list(tables.items())
    if valid_split is not None:
        rows_to_show.append(("official `cifar10-valid` split, test column (`nb201-cifar10-valid-200ep`)", valid_split))
    for label, acc in rows_to_show:
        rho, tau = stats.spearmanr(acc, official)[0], stats.kendalltau(acc, official)[0]
        lines.append(f"| {label} | {acc.max():.2f} | {acc.mean():.2f} | {(acc >= 93).sum()} | {rho:.3f} | {tau:.3f} |")
    best_analog, best_official = int(np.argmax(analog)), int(np.argmax(official))
    rank_in_official = int((official > official[best_analog]).sum()) + 1
    rank_in_analog = int((analog > analog[best_official]).sum()) + 1
    top_a, top_o = analog >= np.percentile(analog, 99), official >= np.percentile(official, 99)
    lines += ["",
              f"- analog's best cell `{archs[best_analog]}` (official index {official_index(archs[best_analog])}): "
              f"{analog[best_analog]:.2f} there, {official[best_analog]:.2f} official (rank {rank_in_official}).",
              f"- the official best `{archs[best_official]}` (index {official_index(archs[best_official])}): "
              f"{official[best_official]:.2f} official, {analog[best_official]:.2f} in analog (rank {rank_in_analog}).",
              f"- top 1% (157 cells) shared by both tables: {int((top_a & top_o).sum())}; "
              f"Spearman over the official top 10%: {stats.spearmanr(analog[official >= np.percentile(official, 90)], official[official >= np.percentile(official, 90)])[0]:.3f}.",
              ""]

    lines += ["## Proxy correlations on the whole space", "",
              "Spearman / Kendall / Spearman top-10% (by accuracy) / top-10%/top-10% against each table "
              "(NaN scores omitted). Scores: `experiments/epsinas/scores_*.csv` (float64, the "
              "only whole-space column stored, with the reference float32 NaN cells, those where every path "
              "convolves, set to NaN as the paper omits them), FreeREA's parameter counts (`nb201-freerea/cifar10/params.csv`).", "",
              "| scores | " + " | ".join(names) + " |", "|---|---|---|"]
    float32_nan = np.array([conv_on_every_path(a.edges) for a in archs])
    for label, file in (("epsinas, real CIFAR-10 images", "scores_cifar10.csv"),
                        ("epsinas, grey images", "scores_grey.csv")):
        values = column(ROOT / "experiments" / "epsinas" / file, "score_float64")
        lines.append(corr_row(label, np.where(float32_nan, np.nan, [values[a.text] for a in archs]), tables))
    if DATA is not None:
        with (DATA / "nb201-freerea" / "cifar10" / "params.csv").open(newline="") as handle:
            params = {int(r["index"]): float(r["params"]) for r in csv.DictReader(handle)}
        lines.append(corr_row("nparams (FreeREA)", np.array([params[official_index(a)] for a in archs]), tables))
    sample = ROOT / "experiments" / "proxy_table" / "scores_cifar10.csv"
    with sample.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    positions = {a.text: i for i, a in enumerate(archs)}
    idx = np.array([positions[r["arch"]] for r in rows])
    lines += ["", "On the 1,000-cell proxy-table sample (`experiments/proxy_table/scores_cifar10.csv`), Spearman:", "",
              "| proxy | " + " | ".join(names) + " | difference |", "|---|---|---|---|"]
    for proxy in [c for c in rows[0] if c != "arch"]:
        s = np.array([float(r[proxy]) if r[proxy] else np.nan for r in rows])
        ra, ro = (correlate(s, acc[idx]).spearman for acc in (analog, official))
        lines.append(f"| {proxy} | {ra:.3f} | {ro:.3f} | {ro - ra:+.3f} |")

    # the whole space is stored in float64 only: the reference float32 NaN cells (every path
    # convolves; experiments/search/epsinas_float32_rule.py) are set to NaN again, as the main job has them
    grey64 = column(ROOT / "experiments" / "epsinas" / "scores_grey.csv", "score_float64")
    grey = {a.text: np.nan if nan_cell else grey64[a.text] for a, nan_cell in zip(archs, float32_nan)}
    refuse_empty([v for v in grey.values() if v == v], "experiments/epsinas/scores_grey.csv")
    scorer = TableScorer.from_values(SPACE, grey, "epsinas-grey-float32")
    lines += ["", f"## The main job on each table ({args.rounds} rounds, budget {args.budget})", "",
              "Best test accuracy of the best-validation cell (validation = test in both tables); the main "
              "job's setup (epsinas, grey images, batch 256; warm-up pool 3,000; REA population 64, tournament 10) "
              "with the stored whole-space grey float64 scores, float32's NaN cells (every path convolves) set "
              "to NaN, instead of recomputing them.", ""]
    for label, bench in zip(names, (analog_bench, official_bench)):
        results = {}
        for name in STRATEGIES:
            options = {"pool": 3000} if name.endswith("warmup") else {}
            results[name] = run_rounds(SPACE, name, bench, args.budget, args.rounds, seed=0, scorer=scorer,
                                       strategy_config=options)
        optimum = analog.max() if bench is analog_bench else official.max()
        lines += [f"### {label} (optimum {optimum:.2f})", "", budget_table(results, sorted({b for b in (10, 50, 100) if b < args.budget} | {args.budget})), "",
                  "Gap to the optimum at the full budget: " + ", ".join(
                      f"{n} {optimum - mean_std_at(r, args.budget)[0]:.2f}" for n, r in results.items()), ""]
    lines.append(f"Wall time: {time.perf_counter() - start:.0f} s.")
    (HERE / "default_benchmark.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
