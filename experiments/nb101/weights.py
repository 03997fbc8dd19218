"""The label-free epsinas weight rules on NAS-Bench-101 (the NB201 version: experiments/epsinas/weights.py).

    nice -n 10 .venv/bin/python experiments/nb101/weights.py --cells 150

Random distinct cells (seed 2, uniform over the 423,624), full networks (stem 128), 256 real
CIFAR-10 training images, batch-statistics BN, the grid 1e-8 ... 100 in float32 and float64 on
the exact channel-group path. ``paper_rule`` (widest pair with at most 50% / 10% NaN, float32)
and ``stability_rule`` (float64 plateaus) see no accuracies; every pair is then evaluated
against the whole-space table's mean test accuracy. Writes ``weights.md``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nasearch.data import load_batch  # noqa: E402
from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.proxies.epsinas_weights import DEFAULT_GRID, GridScores, paper_rule, stability_rule  # noqa: E402
from nasearch.proxies.narrow import narrow_outputs  # noqa: E402
from nasearch.spaces.nb101 import NB101Space  # noqa: E402
from nasearch.spaces.nb101_catalogue import load_catalogue  # noqa: E402

OUT = Path(__file__).resolve().parent
DATA = ROOT.parent / "shared" / "data" / "cifar10-partial" / "cifar10_partial_salvaged.npz"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=150)
    args = parser.parse_args()
    torch.set_num_threads(1)
    space, catalogue, task = NB101Space(), load_catalogue(), TASKS["cifar10"]
    batch = load_batch(str(DATA), task, 256, seed=0)
    indices = np.random.default_rng(2).permutation(len(catalogue))[:args.cells]
    grid = tuple(DEFAULT_GRID)
    outputs = {"float32": [], "float64": []}
    start = time.process_time()
    for count, index in enumerate(indices):
        with torch.device("meta"):
            model = space.build(space.from_cell(catalogue.cell(int(index))), task)
        for name, dtype in (("float32", torch.float32), ("float64", torch.float64)):
            outs = narrow_outputs(model, batch.inputs, grid, True, dtype)
            outputs[name].append([o.double().numpy().ravel() for o in outs])
        if count % 25 == 0:
            print(count, f"{time.process_time() - start:.0f} CPU-s", flush=True)
    seconds = time.process_time() - start
    grids = {name: GridScores(grid, name, outs) for name, outs in outputs.items()}
    acc = np.array([100 * catalogue.mean_test_accuracy(int(i)) for i in indices])
    choices = [paper_rule(grids["float32"], 0.5), paper_rule(grids["float32"], 0.1),
               stability_rule(grids["float64"], 0.99), stability_rule(grids["float64"], 0.95)]
    chosen: dict[tuple[float, float], list[str]] = {}
    for choice in choices:
        chosen.setdefault(choice.weights, []).append(choice.rule.split(" (")[0])
    chosen.setdefault((1e-4, 10.0), []).append("paper's NB101 choice")
    lines = [f"# epsinas weight rules on {args.cells} NAS-Bench-101 cells", "",
             f"Command: `nice -n 10 .venv/bin/python experiments/nb101/weights.py --cells {args.cells}` "
             f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()} CPU, 2 cores shared, 1 torch "
             f"thread; {seconds:.0f} CPU-s for the grid in both dtypes). Cells uniform over the 423,624 (seed 2); "
             "full networks (stem 128), 256 real CIFAR-10 images, batch-statistics BN, exact channel-group path. "
             "Entries: Spearman / Kendall against the table's mean test accuracy; 'f32, NaN dropped' is the "
             "paper's protocol (Table 6).", "",
             "## Chosen pairs (the rules see no accuracies)", "",
             "| rule | weights | NaN at the pair (in the rule's dtype) | note |", "|---|---|---|---|"]
    for choice in choices:
        lines.append(f"| {choice.rule} | {choice.weights[0]:g}, {choice.weights[1]:g} | "
                     f"{choice.nan_fraction:.0%} | {choice.note} |")
    lines += ["", "## Every pair", "",
              "| weights | chosen by | NaN f32 | NaN f64 | f32, NaN dropped | f64 on f32-finite | f64, all |",
              "|---|---|---|---|---|---|---|"]
    for i, j in grids["float64"].pairs():
        s32, s64 = grids["float32"].scores(i, j), grids["float64"].scores(i, j)
        c32, c64 = correlate(s32, acc), correlate(s64, acc)
        kept = correlate(np.where(np.isnan(s32), np.nan, s64), acc)
        pair = (grid[i], grid[j])
        lines.append(f"| {pair[0]:g}, {pair[1]:g} | {', '.join(chosen.get(pair, []))} | {np.isnan(s32).mean():.0%} "
                     f"| {np.isnan(s64).mean():.0%} | {c32.spearman:.2f} / {c32.kendall:.2f} | "
                     f"{kept.spearman:.2f} / {kept.kendall:.2f} | {c64.spearman:.2f} / {c64.kendall:.2f} |")
    (OUT / "weights.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
