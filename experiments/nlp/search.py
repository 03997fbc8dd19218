"""RS, REA, RS + warm-up and REA + warm-up on nlp-wikitext2, the pool being its 275 distinct
cells (PoolSpace: a mutation moves to a pool cell near the parent in edit distance), against
the optimum of the pool. Writes search_<strategy>.json (final and per-budget test perplexity
of every round).

Warm-up proxy: epsinas-lm (weights 1e-5, 1e-3; batch 256 x 70 Zipf tokens), read from
scores_epsinas_nlp-wikitext2.csv (or scores_epsinas.csv), which score_epsinas.py writes with the
same proxy.

    nice -n 10 .venv/bin/python experiments/nlp/search.py rs,rea          # no proxy needed
    nice -n 10 .venv/bin/python experiments/nlp/search.py rs-warmup
    nice -n 10 .venv/bin/python experiments/nlp/search.py rea-warmup 15   # 15 rounds: CPU time
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np

from nasearch import registry
from nasearch.interfaces import FunctionScorer
from nasearch.loop import run_search
from nasearch.spaces.nlp import NLPSpace
from nasearch.spaces.pool import PoolSpace

HERE = Path(__file__).parent
ROUNDS, BUDGET = 50, 100
BUDGETS = (10, 25, 50, 100)
OPTIONS = {"rea": {"population": 20, "tournament": 5}, "rea-warmup": {"population": 20, "tournament": 5, "pool": 275},
           "rs-warmup": {"pool": 275}, "rs": {}}


def epsinas_scorer(cells) -> FunctionScorer:
    path = HERE / "scores_epsinas_nlp-wikitext2.csv"
    path = path if path.exists() else HERE / "scores_epsinas.csv"
    with path.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["benchmark"] == "nlp-wikitext2"]
    if len(rows) != len(cells):
        raise SystemExit(f"scores_epsinas.csv has {len(rows)} nlp-wikitext2 rows, the pool {len(cells)}: run "
                         "score_epsinas.py to the end first")
    by_text = {cells[int(r["index"])].text: float(r["pair_1e-05_0.001"]) for r in rows}
    # the reference's statistics treat an exact 0 as a missing score, as do we
    table = {t: (np.nan if v == 0 else v) for t, v in by_text.items()}
    return FunctionScorer(lambda arch: table[arch.text], "epsinas-lm")


def main(strategies: list[str], rounds: int = ROUNDS) -> None:
    bench = registry.benchmarks.get("nlp-wikitext2")
    space = NLPSpace()
    cells = bench.architectures()
    pool = PoolSpace(space, cells, distance=space.quick_edit_distance)
    cache = Path("/tmp/nlp_wt2_distances.npy")
    if cache.exists():
        matrix = np.load(cache)
        pool._distances = {i: matrix[i] for i in range(len(cells))}
    tests = np.array([bench.train(c).test_accuracy for c in cells])
    valids = np.array([bench.train(c).valid_accuracy for c in cells])
    optimum = {"best_test": float(np.nanmin(tests)), "test_of_best_valid": float(tests[np.nanargmin(valids)]),
               "median_test": float(np.nanmedian(tests))}
    for name in strategies:
        scorer = epsinas_scorer(cells) if registry.strategies.get_class(name).needs_proxy else None
        finals, curves = [], []
        for r in range(rounds):
            strategy = registry.strategies.get(name, space=pool, seed=r, scorer=scorer, **OPTIONS[name])
            result = run_search(strategy, bench, BUDGET)
            finals.append(result.final_test)
            curves.append([result.best_test_at(b) for b in BUDGETS])
            print(name, r, result.final_test, flush=True)
        out = {"strategy": name, "options": OPTIONS[name], "rounds": rounds, "budget": BUDGET, "budgets": BUDGETS,
               "final_test": finals, "best_test_at": curves, "optimum": optimum,
               "proxy": None if scorer is None else "epsinas-lm (pair 1e-5/1e-3, Zipf tokens 256 x 70)"}
        (HERE / f"search_{name}.json").write_text(json.dumps(out, indent=1))
    if len(pool._distances) == len(cells) and not cache.exists():
        np.save(cache, np.stack([pool._distances[i] for i in range(len(cells))]))


if __name__ == "__main__":
    main(sys.argv[1].split(",") if len(sys.argv) > 1 else ["rs", "rea"], int(sys.argv[2]) if len(sys.argv) > 2 else ROUNDS)
