"""The main job: RS, RS+warm-up, REA and REA+warm-up with epsinas on NAS-Bench-201 CIFAR-10.

Runs on the embedded benchmark (the official 200-epoch CIFAR-10 table) with grey-scale synthetic images, so it
needs no files. Writes ``results.md``, ``results.json`` and ``best_accuracy.png`` into
``./nasearch-main-job/`` in the working directory (or ``--out``); only
``--update-committed`` rewrites the committed reproduction beside this script. Scores go to
the score store (the user's cache by default), so a second run recomputes nothing.

    python experiments/main_job/main_job.py [--rounds 100] [--budget 300] [--pool 3000] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from nasearch import progress, registry
from nasearch.api import make_scorer, make_space, run_rounds
from nasearch.parallel import score_architectures
from nasearch.store import ScoreStore
from nasearch.report import budget_table, plot_best_accuracy

STRATEGIES = ("rs", "rs-warmup", "rea", "rea-warmup")
BUDGETS = (10, 50, 100, 300)
# the paper's pair, float32: its NaN cells (every path passes a convolution) are ranked last,
# which helps warm-up on NB201 (experiments/epsinas, experiments/search)
PROXY_CONFIG = {"weights": [1e-7, 1.0], "dtype": "float32"}
COMMITTED = Path(__file__).resolve().parent  # the committed reproduction; written only when asked
DEFAULT_OUT = "nasearch-main-job"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--pool", type=int, default=3000)
    parser.add_argument("--store", type=Path, default=None, help="score store (default: the user's cache)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes that pre-score the space for the warm-up pools (default: all cores)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"output folder (default: ./{DEFAULT_OUT} in the working directory)")
    parser.add_argument("--update-committed", action="store_true",
                        help=f"write the committed reproduction in {COMMITTED.relative_to(COMMITTED.parents[1])}/ instead")
    args = parser.parse_args()
    for option in ("rounds", "budget", "pool", "workers"):
        if getattr(args, option) < 1:
            parser.error(f"--{option} must be at least 1, got {getattr(args, option)}")
    if args.update_committed and args.out is not None:
        parser.error("--update-committed writes to the committed folder: drop --out")
    args.out = COMMITTED if args.update_committed else (args.out or Path.cwd() / DEFAULT_OUT)

    start = time.perf_counter()
    space = make_space("nb201")
    with progress.step("loading the embedded benchmark nb201-cifar10"):
        benchmark = registry.benchmarks.get("nb201-cifar10")
    store = ScoreStore(args.store)
    scorer = make_scorer(space, benchmark.task, "epsinas", PROXY_CONFIG, data="grey", batch_size=256, store=store)
    scorer.progress = True  # a warm-up pool scored during a search shows its bar
    prescore, stored_before = 0.0, len(store.seconds(scorer.key))
    if args.rounds * args.pool > len(space):
        # the warm-up pools of all rounds together cover most of the space: score it once in
        # parallel (each isomorphism class once); the searches then read the store
        t = time.perf_counter()
        progress.note(f"scoring all {len(space):,} cells with epsinas (each isomorphism class once; "
                      f"stored in {store.path}, so a second run reads them)")
        score_architectures(space, scorer.proxy, benchmark.task, scorer.batch, space.enumerate(), store,
                            workers=args.workers, progress=True, total=len(space))
        prescore = time.perf_counter() - t
        print(f"pre-scored the space: {prescore:.1f} s with {args.workers} processes")
    results = {}
    for name in STRATEGIES:
        options = {"pool": args.pool} if name.endswith("warmup") else {}
        t = time.perf_counter()
        results[name] = run_rounds(space, name, benchmark, args.budget, args.rounds, seed=0, scorer=scorer,
                                   strategy_config=options, progress=True)
        print(f"{name}: {time.perf_counter() - t:.1f} s")
    wall = time.perf_counter() - start

    budgets = [b for b in BUDGETS if b <= args.budget]
    table = budget_table(results, budgets)
    args.out.mkdir(parents=True, exist_ok=True)
    plot = plot_best_accuracy(results, args.out / "best_accuracy.png",
                              title=f"NAS-Bench-201 CIFAR-10: RS and REA, with and without\n"
                                    f"epsinas warm-up ({args.rounds} rounds)")
    stats = scorer.stats()
    newly_scored = len(store.seconds(scorer.key)) - stored_before
    command = "bash scripts/main-job.sh" + "".join(
        f" --{k} {v}" for k, v in (("rounds", args.rounds), ("budget", args.budget), ("pool", args.pool))
        if v != parser.get_default(k)) + (" --update-committed" if args.update_committed else "")
    report = f"""# Main job: warm-up search with epsinas on NAS-Bench-201 CIFAR-10

Best test accuracy (%) of the best-validation cell after k trained architectures, mean ± std
over {args.rounds} rounds (round r uses seed r). Benchmark: embedded `nb201-cifar10`
(the official 200-epoch test accuracies; no validation split is embedded, so validation = test there). Proxy: `epsinas` {json.dumps(PROXY_CONFIG)},
grey-scale synthetic images, batch 256. Warm-up pool: {args.pool} cells; REA: population 64,
tournament 10, mutation at edit distance 1.

{table}

![best accuracy against trained architectures](best_accuracy.png)

- Proxy: {newly_scored} isomorphism classes scored in this run ({prescore:.1f} s pre-scoring the space
  with {args.workers} processes, {stats['seconds']:.1f} s of scoring during the searches);
  {stats['calls']} scores asked for by the searches, NaN among them: {stats['nan']}.
- Wall time of this run: {wall:.1f} s ({'cold: the store started empty' if newly_scored else 'warm: every score from the store'}).
- Command: `{command}`; machine: {platform.machine()}, {os.cpu_count()} CPU cores,
  torch {torch.__version__} with {torch.get_num_threads()} threads, Python {platform.python_version()};
  {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.
"""
    (args.out / "results.md").write_text(report)
    (args.out / "results.json").write_text(json.dumps({
        name: {"final_test": [r.final_test for r in rounds],
               "best_test_at": {str(b): [r.best_test_at(b) for r in rounds] for b in budgets}}
        for name, rounds in results.items()}, indent=1))
    print(table)
    print(f"wall time {wall:.1f} s; report: {args.out / 'results.md'}; plot: {plot}")


if __name__ == "__main__":
    main()
