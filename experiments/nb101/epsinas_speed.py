"""epsinas on NAS-Bench-101, time and memory per cell: our channel-group path, our plain
full-width path and the authors' own NB101 code, in one run on the same cells and images.

    nice -n 10 .venv/bin/python experiments/nb101/epsinas_speed.py \\
        --reference /path/to/epsinas/NAS-Bench-101 --cells 8 --batch-size 256

The paper's NB101 setting throughout (weights 1e-4 and 10, float32, batch-statistics BN, 256
real CIFAR-10 training images). Each method runs in its own child process, one torch thread,
over the same cells (a uniform draw plus the largest network of the space), so its peak
resident memory is its own. The children run one after another; on a shared machine compare
the ratios of their medians. Writes ``epsinas_speed.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nasearch.data import load_batch  # noqa: E402
from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.proxies.epsinas import Epsinas  # noqa: E402
from nasearch.spaces.nb101 import NB101Space  # noqa: E402
from nasearch.spaces.nb101_catalogue import load_catalogue  # noqa: E402
from nasearch.spaces.nb101_graph import prune  # noqa: E402

OUT = Path(__file__).resolve().parent
DATA = ROOT.parent / "shared" / "data" / "cifar10-partial" / "cifar10_partial_salvaged.npz"
WEIGHTS = (1e-4, 10.0)
SPACE_SIZE = 423_624


def chosen_cells(count: int) -> list[int]:
    sizes = load_catalogue().trainable_parameters
    draw = np.random.default_rng(2).permutation(len(sizes))[:count - 1]
    return [int(i) for i in draw] + [int(np.argmax(sizes))]


def worker(method: str, indices: list[int], batch_size: int, reference: str | None) -> None:
    torch.set_num_threads(1)
    space, catalogue = NB101Space(), load_catalogue()
    task = TASKS["cifar10"]
    batch = load_batch(str(DATA), task, batch_size, seed=0)
    if method == "authors":
        sys.path.insert(0, reference)
        from epsinas_reference_check import reference_score  # the authors' statistic, re-typed
        from nas_101_api.model import Network
        from nas_101_api.model_spec import ModelSpec

        config = SimpleNamespace(stem_out_channels=128, num_stacks=3, num_modules_per_stack=3, num_labels=1)
    rows = []
    for index in indices:
        cell = prune(catalogue.cell(index))
        start = time.process_time()
        if method == "authors":
            value = reference_score(Network(ModelSpec(cell.array().tolist(), list(cell.ops)), config), batch.inputs)
        else:
            proxy = Epsinas(weights=WEIGHTS, train_mode=True, method=method)
            with torch.device("meta"):
                model = space.build(space.from_cell(cell), task)
            value = proxy.score(model, batch)
        rows.append({"index": index, "score": value, "cpu_s": time.process_time() - start})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "peak_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", help="the NAS-Bench-101 folder of an epsinas checkout")
    parser.add_argument("--cells", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--methods", default="narrow,plain,authors",
                        help="which to run (authors needs --reference); the report is epsinas_speed.md for all "
                             "three, else epsinas_speed_<methods>.md")
    parser.add_argument("--worker", choices=["narrow", "plain", "authors"], help=argparse.SUPPRESS)
    parser.add_argument("--indices", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, json.loads(args.indices), args.batch_size, args.reference)
        return
    indices = chosen_cells(args.cells)
    methods = [m for m in args.methods.split(",") if m != "authors" or args.reference]
    results = {}
    for method in methods:
        command = [sys.executable, __file__, "--worker", method, "--indices", json.dumps(indices),
                   "--batch-size", str(args.batch_size)] + (["--reference", args.reference] if args.reference else [])
        done = subprocess.run(command, capture_output=True, text=True, check=True,
                              env=os.environ | {"PYTHONPATH": str(OUT)})
        results[method] = json.loads(done.stdout.strip().splitlines()[-1])
        print(method, results[method]["peak_mb"], flush=True)
    sizes = load_catalogue().trainable_parameters[indices]
    header = "| cell | parameters | " + " | ".join(f"{m} score | {m} CPU s" for m in methods) + " |"
    lines = ["# epsinas on NAS-Bench-101: channel-group path vs plain path vs the authors' code", "",
             f"Command: `nice -n 10 .venv/bin/python experiments/nb101/epsinas_speed.py --reference <epsinas "
             f"checkout>/NAS-Bench-101 --cells {args.cells} --batch-size {args.batch_size}"
             + ("" if len(methods) == 3 else f" --methods {args.methods}") + "` "
             f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()} CPU, 2 cores shared with "
             "other sessions, one torch thread per method). The paper's NB101 setting: weights 1e-4 and 10, "
             f"float32, batch-statistics BN, {args.batch_size} real CIFAR-10 training images; "
             f"{args.cells - 1} cells of a uniform draw (seed 2) and the largest network of the space (last row). "
             "`narrow`: nasearch's default (exact channel-group pass); `plain`: nasearch's full-width "
             "network; `authors`: github.com/egracheva/epsinas 7e4a9bc `nas_101_api` network with their "
             "initialisation and statistic. CPU seconds per cell include building the network.", "",
             header, "|---|---|" + "---|---|" * len(methods)]
    for k, index in enumerate(indices):
        cols = " | ".join(f"{results[m]['rows'][k]['score']:.6g} | {results[m]['rows'][k]['cpu_s']:.2f}"
                          for m in methods)
        lines.append(f"| {index} | {int(sizes[k]):,} | {cols} |")
    medians = {m: float(np.median([r["cpu_s"] for r in results[m]["rows"]])) for m in methods}
    lines += ["", "| method | median CPU s per cell | largest network, CPU s | peak RSS MB | "
              "whole space (423,624 cells), CPU-hours | on 16 cores, hours |", "|---|---|---|---|---|---|"]
    for m in methods:
        hours = medians[m] * SPACE_SIZE / 3600
        lines.append(f"| {m} | {medians[m]:.3f} | {results[m]['rows'][-1]['cpu_s']:.2f} | "
                     f"{results[m]['peak_mb']:.0f} | {hours:,.1f} | {hours / 16:,.2f} |")
    if len(methods) > 1:
        lines += ["", "Ratios of medians: " + ", ".join(f"{m} / narrow = {medians[m] / medians['narrow']:.0f}x"
                                                         for m in methods if m != "narrow") + "."]
    if "plain" in results and "narrow" in results:
        finite = [(results["narrow"]["rows"][k]["score"], results["plain"]["rows"][k]["score"])
                  for k in range(len(indices))]
        agree = [abs(a - b) / abs(b) for a, b in finite if np.isfinite(a) and np.isfinite(b) and b]
        nan_same = all(np.isfinite(a) == np.isfinite(b) for a, b in finite)
        lines.append(f"narrow vs plain: the same cells are NaN: {nan_same}; largest relative difference on the "
                     f"finite ones {max(agree) if agree else float('nan'):.1e} (float32 rounding).")
    name = "epsinas_speed.md" if len(methods) == 3 else f"epsinas_speed_{'_'.join(methods)}.md"
    (OUT / name).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
