"""epsinas: the narrow (one-channel) path against the plain full-width network, same cells, same run.

    PYTHONPATH=$PWD python experiments/epsinas/speed.py [--cells 40] [--data cifar10|grey]

For each of N random distinct NB201 networks (CIFAR-10, batch 256, weights 1e-7 and 1) it
times, in one process with one torch thread, the four computations narrow/plain x
float32/float64 (CPU seconds, network build on the meta device included, as the scorer
does), checks that narrow and plain agree, and extrapolates to the 4,930 distinct networks
of the space. Writes ``speed.md`` beside this script.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from nasearch.data import load_batch, synthetic_batch
from nasearch.interfaces import TASKS
from nasearch.proxies.epsinas import Epsinas
from nasearch.spaces.nb201 import NB201Space

HERE = Path(__file__).resolve().parent
CIFAR = HERE.parents[1].parent / "shared/data/cifar10-partial/cifar10_partial_salvaged.npz"
TASK = TASKS["cifar10"]
METHODS = [("narrow", "float32"), ("narrow", "float64"), ("plain", "float32"), ("plain", "float64")]
DISTINCT_NETWORKS = 4930


def timed_score(space: NB201Space, text: str, batch, method: str, dtype: str) -> tuple[float, float]:
    start = time.process_time()
    with torch.device("meta"):
        model = space.build(space.parse(text), TASK)
    proxy = Epsinas(method=method, dtype=dtype)
    value = proxy.score(model, batch)
    return value, time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=40)
    parser.add_argument("--data", default="cifar10", choices=("cifar10", "grey"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    space = NB201Space()
    batch = load_batch(str(CIFAR), TASK, 256) if args.data == "cifar10" else synthetic_batch("grey", TASK, 256)
    representatives = sorted({space.canonical(a).text for a in space.enumerate()})
    rng = np.random.default_rng(0)
    cells = [representatives[i] for i in rng.choice(len(representatives), size=args.cells, replace=False)]
    seconds = {m: [] for m in METHODS}
    values = {m: [] for m in METHODS}
    peak_after_first_cell = 0.0
    for text in cells:
        for method in METHODS:
            value, cpu = timed_score(space, text, batch, *method)
            values[method].append(value)
            seconds[method].append(cpu)
        peak_after_first_cell = peak_after_first_cell or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def agreement(dtype: str) -> str:
        narrow, plain = np.array(values[("narrow", dtype)]), np.array(values[("plain", dtype)])
        same_nan = np.array_equal(np.isnan(narrow), np.isnan(plain))
        both = ~np.isnan(narrow) & ~np.isnan(plain)
        rel = np.max(np.abs(narrow[both] - plain[both]) / np.abs(plain[both])) if both.any() else math.nan
        return f"NaN cells identical: {same_nan} ({int(np.isnan(plain).sum())} NaN); max relative difference {rel:.1e}"

    ratio = np.array(seconds[("plain", "float32")]) / np.array(seconds[("narrow", "float32")])
    lines = [f"# epsinas: narrow vs plain path, same cells, same run", "",
             f"Command: `PYTHONPATH=$PWD python experiments/epsinas/speed.py --cells {args.cells} --data {args.data}`. "
             f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared with other jobs: CPU seconds are "
             f"reported, not wall), torch {torch.__version__}, one thread. "
             f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.",
             f"{args.cells} distinct NB201 networks drawn at random (seed 0) from the {DISTINCT_NETWORKS} of the space; "
             f"{args.data} images, batch 256, weights (1e-7, 1), BN in train mode; network built on the meta device.", "",
             "| path | dtype | median CPU s | max CPU s | whole space (4,930 networks), CPU minutes | on 2 cores, minutes |",
             "|---|---|---|---|---|---|"]
    for method in METHODS:
        s = np.array(seconds[method])
        total = s.mean() * DISTINCT_NETWORKS / 60
        lines.append(f"| {method[0]} | {method[1]} | {np.median(s):.3f} | {s.max():.3f} | {total:.1f} | {total / 2:.1f} |")
    lines += ["",
              f"- Speed-up per cell, plain float32 / narrow float32: min {ratio.min():.0f}x, median {np.median(ratio):.0f}x; "
              f"slowest narrow float32 cell {max(seconds[('narrow', 'float32')]):.3f} s, fastest plain float32 cell "
              f"{min(seconds[('plain', 'float32')]):.3f} s.",
              f"- float32: {agreement('float32')}.",
              f"- float64: {agreement('float64')}.",
              f"- Peak resident memory: {peak_after_first_cell:.0f} MiB after the first cell (narrow and plain run), "
              f"{peak:.0f} MiB at the end; this process ran both paths; a process running only the narrow path "
              "peaked at 733 MiB in the whole-space run (`whole_space_cifar10.md`).",
              "- Whole space measured (not extrapolated): the main job's cold run pre-scored all 15,625 cells "
              "(4,930 networks, narrow float32, grey images, batch 256) in 204.8 s wall with 2 processes on this "
              "machine when it was otherwise idle (`experiments/main_job/results.md`)."]
    (HERE / "speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
