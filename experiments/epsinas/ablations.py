"""Input-data (paper 001 Table 12) and batch-size (Fig. 6) ablations on a sample of NB201 cells.

Narrow path, weights (1e-7, 1), train-mode BN; float32 with NaN omitted (the paper's
protocol) and float64 (every cell). Writes ``ablations.md`` beside this file.

    PYTHONPATH=$PWD nice -n 10 python experiments/epsinas/ablations.py --cells 300
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
from common import HERE, PAPER_T2, accuracies, batch_for, header, quiet_process, score_cell, unique_cells  # noqa: E402

from nasearch.data import make_batch  # noqa: E402
from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.spaces.nb201 import NB201Space  # noqa: E402

WEIGHTS = (1e-7, 1.0)
# paper 001 Table 12: Spearman, Spearman top-10%, Kendall, Kendall top-10%, top10/top10, top64/top5
PAPER_T12 = {"cifar10": PAPER_T2["cifar10"], "grey": PAPER_T2["grey"],
             "normal": (0.54, 0.15, 0.38, 0.14, 14.97, 3), "uniform": (0.56, 0.17, 0.40, 0.16, 14.19, 3),
             "uniform+": (0.61, 0.17, 0.43, 0.16, 16.22, 4)}
_state: dict = {}


def make_input(kind: str, batch_size: int, seed: int):
    if kind == "uniform+":  # U(0, 1) pixels, the paper's "random uniform (+)"
        gen = torch.Generator().manual_seed(seed)
        return make_batch(torch.rand((batch_size, *TASKS["cifar10"].input_shape), generator=gen))
    return batch_for(kind, batch_size, seed)


def _init() -> None:
    quiet_process(1)
    _state["space"] = NB201Space()


def _job(job: tuple[str, str, int, int]) -> tuple[float, float]:
    text, kind, batch_size, seed = job
    key = (kind, batch_size, seed)
    if _state.get("key") != key:
        _state["key"], _state["batch"] = key, make_input(kind, batch_size, seed)
    batch = _state["batch"]
    s64, _ = score_cell(_state["space"], text, batch, WEIGHTS, torch.float64, "narrow")
    s32, _ = score_cell(_state["space"], text, batch, WEIGHTS, torch.float32, "narrow")
    return s64, s32


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-sizes", default="8,16,32,64,128,256,512,1024")
    args = parser.parse_args()
    command = "PYTHONPATH=$PWD nice -n 10 python experiments/epsinas/ablations.py " + " ".join(sys.argv[1:])
    space = NB201Space()
    reps, _ = unique_cells(space)
    rng = np.random.default_rng(2)
    sample = [reps[i] for i in rng.choice(len(reps), size=args.cells, replace=False)]
    acc = accuracies(sample)
    settings = [(kind, 256) for kind in ("cifar10", "grey", "normal", "uniform", "uniform+")]
    settings += [("cifar10", int(b)) for b in args.batch_sizes.split(",") if int(b) != 256]
    start = time.perf_counter()
    results = {}
    with mp.get_context("fork").Pool(args.workers, _init) as pool:
        for kind, batch_size in settings:
            out = pool.map(_job, [(t, kind, batch_size, 0) for t in sample], chunksize=max(1, args.cells // 8))
            results[(kind, batch_size)] = np.array(out)
    seconds = time.perf_counter() - start

    lines = [f"# epsinas ablations on {args.cells} NB201 networks (weights {WEIGHTS}, narrow path)\n",
             header(command),
             f"Sample: {args.cells} distinct networks (seed 2) of the 4,930 canonical NB201 networks; one batch "
             f"(seed 0) per setting, where the paper used 10 batches and 5,000 cells. Wall time {seconds:.0f} s. "
             "Cells: Spearman / Kendall against test accuracy (global), then top-10/top-10 (%).\n"]
    for bench, a in acc.items():
        lines += [f"## {bench}\n",
                  "| input | batch | NaN f32 | f32 NaN omitted: rho / tau / top10 | f64 all cells: rho / tau / top10 | "
                  "paper (5,000 cells, f32): rho / tau / top10 |", "|---|---|---|---|---|---|"]
        for (kind, batch_size), values in results.items():
            c64, c32 = correlate(values[:, 0], a), correlate(values[:, 1], a)
            paper = PAPER_T12.get(kind) if batch_size == 256 else None
            paper_text = f"{paper[0]} / {paper[2]} / {paper[4]}" if paper else ""
            lines.append(f"| {kind} | {batch_size} | {c32.nan} | {c32.spearman:.2f} / {c32.kendall:.2f} / "
                         f"{c32.top10_top10:.0f} | {c64.spearman:.2f} / {c64.kendall:.2f} / {c64.top10_top10:.0f} | "
                         f"{paper_text} |")
        lines.append("")
    lines.append("Paper Fig. 6 (batch size, CIFAR-10): Spearman rises with the batch and is flat above 256.")
    (HERE / "ablations.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
