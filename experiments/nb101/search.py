"""RS, RS + warm-up, REA and REA + warm-up on nb101-cifar10 (the epsinas paper's integration
experiment on NAS-Bench-101), best test accuracy against trained cells.

    nice -n 10 .venv/bin/python experiments/nb101/search.py --proxy nparams --rounds 100 --budget 150
    python experiments/nb101/search.py --proxy epsinas --rounds 100 --pool 1000 --device cuda   # GPU

``nparams`` is the parameter count of each cell's network computed analytically
(``count_parameters``, equal to the built network's count and to the table's for all 423,624
cells: ``space_check.md``), so a pool costs microseconds per cell. ``epsinas`` scores each
cell with the paper's NB101 setting (weights 1e-4 and 10, batch-statistics BN, float32) on a batch
of ``--batch-size`` grey images, through the generic ProxyScorer and score store; on this
2-core CPU that is tens of seconds per cell, so run it on a GPU.

Writes experiments/nb101/search_<proxy>.md/.json and a plot.
"""

from __future__ import annotations

import argparse
import json
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
from nasearch.benchmarks.nb101 import NB101Cifar10  # noqa: E402
from nasearch.data import load_batch  # noqa: E402
from nasearch.interfaces import FunctionScorer  # noqa: E402
from nasearch.proxies.epsinas import Epsinas  # noqa: E402
from nasearch.scoring import ProxyScorer  # noqa: E402
from nasearch.spaces.nb101 import NB101Space  # noqa: E402
from nasearch.spaces.nb101_graph import prune  # noqa: E402
from nasearch.spaces.nb101_network import count_parameters  # noqa: E402
from nasearch.report import budget_table, plot_best_accuracy  # noqa: E402

OUT = Path(__file__).resolve().parent
STRATEGIES = ("rs", "rs-warmup", "rea", "rea-warmup")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxy", choices=["nparams", "epsinas"], default="nparams")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--budget", type=int, default=150)
    parser.add_argument("--pool", type=int, default=3000, help="warm-up pool (cells scored per round)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(1)
    space = NB101Space()
    benchmark = NB101Cifar10()
    if args.proxy == "nparams":
        scorer = FunctionScorer(lambda arch: float(count_parameters(prune(space.cell(arch)))), "nparams")
    else:
        batch = load_batch("grey", benchmark.task, args.batch_size, seed=0)
        scorer = ProxyScorer(space, Epsinas(weights=(1e-4, 10.0), train_mode=True), benchmark.task, batch)
    results = {}
    start = time.perf_counter()
    for strategy in STRATEGIES:
        config = {"pool": args.pool} if "warmup" in strategy else {}
        results[strategy] = run_rounds(space, strategy, benchmark, args.budget, args.rounds, seed=0,
                                       scorer=scorer if "warmup" in strategy else None,
                                       strategy_config=config)
        print(strategy, "done", f"{time.perf_counter() - start:.0f} s", flush=True)
    wall = time.perf_counter() - start
    optimum = 100 * float(benchmark.catalogue.mean_test_accuracies().max())
    budgets = [b for b in (10, 50, 100, args.budget) if b <= args.budget]
    stem = OUT / f"search_{args.proxy}"
    plot_best_accuracy(results, stem.with_suffix(".png"),
                       title=f"NAS-Bench-101 CIFAR-10, {args.proxy} warm-up, {args.rounds} rounds (optimum {optimum:.2f})")
    summary = {name: [r.best_test_at(args.budget) for r in rounds] for name, rounds in results.items()}
    record = {"command": " ".join(["experiments/nb101/search.py", *sys.argv[1:]]),
              "date": datetime.now(timezone.utc).isoformat(timespec="minutes"),
              "machine": f"{platform.machine()} CPU (shared, 2 cores)" if args.device == "cpu" else args.device,
              "seconds": wall, "optimum": optimum, "final_best_test": summary,
              "proxy_calls": scorer.calls, "proxy_nan": scorer.nan}
    stem.with_suffix(".json").write_text(json.dumps(record, indent=1))
    text = [f"# NAS-Bench-101 CIFAR-10 search with {args.proxy} warm-up",
            "",
            f"Command: `nice -n 10 .venv/bin/python {record['command']}` ({record['date']}, {record['machine']}; "
            f"{wall:.0f} s in all). Budget {args.budget} trained cells, {args.rounds} rounds (seeds 0..{args.rounds - 1}), "
            f"warm-up pool {args.pool} random cells per round. Mean ± std over rounds of the test accuracy of the "
            "best cell trained so far (selected on `valid_accuracy`, which on `nb101-cifar10` is the mean test "
            f"accuracy: no validation accuracies are packaged). The table's optimum: {optimum:.2f}.",
            "",
            budget_table(results, budgets),
            "",
            f"Proxy calls {scorer.calls:,}, NaN scores {scorer.nan:,}. Plot: `{stem.name}.png`."]
    stem.with_suffix(".md").write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
