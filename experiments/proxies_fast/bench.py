"""swap and ntk before and after this session's speed-ups, interleaved in one process on the same cells.

    PYTHONPATH=$PWD nice -n 10 .venv/bin/python experiments/proxies_fast/bench.py --proxies swap --n 12
    PYTHONPATH=$PWD nice -n 10 .venv/bin/python experiments/proxies_fast/bench.py --proxies ntk --n 4

"before" is the straightforward computation the proxies used until this session, written out here
(the same as the references in tests/test_proxies_fast.py):

- swap: a fresh deep copy of the network per repeat, every 4-D ReLU's signs concatenated, the
  distinct columns counted by sorting (``distinct_columns``);
- ntk: one backward per image with torch's own average pooling, then G in float64 and G Gᵀ.

"after" is the registered proxy. Each cell: the network is built and seeded by ``scoring.prepare``
for each implementation (so both see the same weights and the same random stream), the order
alternates cell to cell, CPU seconds of ``score`` only. One torch thread. Appends to ``timings.csv``
beside this script (cell, proxy, implementation, value, CPU and wall seconds) and prints a summary.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
IMAGES = Path("../shared/data/cifar10-partial/cifar10_partial_salvaged.npz")
FIELDS = ["cell", "arch", "proxy", "impl", "value", "cpu_s", "wall_s"]


def swap_before(model, batch, samples: int = 16, repeats: int = 32) -> float:
    from nasearch.proxies._init import initialise
    from nasearch.proxies.linear_regions import activation_codes
    from nasearch.proxies.swap import distinct_columns

    inputs = batch.inputs[:samples]
    counts = []
    for _ in range(repeats):
        model = initialise(model, "normal")
        model.train()
        counts.append(distinct_columns(activation_codes(model, inputs)))
    return sum(counts) / len(counts)


def ntk_before(model, batch) -> float:
    from nasearch.proxies._grad import forward_logits
    from nasearch.proxies.ntk import condition_number

    model.train()
    params = [p for name, p in model.named_parameters() if "weight" in name and p.requires_grad]
    logits = forward_logits(model, batch.inputs)
    n = logits.shape[0]
    rows = []
    for i in range(n):
        grads = torch.autograd.grad(logits[i].sum(), params, retain_graph=i < n - 1, allow_unused=True)
        rows.append(torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1) for p, g in zip(params, grads)]))
    g = torch.stack(rows).double()
    if not bool(torch.isfinite(g).all()):
        return float("nan")
    return condition_number(g @ g.T)


BEFORE = {"swap": swap_before, "ntk": ntk_before}


def summarise(rows: list[dict]) -> None:
    for proxy in sorted({r["proxy"] for r in rows}):
        by = {(r["cell"], r["impl"]): r for r in rows if r["proxy"] == proxy}
        cells = sorted({c for c, _ in by if (c, "before") in by and (c, "after") in by}, key=int)
        if not cells:
            continue
        before = [float(by[c, "before"]["cpu_s"]) for c in cells]
        after = [float(by[c, "after"]["cpu_s"]) for c in cells]
        ratios = [a / b for a, b in zip(after, before)]
        rel = [abs(float(by[c, "after"]["value"]) / float(by[c, "before"]["value"]) - 1) for c in cells]
        print(f"| {proxy} | {len(cells)} | {statistics.median(before):.2f} | {statistics.median(after):.2f} | "
              f"{statistics.median(ratios):.3f} ({min(ratios):.3f}–{max(ratios):.3f}) | {sum(after) / sum(before):.3f} | "
              f"{max(rel):.1e} |")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proxies", nargs="+", default=["swap"], choices=sorted(BEFORE))
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--out", default=str(HERE / "timings.csv"))
    parser.add_argument("--summarise", action="store_true", help="only summarise --out")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if not args.summarise:
        torch.set_num_threads(1)
        from nasearch import registry
        from nasearch.data import load_batch
        from nasearch.interfaces import TASKS
        from nasearch.scoring import prepare
        from nasearch.spaces.nb201 import NB201Space
        from nasearch.strategies._pool import sample_distinct

        space, task = NB201Space(), TASKS["cifar10"]
        batch = load_batch(str(IMAGES), task, 64, seed=0)
        archs = sample_distinct(space, np.random.default_rng(0), 1000)[: args.n]
        new = not out.is_file()
        with out.open("a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=FIELDS)
            if new:
                writer.writeheader()
            for proxy_name in args.proxies:
                proxy = registry.proxies.get(proxy_name)
                impls = {"before": BEFORE[proxy_name], "after": proxy.score}
                for i, arch in enumerate(archs):
                    order = ["before", "after"] if i % 2 == 0 else ["after", "before"]
                    for impl in order:
                        model, b = prepare(space, arch, task, proxy, batch, seed=0)
                        wall, cpu = time.perf_counter(), time.process_time()
                        value = impls[impl](model, b)
                        writer.writerow({"cell": i, "arch": str(arch), "proxy": proxy_name, "impl": impl,
                                         "value": repr(float(value)), "cpu_s": f"{time.process_time() - cpu:.4f}",
                                         "wall_s": f"{time.perf_counter() - wall:.4f}"})
                        f.flush()
                    print(proxy_name, i, flush=True)
    with out.open() as f:
        rows = list(csv.DictReader(f))
    print("| proxy | cells | median CPU s before | median CPU s after | median ratio after/before (range) | "
          "ratio of totals | largest relative value difference |")
    print("|---|---|---|---|---|---|---|")
    summarise(rows)


if __name__ == "__main__":
    main()
