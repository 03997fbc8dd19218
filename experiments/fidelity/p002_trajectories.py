"""Paper 002 Figure 2: test accuracy of the current pick during each training-free search.

    PYTHONPATH=$PWD nice -n 10 python experiments/fidelity/p002_trajectories.py [--rounds 30]

Same searches as searches.py §2 (paper 002 Tables III-V): free RS (N=500), free REA (P=64,
T=10, M=500) and free REA + warm-up (W=128), ``--rounds`` rounds (seeds 0..R-1), on each
dataset with the FreeREA authors' naswot and synflow, the combined score (0.6·z(naswot) +
0.4·z(log synflow)) and the 12-epoch validation accuracy. After each visited model the
strategy's ``trajectory`` holds its proxy-best cell so far; the curve is that cell's 200-epoch
test accuracy (embedded tables), mean and 25–75% band over rounds, against models visited.
The warm-up pool (W scored cells) is not counted among the visited models, as in the strategy's
``visited``; its curve starts at the P-th visit. Nothing is trained. Writes figures/p002_fig2.png and p002_trajectories.md beside this script.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import require_data  # noqa: E402
from searches import STRATEGIES, scores_of  # noqa: E402
from tables import ACC, ARCHS, POSITION, SPACE  # noqa: E402

from nasearch import registry  # noqa: E402
from nasearch.benchmarks.nb201_200ep import DATASETS  # noqa: E402
from nasearch.tables.presets import table_from_spec  # noqa: E402
from nasearch.tables.scorer import TableScorer  # noqa: E402

PROXIES = ("naswot", "synflow", "combined", "val12")


def curves(dataset: str, scorer, rounds: int) -> dict[str, np.ndarray]:
    """{strategy label: (rounds, visited) test accuracy of the proxy-best cell so far}."""
    acc = ACC[dataset]
    out = {}
    for name, label, config in STRATEGIES:
        rows = []
        for seed in range(rounds):
            strategy = registry.strategies.get(name, space=SPACE, seed=seed, scorer=scorer, **config)
            strategy.ask()
            rows.append([acc[POSITION[a.text]] for a in strategy.trajectory])
        length = min(len(r) for r in rows)
        out[label] = np.array([r[:length] for r in rows])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    data = require_data()
    start = time.perf_counter()
    fig, axes = plt.subplots(len(PROXIES), len(DATASETS), figsize=(13, 12), squeeze=False)
    lines = ["# Paper 002 Figure 2: test accuracy of the current pick during the searches", "",
             f"Command: `PYTHONPATH=$PWD python experiments/fidelity/p002_trajectories.py --rounds {args.rounds}`; "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Protocol: the script's docstring. Final values "
             "equal searches.md §2 (same seeds and strategies). Mean test accuracy of the proxy-best cell after "
             "64, 128, 256 and 500 visited models:", "",
             "| dataset | proxy | strategy | @64 | @128 | @256 | @500 |", "|---|---|---|---|---|---|---|"]
    for j, dataset in enumerate(DATASETS):
        bench = registry.benchmarks.get(f"nb201-{dataset}-200ep")
        scores = scores_of(data, dataset)
        scorers = {name: TableScorer.from_values(SPACE, {a.text: float(v) for a, v in zip(ARCHS, scores[name])
                                                         if not math.isnan(v)}, f"freerea:{name}")
                   for name in PROXIES[:3]}
        scorers["val12"] = table_from_spec("val12", SPACE, bench.task)
        for i, proxy in enumerate(PROXIES):
            ax = axes[i][j]
            for label, c in curves(dataset, scorers[proxy], args.rounds).items():
                x = np.arange(1, c.shape[1] + 1)
                ax.plot(x, c.mean(axis=0), label=label)
                ax.fill_between(x, np.percentile(c, 25, axis=0), np.percentile(c, 75, axis=0), alpha=0.2)
                at = [f"{c[:, k - 1].mean():.2f}" if k <= c.shape[1] else "–" for k in (64, 128, 256, 500)]
                lines.append(f"| {dataset} | {proxy} | {label} | " + " | ".join(at) + " |")
            ax.set_title(f"{dataset}, {proxy}", fontsize=10)
            ax.set_xlabel("models visited")
            ax.set_ylabel("test accuracy of the pick (%)")
            ax.grid(alpha=0.3)
            if i == 0 and j == 0:
                ax.legend(fontsize=8)
    fig.tight_layout()
    (HERE / "figures").mkdir(exist_ok=True)
    fig.savefig(HERE / "figures" / "p002_fig2.png", dpi=90)
    lines += ["", f"Wall time {time.perf_counter() - start:.0f} s.", "", "![Figure 2](figures/p002_fig2.png)"]
    (HERE / "p002_trajectories.md").write_text("\n".join(lines) + "\n")
    print("wrote experiments/fidelity/p002_trajectories.md and figures/p002_fig2.png")


if __name__ == "__main__":
    main()
