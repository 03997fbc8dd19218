"""Would a GPU's arithmetic explain the gaps between our epsinas and the paper's?

    nice -n 10 .venv/bin/python experiments/epsinas/gpu_arithmetic.py --space nb101 --cells 1000 --emulate tf32
    nice -n 10 .venv/bin/python experiments/epsinas/gpu_arithmetic.py --space nb101 --cells 1000 --emulate ftz
    nice -n 10 .venv/bin/python experiments/epsinas/gpu_arithmetic.py --space nb201 --cells 1000 --emulate tf32

PyTorch runs cuDNN convolutions in TF32 by default on Ampere and later GPUs
(``torch.backends.cudnn.allow_tf32 = True``): each operand is rounded to a 10-bit mantissa
and products are summed in float32. The authors' code leaves that default. GPUs also flush
subnormal numbers to zero in many kernels, where a CPU keeps them. This script scores the same
cells twice with nasearch's exact channel-group epsinas in float32: once as is (what a CPU
computes) and once emulating the GPU (``--emulate``): ``tf32`` rounds every convolution and
linear input to TF32 first (up to the order of float32 sums, what such a GPU computes; constant
weights are one value per layer, so rounding them scales each output uniformly, which the
statistic ignores); ``ftz`` flushes subnormals to zero everywhere (``torch.set_flush_denormal``,
the x86 FTZ/DAZ flags); ``both`` does both. Both scores are correlated with the same accuracies,
with the paper's statistics.

nb101: the first ``--cells`` of the seed-0 uniform draw of ``experiments/nb101/epsinas_sample.py``
(the paper's NB101 setting: 1e-4 and 10, batch-statistics BN, 256 real CIFAR-10 images; the
paper's filter drops NaN and non-positive scores), against the whole-space table's mean test
accuracy. nb201: a uniform sample (seed 0) with nasearch's NB201 defaults (1e-7, 1), 64 real
CIFAR-10 images, against the official 200-epoch CIFAR-10 test accuracy. Writes
``gpu_arithmetic_<space>_<mode>.md`` and ``.csv`` beside this script.
"""

from __future__ import annotations

import argparse
import csv
import math
import platform
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nasearch import registry  # noqa: E402
from nasearch.benchmarks.table import find_data_dir  # noqa: E402
from nasearch.data import load_batch  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.proxies import narrow  # noqa: E402
from nasearch.proxies.epsinas import Epsinas  # noqa: E402

OUT = Path(__file__).resolve().parent
CIFAR = "cifar10-partial/cifar10_partial_salvaged.npz"


def round_tf32(x: torch.Tensor) -> torch.Tensor:
    """``x`` (float32) rounded to TF32's 10-bit mantissa, to nearest, ties to even."""
    if x.dtype != torch.float32:
        raise TypeError("TF32 rounding applies to float32 tensors")
    bits = x.contiguous().view(torch.int32)
    lsb = (bits >> 13) & 1
    rounded = (bits + 0x0FFF + lsb) & ~0x1FFF
    out = rounded.view(torch.float32)
    return torch.where(torch.isfinite(x), out, x)


@contextmanager
def gpu_arithmetic(mode: str):
    """Emulate the GPU: ``tf32`` inputs of narrowed convolutions and linear layers, ``ftz``, or ``both``."""
    conv, linear = narrow._conv_forward, narrow._linear_forward
    flushing = torch.set_flush_denormal(mode in ("ftz", "both"))
    if mode in ("ftz", "both") and not flushing:
        raise RuntimeError("this CPU cannot flush subnormals to zero (torch.set_flush_denormal needs SSE3)")
    if mode == "ftz":
        try:
            yield
        finally:
            torch.set_flush_denormal(False)
        return
    narrow._conv_forward = lambda layer, ctx, x: conv(layer, ctx, narrow.tag(round_tf32(x), narrow.groups_of(x))
                                                      if narrow.groups_of(x) is not None else round_tf32(x))
    narrow._linear_forward = lambda layer, ctx, x: linear(layer, ctx, narrow.tag(round_tf32(x), narrow.groups_of(x))
                                                          if narrow.groups_of(x) is not None else round_tf32(x))
    try:
        yield
    finally:
        narrow._conv_forward, narrow._linear_forward = conv, linear
        torch.set_flush_denormal(False)


