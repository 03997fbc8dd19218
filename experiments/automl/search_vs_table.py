"""REA + epsinas warm-up with real training vs the same search on the NB201 tables.

The search with real training runs as an Optuna study (two trainings at once, threads);
the same strategy and seed then runs on the 12-epoch table (plain loop, and an Optuna study
with one trial at a time, which must make the same search). Each pick is then looked up in
the 200-epoch table. Writes search_vs_table.md / .json.

    nice -n 10 python experiments/automl/search_vs_table.py --budget 10 --pool 100
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import optuna
import torch

from nasearch import registry
from nasearch.api import make_scorer
from nasearch.benchmarks.training import TrainingBenchmark
from nasearch.integrations.optuna import ARCH_ATTR, StrategySampler
from nasearch.loop import run_search

from training_agreement import CONFIG, SIZE, load_data  # same short schedule as the agreement run

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=int, default=10)
    parser.add_argument("--pool", type=int, default=100)
    parser.add_argument("--population", type=int, default=5)
    parser.add_argument("--tournament", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="trainings at once in the real-training study")
    args = parser.parse_args()
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = registry.spaces.get("nb201")
    table12, table200 = registry.benchmarks.get("nb201-cifar10-12ep"), registry.benchmarks.get("nb201-cifar10-200ep")
    scorer = make_scorer(space, table12.task, "epsinas")

    def strategy():
        return registry.strategies.get("rea-warmup", space=space, seed=args.seed, scorer=scorer, pool=args.pool,
                                       population=args.population, tournament=args.tournament)

    runs = {}
    start = time.perf_counter()
    sampler = StrategySampler(strategy())
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(sampler.objective(TrainingBenchmark(load_data(), CONFIG)), n_trials=args.budget, n_jobs=args.jobs)
    trials = sorted(study.trials, key=lambda t: t.number)
    runs["real training (Optuna, %d at once)" % args.jobs] = {
        "trained": [t.user_attrs[ARCH_ATTR] for t in trials], "valid": [t.value for t in trials],
        "train_seconds": sum(t.user_attrs["nasearch.cost_seconds"] for t in trials),
        "wall_seconds": time.perf_counter() - start, "pick": sampler.recommend().text}
    loop = run_search(strategy(), table12, budget=args.budget)
    sampler = StrategySampler(strategy())
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(sampler.objective(table12), n_trials=args.budget)
    assert sampler.recommend() == loop.final, "an Optuna study and the loop disagree"
    runs["12-epoch table (loop = Optuna, 1 at once)"] = {
        "trained": [p.arch for p in loop.trajectory], "valid": [p.valid_accuracy for p in loop.trajectory],
        "train_seconds": None, "pick": loop.final.text}
    for run in runs.values():
        pick = space.parse(run["pick"])
        run["pick_12ep_valid"] = table12.train(pick).valid_accuracy
        run["pick_200ep_test"] = table200.train(pick).test_accuracy
    real, tab = runs.values()
    shared = len(set(real["trained"]) & set(tab["trained"]))
    lines = [f"# REA + epsinas warm-up: real training vs the 12-epoch table (seed {args.seed})", "",
             f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}, torch "
             f"{torch.__version__}, 1 thread per training, shared 2-core machine. Command: `nice -n 10 python "
             f"experiments/automl/search_vs_table.py --budget {args.budget} --pool {args.pool} --population "
             f"{args.population} --tournament {args.tournament} --seed {args.seed} --jobs {args.jobs}`.", "",
             f"Training: `{CONFIG.model_dump(mode='json')}`, {SIZE}x{SIZE} images (see training_agreement.md). "
             f"epsinas on 256 grey images scores a pool of {args.pool}; budget {args.budget} trained cells.", "",
             "| benchmark | pick | its 12-ep valid | its 200-ep test | training seconds |", "|---|---|---|---|---|"]
    for name, run in runs.items():
        seconds = "table" if run["train_seconds"] is None else f"{run['train_seconds']:.0f}"
        lines.append(f"| {name} | `{run['pick']}` | {run['pick_12ep_valid']:.2f} | {run['pick_200ep_test']:.2f} "
                     f"| {seconds} |")
    lines += ["", f"Cells trained by both searches: {shared} of {args.budget}. The Optuna study on the table "
              "made the plain loop's pick (checked by the script).", ""]
    (HERE / "search_vs_table.md").write_text("\n".join(lines))
    (HERE / "search_vs_table.json").write_text(json.dumps(runs, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
