"""Paper 001 Table 2 tail gap, the GPU test: epsinas as the authors ran it (full-width float32
network on a CUDA device), with TF32 convolutions allowed (PyTorch's default for cuDNN
convolutions on Ampere and later) and forbidden, against our exact float64 scores.

    # on a machine with a GPU (about 5 min on one H100 for all 15,625 cells, both modes):
    PYTHONPATH=$PWD python experiments/fidelity/tail_gap_gpu.py --device cuda --cells all
    # CPU smoke test (a few cells; TF32 has no effect there):
    PYTHONPATH=$PWD python experiments/fidelity/tail_gap_gpu.py --device cpu --cells 4

Same batch as the stored scores (256 real CIFAR-10 images, seed 0), weights (1e-7, 1), train-mode
BatchNorm, the plain path (``method="plain"``: the reference network, no narrowing). ``--cells
top`` scores only the distinct networks of the float32-finite cells above the 90th accuracy
percentile (504 networks; enough for the top-10% columns); ``all`` every distinct network of the
space (4,930). Writes tail_gap_gpu_<device>.csv (network, mode, score) and tail_gap_gpu_<device>.md:
per mode, the Table 2 row (all cells, float32 NaN cells as the run gives them) and how far the
scores move from the float64 ones (std of the log ratio; tail_gap.md §4 finds that σ ≈ 0.07 of
per-cell noise turns our row into the published one).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from common import refuse_empty, require_data  # noqa: E402
from tail_gap import ARCHS, SPACE, float64_scores, top_cells  # noqa: E402

from published import published  # noqa: E402
from nasearch.benchmarks.nb201_200ep import accuracy_table  # noqa: E402
from nasearch.data import load_batch  # noqa: E402
from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.proxies.epsinas import epsinas_outputs, epsinas_statistic  # noqa: E402

MODES = ("tf32", "fp32")


def set_mode(mode: str) -> None:
    torch.backends.cudnn.allow_tf32 = mode == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"


def networks(which: str, limit: int | None) -> dict[str, str]:
    """{canonical key: one cell} of the networks to score."""
    if which == "top":
        _, reps = top_cells(float64_scores(), accuracy_table("cifar10"))
    else:
        reps = {}
        for a in ARCHS:
            reps.setdefault(SPACE.canonical_key(a), a.text)
    keys = sorted(reps)[:limit] if limit else sorted(reps)
    return {k: reps[k] for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--cells", default="top", help="top | all | a number (the first N distinct networks)")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("no CUDA device here: use --device cpu for a smoke test")
    torch.set_num_threads(1)
    data = require_data()
    which, limit = (args.cells, None) if args.cells in ("top", "all") else ("all", int(args.cells))
    reps = networks(which, limit)
    task = TASKS["cifar10"]
    batch = load_batch(str(data / "cifar10-partial" / "cifar10_partial_salvaged.npz"), task, 256, seed=0)
    inputs = batch.inputs.to(device)
    tag = device.type
    rows, start = [], time.perf_counter()
    for mode in MODES:
        set_mode(mode)
        for key, text in reps.items():
            with torch.device("meta"):
                model = SPACE.build(SPACE.parse(text), task)
            outputs, _ = epsinas_outputs(model, inputs, (1e-7, 1.0), True, torch.float32, "plain")
            rows.append((key, mode, epsinas_statistic(*outputs)))
        print(f"{mode}: {len(reps)} networks, {time.perf_counter() - start:.0f} s", flush=True)
    refuse_empty(rows, "the GPU scores")
    with (HERE / f"tail_gap_gpu_{tag}.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["network", "mode", "score"])
        writer.writerows((k, m, repr(v)) for k, m, v in rows)
    report(rows, tag, args, device)


def report(rows, tag: str, args, device) -> None:
    eps, acc = float64_scores(), accuracy_table("cifar10")
    key_of = [SPACE.canonical_key(a) for a in ARCHS]
    pub = published("p001", "table2", "cifar10", "epsinas")
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    lines = ["# Paper 001 Table 2 tail gap: epsinas in float32 on the device, TF32 allowed and not", "",
             f"Written by `PYTHONPATH=$PWD python experiments/fidelity/tail_gap_gpu.py --device {args.device} --cells "
             f"{args.cells}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC ({name}, torch {torch.__version__}). "
             "Protocol: the script's docstring. Cells without a scored network are left out.", "",
             "| scores | cells | NaN | ρ | ρ top-10% | τ | τ top-10% | top10/top10 | top64/top5 | std log(score / float64) |",
             "|---|---|---|---|---|---|---|---|---|---|",
             f"| published | | | {pub[0]} | {pub[1]} | {pub[2]} | {pub[3]} | {pub[4]} | {pub[5]} | |"]
    for mode in MODES:
        by_key = {k: v for k, m, v in rows if m == mode}
        have = np.array([k in by_key for k in key_of])
        s = np.array([by_key.get(k, math.nan) for k in key_of])
        c = correlate(s[have], acc[have])
        ok = have & np.isfinite(s) & np.isfinite(eps) & (s > 0)
        spread = float(np.std(np.log(s[ok] / eps[ok]))) if ok.any() else math.nan
        lines.append(f"| float32 {mode} | {int(have.sum())} | {c.nan} | {c.spearman:.3f} | {c.spearman_top10:.3f} | "
                     f"{c.kendall:.3f} | {c.kendall_top10:.3f} | {c.top10_top10:.1f} | {c.top64_top5:.0f} | {spread:.4f} |")
    (HERE / f"tail_gap_gpu_{tag}.md").write_text("\n".join(lines) + "\n")
    print(f"wrote experiments/fidelity/tail_gap_gpu_{tag}.md")


if __name__ == "__main__":
    main()
