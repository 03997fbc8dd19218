"""RS, RS + warm-up, REA, REA + warm-up on nb101-cifar10 with epsinas (and nparams) warm-ups drawn
from the cells scored by ``epsinas_sample.py``.

    nice -n 10 .venv/bin/python experiments/nb101/search_epsinas.py --rounds 100 --budget 150 --pool 1000

epsinas costs about a CPU-second per NB101 cell here, so the warm-up pools are not scored afresh
each round: every round draws its pool of ``--pool`` distinct cells from the cells already
scored in ``epsinas_sample*.csv`` (themselves a uniform sample of the 423,624 cells), and the
warm-up proxy is a lookup of those scores (the paper's NB101 setting, 1e-4 and 10, float32; NaN
cells ranked last, as the reference ranks them). RS and REA without warm-up, and every mutation
of REA, use the whole space. nparams warm-ups are run on the same pools, so the two proxies are
compared like with like. Writes ``search_epsinas.md``, ``.json`` and ``.png``.
"""

from __future__ import annotations

import argparse
import csv
import json
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

from nasearch.api import run_rounds  # noqa: E402
from nasearch.architecture import Architecture  # noqa: E402
from nasearch.benchmarks.nb101 import NB101Cifar10  # noqa: E402
from nasearch.interfaces import FunctionScorer  # noqa: E402
from nasearch.report import budget_table, plot_best_accuracy  # noqa: E402
from nasearch.spaces.nb101 import NB101Space  # noqa: E402

OUT = Path(__file__).resolve().parent
COLUMN = "eps_0.0001_10"


class ScoredCells(NB101Space):
    """NB101 whose ``sample`` draws one of the scored cells (moves and networks unchanged)."""

    def __init__(self, cells: list[Architecture]):
        super().__init__()
        self.scored = cells

    def sample(self, rng: np.random.Generator) -> Architecture:
        return self.scored[int(rng.integers(len(self.scored)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--budget", type=int, default=150)
    parser.add_argument("--pool", type=int, default=1000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    space, benchmark = NB101Space(), NB101Cifar10()
    rows, seen = [], set()
    for path in sorted(OUT.glob("epsinas_sample*.csv")):  # the sample and its parts
        with path.open() as f:
            for row in csv.DictReader(f):
                if row["index"] not in seen:
                    seen.add(row["index"])
                    rows.append(row)
    scores = {name: {r["hash"]: float(r[column]) for r in rows}
              for name, column in (("epsinas", COLUMN), ("nparams", "nparams"))}
    cells = [space.parse(r["cell"]) for r in rows]
    sampled = ScoredCells(cells)
    results, calls = {}, {}
    start = time.perf_counter()
    for strategy in ("rs", "rea"):
        results[strategy] = run_rounds(space, strategy, benchmark, args.budget, args.rounds, seed=0)
        print(strategy, f"{time.perf_counter() - start:.0f} s", flush=True)
    for proxy, table in scores.items():
        scorer = FunctionScorer(lambda arch, table=table: table[space.canonical_key(arch)], proxy)
        for strategy in ("rs-warmup", "rea-warmup"):
            name = f"{strategy} ({proxy})"
            results[name] = run_rounds(sampled, strategy, benchmark, args.budget, args.rounds, seed=0,
                                       scorer=scorer, strategy_config={"pool": args.pool})
            print(name, f"{time.perf_counter() - start:.0f} s", flush=True)
        calls[proxy] = {"calls": scorer.calls, "nan": scorer.nan}
    wall = time.perf_counter() - start
    optimum = 100 * float(benchmark.catalogue.mean_test_accuracies().max())
    budgets = [b for b in (10, 50, 100, args.budget) if b <= args.budget]
    plot_best_accuracy(results, OUT / "search_epsinas.png",
                       title=f"NAS-Bench-101 CIFAR-10, {args.rounds} rounds (optimum {optimum:.2f})")
    nan_share = float(np.mean([math.isnan(v) for v in scores["epsinas"].values()]))
    command = "experiments/nb101/search_epsinas.py " + " ".join(sys.argv[1:])
    record = {"command": command, "date": datetime.now(timezone.utc).isoformat(timespec="minutes"),
              "machine": f"{platform.machine()} CPU (shared, 2 cores)", "seconds": wall, "optimum": optimum,
              "scored_cells": len(cells), "epsinas_nan_share": nan_share, "proxy_calls": calls,
              "final_best_test": {n: [r.best_test_at(args.budget) for r in rs] for n, rs in results.items()}}
    (OUT / "search_epsinas.json").write_text(json.dumps(record, indent=1))
    text = ["# NAS-Bench-101 CIFAR-10 search with epsinas and nparams warm-ups", "",
            f"Command: `nice -n 10 .venv/bin/python {command}` ({record['date']}, {record['machine']}; "
            f"{wall:.0f} s in all). Budget {args.budget} trained cells, {args.rounds} rounds (seeds "
            f"0..{args.rounds - 1}). Warm-up pools: {args.pool} distinct cells per round drawn from the "
            f"{len(cells):,} cells scored by `epsinas_sample.py` (a uniform sample of the space; epsinas "
            f"with the paper's NB101 setting, float32, {100 * nan_share:.0f}% NaN, ranked last), the same "
            "pools for both proxies; RS, REA and REA's mutations use the whole space. Mean ± std over rounds "
            "of the test accuracy of the best cell trained so far (selected on `valid_accuracy`, which on "
            f"`nb101-cifar10` is the mean test accuracy). The table's optimum: {optimum:.2f}.",
            "", budget_table(results, budgets), "",
            "Plot: `search_epsinas.png`. The earlier nparams run with fresh pools of 1,000 random cells per "
            "round: `search_nparams.md`."]
    (OUT / "search_epsinas.md").write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
