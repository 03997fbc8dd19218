"""Does the image batch move epsinas's NAS-Bench-101 correlation? The paper's pair (1e-4, 10) on
the first cells of ``epsinas_sample.py``'s draw, with another 256 real CIFAR-10 training images.

    nice -n 10 .venv/bin/python experiments/nb101/epsinas_images.py --cells 1000 --image-seed 1

``epsinas_sample.py`` draws its 256 images with seed 0; this draws them with ``--image-seed``
(``nasearch.data.load_batch``) and scores the same cells the same way (float32, batch-statistics
BN, exact channel-group pass). Rows go to ``epsinas_images_<seed>.csv`` (resumable); the report,
``epsinas_images_<seed>.md``, sets both batches side by side on the same cells with the paper's
filter (NaN and non-positive scores dropped).
"""

from __future__ import annotations

import argparse
import csv
import math
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from epsinas_sample import DATA, sample_rows_by_index  # noqa: E402
from nasearch.data import load_batch  # noqa: E402
from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.proxies.epsinas import epsinas_statistic  # noqa: E402
from nasearch.proxies.narrow import narrow_outputs  # noqa: E402
from nasearch.spaces.nb101 import NB101Space  # noqa: E402
from nasearch.spaces.nb101_catalogue import load_catalogue  # noqa: E402

PAIR = "eps_0.0001_10"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--image-seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)
    space, catalogue = NB101Space(), load_catalogue()
    task = TASKS["cifar10"]
    batch = load_batch(str(DATA), task, 256, seed=args.image_seed)
    reference = sample_rows_by_index()
    order = [int(i) for i in np.random.default_rng(0).permutation(len(catalogue))[:args.cells]]
    path = HERE / f"epsinas_images_{args.image_seed}.csv"
    done: dict[int, float] = {}
    if path.exists():
        with path.open() as f:
            done = {int(r["index"]): float(r["score"]) for r in csv.DictReader(f)}
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["index", "score", "cpu_seconds"])
        if not done:
            writer.writeheader()
        for k, index in enumerate(order):
            if index in done:
                continue
            start = time.process_time()
            with torch.device("meta"):
                model = space.build(space.from_cell(catalogue.cell(index)), task)
            low, high = (o.double().numpy().ravel()
                         for o in narrow_outputs(model, batch.inputs, (1e-4, 10.0), True, torch.float32))
            done[index] = epsinas_statistic(low, high)
            writer.writerow({"index": index, "score": repr(done[index]),
                             "cpu_seconds": f"{time.process_time() - start:.3f}"})
            f.flush()
            if k % 100 == 0:
                print(f"{k}/{len(order)} {datetime.now(timezone.utc):%H:%M:%S}", flush=True)
    cells = [i for i in order if i in reference and i in done]
    acc = np.array([float(reference[i]["test_accuracy"]) for i in cells])
    lines = [f"# epsinas on NAS-Bench-101 with another image batch (image seed {args.image_seed} vs 0)", "",
             f"Command: `nice -n 10 .venv/bin/python experiments/nb101/epsinas_images.py --cells {args.cells} "
             f"--image-seed {args.image_seed}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
             f"{platform.machine()} CPU, 1 torch thread). {len(cells):,} cells of the seed-0 draw; the paper's "
             "pair (1e-4, 10), float32, 256 real CIFAR-10 training images; NaN and non-positive scores dropped.",
             "", "| images | scored | Spearman | Kendall |", "|---|---|---|---|"]
    scores = {}
    for label, values in (("seed 0 (epsinas_sample.csv)", [float(reference[i][PAIR]) for i in cells]),
                          (f"seed {args.image_seed}", [done[i] for i in cells])):
        s = np.array(values)
        scores[label] = s = np.where(s > 0, s, math.nan)
        c = correlate(s, acc)
        lines.append(f"| {label} | {c.n:,} | {c.spearman:.3f} | {c.kendall:.3f} |")
    a, b = scores.values()
    both = np.isfinite(a) & np.isfinite(b)
    from scipy.stats import spearmanr

    lines += ["", f"Finite with both batches: {int(both.sum()):,}; with one only: {int((np.isfinite(a) ^ np.isfinite(b)).sum())}; "
              f"Spearman between the two batches' scores: {spearmanr(a[both], b[both])[0]:.3f}."]
    (HERE / f"epsinas_images_{args.image_seed}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
