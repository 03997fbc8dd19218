"""grasp: our implementation against the reference (zero-cost-nas, Abdelfattah et al.) in one run.

    git -C <zero-cost-nas checkout> archive HEAD foresight | tar -x -C /tmp/zcn
    PYTHONPATH=$PWD nice -n 10 .venv/bin/python experiments/grasp_speed/bench.py --reference /tmp/zcn --n 30

The reference is SamsungLabs/zero-cost-nas (the code behind paper 000's grasp column and NASLib's):
its NB201 network (``foresight.models.nasbench2``) and its measure
(``foresight.pruners.measures.calc_measure('grasp', ...)``, summed as ``find_measures`` does),
imported from the checkout given, not copied here. For each of the first --n cells of the proxy
table's sample, in alternating order (reference first on even cells, ours first on odd ones),
one single-threaded process times:

- ``reference``: build its network + its grasp measure (the measure copies the network first,
  as ``find_measures`` does);
- ``grasp``: ours, ``compute_score`` (network build + score), as the proxy table times proxies;
- ``grasp_affine`` (``--variants affine``, third session): ours as the second session left it, pooling
  as a convolution but batch norm with its identity affine step (``nasearch.proxies._affine_free``);
- ``grasp_avgpool`` (``--variants avgpool``, second session): ours as it was before pooling ran as a
  convolution (``nasearch.proxies._pool_conv``), the same code otherwise.

Batch: 64 real CIFAR-10 training images with labels (seed 0), the same tensor for both.
Writes ``timings.csv`` (one row per cell and implementation: wall and CPU seconds, value) and
prints the median CPU seconds and the ratio ours / reference.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
IMAGES = Path("../shared/data/cifar10-partial/cifar10_partial_salvaged.npz")


def reference_grasp(arch_text: str, inputs: torch.Tensor, labels: torch.Tensor) -> float:
    from foresight.models import nasbench2
    from foresight.pruners import measures

    net = nasbench2.get_model_from_arch_str(arch_text, 10)
    per_layer = measures.calc_measure("grasp", net, "cpu", inputs, labels, loss_fn=F.cross_entropy, split_data=1)
    return float(sum(t.sum() for t in per_layer))


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", help="directory holding zero-cost-nas's foresight package")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--out", default=str(HERE / "timings.csv"))
    parser.add_argument("--variants", nargs="*", default=["affine"], choices=["affine", "avgpool"],
                        help="earlier versions of ours to time beside grasp")
    parser.add_argument("--summarise", action="store_true", help="only print the summary of an existing --out")
    args = parser.parse_args(argv)
    if args.summarise:
        with open(args.out) as f:
            summarise(list(csv.DictReader(f)))
        return
    if not args.reference:
        parser.error("--reference DIR is needed to time the reference (see the module docstring)")
    sys.path.insert(0, args.reference)
    torch.set_num_threads(1)

    from nasearch import registry
    from nasearch.data import load_batch
    from nasearch.interfaces import TASKS
    from nasearch.scoring import compute_score
    from nasearch.spaces.nb201 import NB201Space
    from nasearch.strategies._pool import sample_distinct

    space, task = NB201Space(), TASKS["cifar10"]
    batch = load_batch(str(IMAGES), task, 64, seed=0)
    archs = sample_distinct(space, np.random.default_rng(0), 1000)[: args.n]
    from nasearch.proxies._pool_conv import conv_pools
    from nasearch.proxies.saliency import Grasp, finite_sum, grasp_per_layer

    class GraspAvgPool(Grasp):
        def score(self, model, batch):
            return finite_sum(grasp_per_layer(model, batch.inputs, batch.labels))

    class GraspAffine(Grasp):
        def score(self, model, batch):
            with conv_pools(model):
                return finite_sum(grasp_per_layer(model, batch.inputs, batch.labels))

    ours = {"grasp": registry.proxies.get("grasp")}
    if "affine" in args.variants:
        ours["grasp_affine"] = GraspAffine()
    if "avgpool" in args.variants:
        ours["grasp_avgpool"] = GraspAvgPool()

    def run_ours(spec, arch):
        return lambda: compute_score(space, arch, task, ours[spec], batch, seed=0)[0]

    # warm-up (first calls load kernels and modules)
    reference_grasp(str(archs[0]), batch.inputs, batch.labels)
    for spec in ours:
        run_ours(spec, archs[0])()
    rows = []
    out = open(args.out, "w", newline="")
    writer = csv.DictWriter(out, fieldnames=["cell", "arch", "impl", "value", "wall_s", "cpu_s"])
    writer.writeheader()
    for i, arch in enumerate(archs):
        text = str(arch)
        jobs = [("reference", lambda: reference_grasp(text, batch.inputs, batch.labels))]
        jobs += [(spec, run_ours(spec, arch)) for spec in ours]
        if i % 2:
            jobs.reverse()
        for impl, fn in jobs:
            torch.manual_seed(0)
            value, wall, cpu = timed(fn)
            rows.append({"cell": i, "arch": text, "impl": impl, "value": repr(value),
                         "wall_s": f"{wall:.4f}", "cpu_s": f"{cpu:.4f}"})
        writer.writerows(rows[-len(jobs):])
        out.flush()  # a run cut short keeps every finished cell
        print(i, " ".join(f"{r['impl']} {r['cpu_s']}" for r in rows[-len(jobs):]), flush=True)
    out.close()
    summarise(rows)


def summarise(rows: list[dict]) -> None:
    """Median CPU and wall seconds per implementation, the ratio of medians to the reference, the
    median of per-cell ratios, and how far the pooling rewrite moves grasp's values."""
    cells = sorted({int(r["cell"]) for r in rows})
    by = {(int(r["cell"]), r["impl"]): r for r in rows}
    impls = [i for i in ("reference", "grasp", "grasp_affine", "grasp_avgpool") if any(r["impl"] == i for r in rows)]
    cells = [c for c in cells if all((c, i) in by for i in impls)]
    print(f"{len(cells)} cells with all {len(impls)} timings")
    ref = statistics.median(float(by[c, "reference"]["cpu_s"]) for c in cells)
    ref_total = sum(float(by[c, "reference"]["cpu_s"]) for c in cells)
    print("| implementation | median CPU s | median wall s | ratio of medians | median of per-cell ratios | "
          "total CPU s | ratio of totals |")
    print("|---|---|---|---|---|---|---|")
    for impl in impls:
        cpu = [float(by[c, impl]["cpu_s"]) for c in cells]
        wall = [float(by[c, impl]["wall_s"]) for c in cells]
        per_cell = [float(by[c, impl]["cpu_s"]) / float(by[c, "reference"]["cpu_s"]) for c in cells]
        print(f"| {impl} | {statistics.median(cpu):.3f} | {statistics.median(wall):.3f} | "
              f"{statistics.median(cpu) / ref:.3f} | {statistics.median(per_cell):.3f} | {sum(cpu):.1f} | "
              f"{sum(cpu) / ref_total:.3f} |")
    for other in impls[2:]:
        rel = [abs(float(by[c, "grasp"]["value"]) / float(by[c, other]["value"]) - 1) for c in cells]
        print(f"grasp vs {other}: largest relative difference {max(rel):.2e}, median {statistics.median(rel):.2e}")


if __name__ == "__main__":
    main()
