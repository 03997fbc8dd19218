"""How the short-training benchmark ranks NB201 cells against the 12- and 200-epoch tables.

Trains a uniform random sample of NB201 cells with ``nasearch.benchmarks.training`` on the
CIFAR-10 images we have (../shared/data/cifar10-partial: 3,728 train / 932 validation split
off the 4,660 training images, 846 test) and writes one CSV row per cell as it goes (a rerun
resumes). ``report`` computes Spearman/Kendall against the tables on the cells trained so far.

    nice -n 10 python experiments/automl/training_agreement.py train --cells 40
    python experiments/automl/training_agreement.py report

On a GPU, a larger sample with the tables' own skeleton (5 cells per stage, 32x32 images):

    python experiments/automl/training_agreement.py train --cells 200 --device cuda --size 32 \
        --cells-per-stage 5 --epochs 6 --tag gpu
    python experiments/automl/training_agreement.py report --tag gpu
"""

from __future__ import annotations

import argparse
import csv
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from scipy.stats import kendalltau, spearmanr

from nasearch.api import make_scorer
from nasearch.benchmarks.table import find_data_dir
from nasearch.benchmarks.training import ImageData, TrainingConfig, train_nb201
from nasearch.registry import benchmarks
from nasearch.spaces.nb201 import NB201Space

HERE = Path(__file__).resolve().parent
FIELDS = ["index", "arch", "valid", "test", "train_seconds", "cpu_seconds", "acc12_valid", "acc200_valid",
          "acc200_test"]
CONFIG = TrainingConfig(epochs=3, batch_size=128, learning_rate=0.1, threads=1)
SIZE = 16  # images resized to 16x16: ~3x cheaper than 32x32 on CPU


def load_data(size: int = SIZE) -> ImageData:
    return ImageData.from_npz(find_data_dir() / "cifar10-partial" / "cifar10_partial_salvaged.npz",
                              valid_fraction=0.2, seed=0, size=size)


def files(tag: str) -> tuple[Path, Path]:
    stem = "training_agreement" + (f"_{tag}" if tag else "")
    return HERE / f"{stem}.csv", HERE / f"{stem}.md"


def train(cells: int, seed: int, config: TrainingConfig = CONFIG, size: int = SIZE, tag: str = "") -> None:
    CSV = files(tag)[0]
    torch.set_num_threads(1)
    space = NB201Space()
    rng = np.random.default_rng(seed)
    all_cells = list(space.enumerate())
    sample = [all_cells[i] for i in rng.choice(len(all_cells), size=cells, replace=False)]
    done = set()
    if CSV.exists():
        with CSV.open() as f:
            done = {row["arch"] for row in csv.DictReader(f)}
    table12, table200 = benchmarks.get("nb201-cifar10-12ep"), benchmarks.get("nb201-cifar10-200ep")
    data = load_data(size)
    new = not CSV.exists()
    with CSV.open("a", newline="") as f:
        writer = csv.DictWriter(f, FIELDS)
        if new:
            writer.writeheader()
        for index, arch in enumerate(sample):
            if arch.text in done:
                continue
            cpu0 = time.process_time()
            result = train_nb201(arch, data, config)
            r12, r200 = table12.train(arch), table200.train(arch)
            writer.writerow({"index": index, "arch": arch.text, "valid": f"{result.valid_accuracy:.3f}",
                             "test": f"{result.test_accuracy:.3f}", "train_seconds": f"{result.cost_seconds:.2f}",
                             "cpu_seconds": f"{time.process_time() - cpu0:.2f}",
                             "acc12_valid": r12.valid_accuracy, "acc200_valid": r200.valid_accuracy,
                             "acc200_test": r200.test_accuracy})
            f.flush()
            print(index, f"{result.valid_accuracy:.1f}", f"12ep {r12.valid_accuracy:.1f}",
                  f"{result.cost_seconds:.1f}s", flush=True)


def report(config: TrainingConfig = CONFIG, size: int = SIZE, tag: str = "") -> str:
    with files(tag)[0].open() as f:
        rows = list(csv.DictReader(f))
    col = {k: np.array([float(r[k]) for r in rows]) for k in FIELDS[2:]}
    n = len(rows)
    lines = [f"# Short-training benchmark vs the NB201 tables ({n} random cells)", "",
             f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()} "
             f"({platform.processor() or platform.machine()}), torch {torch.__version__}, 1 thread, "
             "machine shared with other jobs (seconds are wall time under load).", "",
             f"Training: `{config.model_dump(mode='json')}`, images resized to {size}x{size}; "
             "3,728 training / 932 validation images split from the 4,660 CIFAR-10 training images "
             "(seed 0), test = the 846 test images.", "",
             "| ours (valid) vs | Spearman | Kendall |", "|---|---|---|"]
    for name, key in (("12-epoch table, cifar10-val", "acc12_valid"), ("200-epoch table, valid", "acc200_valid"),
                      ("200-epoch table, test", "acc200_test")):
        lines.append(f"| {name} | {spearmanr(col['valid'], col[key])[0]:.3f} | "
                     f"{kendalltau(col['valid'], col[key])[0]:.3f} |")
    space = NB201Space()
    nparams = make_scorer(space, benchmarks.get("nb201-cifar10-12ep").task, "nparams").oriented_many(
        [space.parse(r["arch"]) for r in rows])
    lines += ["", f"A zero-cost baseline on the same cells: parameter count vs the 12-epoch table, Spearman "
              f"{spearmanr(nparams, col['acc12_valid'])[0]:.3f}; vs 200-epoch valid "
              f"{spearmanr(nparams, col['acc200_valid'])[0]:.3f}."]
    lines += ["", "Reference on the same cells: 12-epoch vs 200-epoch valid Spearman "
              f"{spearmanr(col['acc12_valid'], col['acc200_valid'])[0]:.3f}; our test vs our valid "
              f"{spearmanr(col['valid'], col['test'])[0]:.3f}.", "",
              f"Cost per cell: median {np.median(col['train_seconds']):.1f} s training (wall), "
              f"mean {col['train_seconds'].mean():.1f} s, max {col['train_seconds'].max():.1f} s; "
              f"CPU time median {np.median(col['cpu_seconds']):.1f} s (training + evaluation).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train")
    p.add_argument("--cells", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    r = sub.add_parser("report")
    for q in (p, r):
        q.add_argument("--device", default="cpu")
        q.add_argument("--size", type=int, default=SIZE)
        q.add_argument("--cells-per-stage", type=int, default=CONFIG.cells_per_stage)
        q.add_argument("--epochs", type=int, default=CONFIG.epochs)
        q.add_argument("--tag", default="", help="suffix of the CSV/MD files (keeps runs with other settings apart)")
    args = parser.parse_args()
    config = CONFIG.model_copy(update={"device": args.device, "cells_per_stage": args.cells_per_stage,
                                       "epochs": args.epochs})
    if args.command == "train":
        train(args.cells, args.seed, config, args.size, args.tag)
    else:
        text = report(config, args.size, args.tag)
        files(args.tag)[1].write_text(text)
        print(text)


if __name__ == "__main__":
    main()