def cells_and_accuracy(space_name: str, count: int):
    space = registry.spaces.get(space_name)
    if space_name == "nb101":
        from nasearch.benchmarks.nb101 import NB101Cifar10

        bench = NB101Cifar10()
        order = np.random.default_rng(0).permutation(len(bench.catalogue))[:count]
        archs = [space.from_cell(bench.catalogue.cell(int(i))) for i in order]
        return space, bench, archs, Epsinas(**space.proxy_defaults["epsinas"]), 256
    bench = registry.benchmarks.get("nb201-cifar10-200ep")
    everything = list(space.enumerate())
    order = np.random.default_rng(0).permutation(len(everything))[:count]
    return space, bench, [everything[int(i)] for i in order], Epsinas(), 64


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--space", choices=["nb101", "nb201"], required=True)
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--emulate", choices=["tf32", "ftz", "both"], default="tf32")
    args = parser.parse_args()
    torch.set_num_threads(1)
    space, bench, archs, proxy, batch_size = cells_and_accuracy(args.space, args.cells)
    batch = load_batch(str(find_data_dir() / CIFAR), bench.task, batch_size, seed=0)
    path = OUT / f"gpu_arithmetic_{args.space}_{args.emulate}.csv"
    done: dict[str, dict] = {}
    if path.exists():
        with path.open() as f:
            done = {r["arch"]: r for r in csv.DictReader(f)}
    new_file = not path.exists()
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["arch", "accuracy", "cpu", "gpu", "seconds"])
        if new_file:
            writer.writeheader()
        for k, arch in enumerate(archs):
            if arch.text in done:
                continue
            start = time.process_time()
            with torch.device("meta"):
                model = space.build(arch, bench.task)
            cpu = proxy.score(model, batch)
            if proxy.last_method != "narrow":
                raise RuntimeError(f"{arch.text}: epsinas took the {proxy.last_method} path; the GPU is emulated "
                                   "on the narrow path only")
            with gpu_arithmetic(args.emulate):
                gpu = proxy.score(model, batch)
            row = {"arch": arch.text, "accuracy": bench.train(arch).test_accuracy, "cpu": repr(cpu),
                   "gpu": repr(gpu), "seconds": f"{time.process_time() - start:.3f}"}
            writer.writerow(row)
            f.flush()
            done[arch.text] = row
            if k % 50 == 0:
                print(f"{k}/{len(archs)} {datetime.now(timezone.utc):%H:%M:%S}", flush=True)
    report(args.space, args.emulate, [done[a.text] for a in archs if a.text in done], batch_size)


def report(space: str, mode: str, rows: list[dict], batch_size: int) -> None:
    acc = np.array([float(r["accuracy"]) for r in rows])
    lines = [f"# epsinas with a GPU's arithmetic emulated on the CPU ({space}, {mode})", "",
             f"Command: `nice -n 10 .venv/bin/python experiments/epsinas/gpu_arithmetic.py --space {space} "
             f"--cells {len(rows)} --emulate {mode}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()} CPU, "
             f"1 torch thread). {len(rows):,} cells, batch {batch_size} of real CIFAR-10 images; see the script's "
             "docstring for the cells, settings and accuracies.", "",
             f"| arithmetic ({mode} emulated as gpu) | scored (not NaN) | Spearman | Kendall | top-10% ρ | top-10%/top-10% |",
             "|---|---|---|---|---|---|"]
    scores = {}
    for name in ("cpu", "gpu"):
        s = np.array([float(r[name]) for r in rows])
        if space == "nb101":  # the paper's filter
            s = np.where(s > 0, s, math.nan)
        scores[name] = s
        c = correlate(s, acc)
        lines.append(f"| {name} | {c.n:,} | {c.spearman:.3f} | {c.kendall:.3f} | {c.spearman_top10:.2f} | "
                     f"{c.top10_top10:.1f} |")
    both = np.isfinite(scores["cpu"]) & np.isfinite(scores["gpu"])
    from scipy.stats import spearmanr

    lines += ["", f"Cells finite in both: {int(both.sum()):,}; Spearman between the two scores there: "
              f"{spearmanr(scores['cpu'][both], scores['gpu'][both])[0]:.4f}; finite on the CPU only: "
              f"{int((np.isfinite(scores['cpu']) & ~np.isfinite(scores['gpu'])).sum())}, with the GPU's arithmetic "
              f"only: {int((~np.isfinite(scores['cpu']) & np.isfinite(scores['gpu'])).sum())}.", ""]
    for name in ("cpu", "gpu"):
        c = correlate(scores[name][both], acc[both])
        lines.append(f"- on the cells finite in both, {name}: Spearman {c.spearman:.3f}, Kendall {c.kendall:.3f}, "
                     f"top-10% ρ {c.spearman_top10:.2f}")
    (OUT / f"gpu_arithmetic_{space}_{mode}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
