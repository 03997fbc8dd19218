"""Weight-pair ablation (paper 001 Table 7) and the automatic weight rules, on a sample of NB201 cells.

Scores a random sample of distinct NB201 networks on a grid of constants (narrow path,
float64 and float32), applies ``paper_rule`` and ``stability_rule`` (no accuracies used),
then evaluates every pair against accuracies. Writes ``weights.md`` beside this file.

    PYTHONPATH=$PWD nice -n 10 python experiments/epsinas/weights.py --cells 300
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HERE, accuracies, batch_for, header, quiet_process, unique_cells  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from published import published  # noqa: E402  (experiments/published.toml)

from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.proxies.epsinas_weights import (DEFAULT_GRID, GridScores, grid_scores, paper_rule,  # noqa: E402
                                              stability_rule)
from nasearch.spaces.nb201 import NB201Space  # noqa: E402

# paper 001 Table 7 (NB201, CIFAR-10, 5,000 cells, float32): pair -> (cells kept, Spearman, Kendall)
PAPER_T7 = {tuple(float(w) for w in pair.split(",")): tuple(v) for pair, v in published("p001", "table7").items()}
_state: dict = {}


def _init(data: str, batch_size: int) -> None:
    quiet_process(1)
    _state["batch"] = batch_for(data, batch_size)
    _state["space"] = NB201Space()


def _grid(job: tuple[str, str]) -> list[np.ndarray]:
    text, dtype = job
    space = _state["space"]
    with torch.device("meta"):
        model = space.build(space.parse(text), TASKS["cifar10"])
    return grid_scores([model], _state["batch"], DEFAULT_GRID, dtype=dtype).outputs[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--data", default="cifar10")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    command = "PYTHONPATH=$PWD nice -n 10 python experiments/epsinas/weights.py " + " ".join(sys.argv[1:])

    space = NB201Space()
    reps, _ = unique_cells(space)
    rng = np.random.default_rng(1)
    sample = [reps[i] for i in rng.choice(len(reps), size=args.cells, replace=False)]
    start = time.perf_counter()
    grids = {}
    with mp.get_context("fork").Pool(args.workers, _init, (args.data, args.batch_size)) as pool:
        for dtype in ("float64", "float32"):
            grids[dtype] = GridScores(tuple(DEFAULT_GRID), dtype, pool.map(_grid, [(t, dtype) for t in sample]))
    seconds = time.perf_counter() - start
    acc = accuracies(sample)

    choices = [paper_rule(grids["float32"], 0.5), paper_rule(grids["float32"], 0.1),
               stability_rule(grids["float64"], 0.99), stability_rule(grids["float64"], 0.95)]
    grid = grids["float64"].grid
    index = {w: i for i, w in enumerate(grid)}

    def row(pair: tuple[float, float], label: str = "") -> str:
        i, j = index[pair[0]], index[pair[1]]
        s32, s64 = grids["float32"].scores(i, j), grids["float64"].scores(i, j)
        cells = [f"{pair[0]:g}, {pair[1]:g}", label, f"{np.isnan(s32).mean():.0%}", f"{np.isnan(s64).mean():.0%}"]
        for name, a in acc.items():
            c32, c64 = correlate(s32, a), correlate(s64, a)
            kept = correlate(np.where(np.isnan(s32), np.nan, s64), a)
            cells += [f"{c32.spearman:.2f} / {c32.kendall:.2f}", f"{kept.spearman:.2f} / {kept.kendall:.2f}",
                      f"{c64.spearman:.2f} / {c64.kendall:.2f}"]
        paper = PAPER_T7.get(pair)
        cells.append(f"{paper[0] / 5000:.0%} NaN-free: {paper[1]:.2f} / {paper[2]:.2f}" if paper else "")
        return "| " + " | ".join(cells) + " |"

    bench_cols = "".join(f" {b}: f32 NaN omitted | {b}: f64 on f32-finite | {b}: f64 all |" for b in acc)
    head = "| weights | chosen by | NaN f32 | NaN f64 |" + bench_cols + " paper Table 7 (cells kept, Spearman / Kendall) |"
    lines = [f"# epsinas weight pairs on {args.cells} NB201 networks ({args.data} images, batch {args.batch_size})\n",
             header(command),
             f"Grid {', '.join(f'{w:g}' for w in grid)}; narrow path, train-mode BN, seconds (wall, "
             f"{args.workers} workers, both dtypes): {seconds:.0f}. Sample: {args.cells} distinct networks drawn "
             "at random (seed 1) from the 4,930 canonical NB201 networks. Entries are Spearman / Kendall against "
             "test accuracy; 'f32 NaN omitted' is the paper's protocol.\n",
             "## Chosen pairs (rules see no accuracies)\n",
             "| rule | weights | NaN fraction at the pair | note |", "|---|---|---|---|"]
    for choice in choices:
        lines.append(f"| {choice.rule} | {choice.weights[0]:g}, {choice.weights[1]:g} | "
                     f"{choice.nan_fraction:.0%} | {choice.note} |")
    lines += ["", "## Every pair of the grid\n", head, "|" + "---|" * (head.count("|") - 1)]
    chosen = {}
    for choice in choices:
        chosen.setdefault(choice.weights, []).append(choice.rule.split(" ")[0])
    chosen.setdefault((1e-7, 1.0), []).append("paper's hand choice")
    for i, j in grids["float64"].pairs():
        pair = (grid[i], grid[j])
        lines.append(row(pair, ", ".join(chosen.get(pair, []))))
    out = HERE / "weights.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
