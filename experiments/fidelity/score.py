"""Score proxies for the CIFAR-100 and ImageNet16-120 columns of the papers' tables.

    PYTHONPATH=$PWD nice -n 10 python experiments/fidelity/score.py --task cifar100 --cells sample \
        --proxies nparams,flops,synflow,epsinas
    PYTHONPATH=$PWD nice -n 10 python experiments/fidelity/score.py --task cifar100 --cells all --proxies epsinas

Same protocol as experiments/proxy_table (so the columns compare): cells = the proxy table's
1,000-cell sample (``sample_distinct(NB201Space(), default_rng(0), 1000)``) or all 15,625;
network C=16, N=5 with the task's head (100 or 120 classes; ImageNet16-120 at 16×16),
initialisation seed 0; batch 64 real CIFAR-10 training images with labels (seed 0; epsinas
256), resized bilinearly for ImageNet16-120: no CIFAR-100 or ImageNet16-120 images exist
here, and epsinas, synflow, nparams and flops never read labels. Proxies at their defaults
(epsinas: float32, weights 1e-7 and 1, NaN where the reference code underflows).
Scores go to a score store (``--store``, default experiments/fidelity/scores.sqlite, not
committed) so an interrupted run resumes, and are merged into
``scores_<task>_<cells>.csv`` beside this script (one column per proxy). ``--reuse`` takes the
cells another scores file of the same protocol already holds (the ImageNet16-120 run reused the
proxy table's 599 cells and scored the other 401:
``--task imagenet16-120 --proxies synflow,epsinas --reuse experiments/proxy_table/scores_imagenet16-120.csv``).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import refuse_empty, require_data  # noqa: E402

from nasearch import registry  # noqa: E402
from nasearch.data import load_batch  # noqa: E402
from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.parallel import score_architectures  # noqa: E402
from nasearch.spaces.nb201 import NB201Space  # noqa: E402
from nasearch.store import ScoreStore  # noqa: E402
from nasearch.strategies._pool import sample_distinct  # noqa: E402

SEED = 0


def cells(space: NB201Space, which: str) -> list:
    if which == "all":
        return list(space.enumerate())
    return sample_distinct(space, np.random.default_rng(SEED), 1000)


def output_file(task: str, which: str) -> Path:
    return HERE / f"scores_{task}_{which}.csv"


def read_scores(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    with path.open(newline="") as handle:
        return {row["arch"]: row for row in csv.DictReader(handle)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", choices=["cifar10", "cifar100", "imagenet16-120"], required=True)
    parser.add_argument("--cells", choices=["sample", "all"], default="sample")
    parser.add_argument("--proxies", required=True, help="comma-separated proxy names")
    parser.add_argument("--config", default="", help='proxy options as JSON, e.g. \'{"log": true}\'; the column '
                        "is then named proxy[key=value,...]")
    parser.add_argument("--reuse", type=Path, default=None,
                        help="a scores CSV of the same protocol (e.g. experiments/proxy_table/scores_imagenet16-120.csv): "
                             "cells with a value there are taken from it, only the others are scored")
    parser.add_argument("--first", type=int, default=None,
                        help="score only the first N cells of the list (a uniform sample too, as the list is random "
                             "or complete); the other cells keep what the CSV holds (empty: not scored)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--store", type=Path, default=HERE / "scores.sqlite")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = require_data()
    space, task = NB201Space(), TASKS[args.task]
    archs = cells(space, args.cells)
    scored = archs[:args.first] if args.first else archs
    store = ScoreStore(args.store)
    path = output_file(args.task, args.cells)
    table = read_scores(path)
    reuse = read_scores(args.reuse) if args.reuse else {}
    config = json.loads(args.config) if args.config else {}
    suffix = "[" + ",".join(f"{k}={v}" for k, v in sorted(config.items())) + "]" if config else ""
    for name in args.proxies.split(","):
        proxy = registry.proxies.get(name, **config)
        batch = load_batch(str(data / "cifar10-partial" / "cifar10_partial_salvaged.npz"), task,
                          256 if name == "epsinas" else 64, seed=SEED)
        start = time.perf_counter()
        known = {text: float(row[name]) for text, row in reuse.items() if row.get(name, "") != ""}
        todo = [a for a in scored if a.text not in known]
        computed = dict(zip((a.text for a in todo),
                            score_architectures(space, proxy, task, batch, todo, store, seed=SEED,
                                                workers=args.workers, progress=True)))
        values = np.array([known[a.text] if a.text in known else computed[a.text] for a in scored])
        print(f"{name}: {len(known)} cells reused from {args.reuse}, {len(todo)} scored")
        refuse_empty([v for v in values if not math.isnan(v)], f"{name}{suffix} on {args.task}")
        print(f"{name}: {len(scored)} cells in {time.perf_counter() - start:.0f} s, "
              f"NaN {int(np.isnan(values).sum())}")
        for arch, value in zip(scored, values):
            table.setdefault(arch.text, {"arch": arch.text})[name + suffix] = repr(float(value))
    columns = ["arch"] + sorted({k for row in table.values() for k in row} - {"arch"})
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        for arch in archs:
            writer.writerow(table.get(arch.text, {"arch": arch.text}))
    print(f"wrote {path.relative_to(HERE.parents[1])}")


if __name__ == "__main__":
    main()
