"""Paper 001 Figure 6: epsinas against the batch size, three datasets, 10 random batches per size.

    PYTHONPATH=$PWD nice -n 10 python experiments/fidelity/batch_size.py score --cells 60 --batches 10   # resumable
    PYTHONPATH=$PWD python experiments/fidelity/batch_size.py report
    # on a GPU machine, the paper's size: add --device cuda --cells 1000 to both (untimed here)

Cells: the first ``--cells`` of the proxy table's 1,000-cell sample (``sample_distinct(NB201Space(),
default_rng(0), 1000)``; the paper uses 5,000). epsinas at its defaults (float32, weights 1e-7
and 1, exact narrow path; NaN cells omitted as the paper omits them), batch sizes 8 … 1024,
random batches of real CIFAR-10 training images (``load_batch(..., seed=k)``, k = 0 … B−1).
Under constant shared weights every output unit carries the same value, so the head (10, 100
or 120 classes) does not change the score: the CIFAR-10 and CIFAR-100 panels share one set of
scores (32×32 CIFAR-10 images; no CIFAR-100 images exist here), and the ImageNet16-120 panel
uses the same images resized to 16×16. Accuracies: the embedded 200-epoch test tables. Scores go
to ``--store`` (default /tmp/nasearch-experiments/batch_size.sqlite) so an interrupted run
resumes; ``report`` writes batch_size.md and figures/p001_fig6_batch_size.png beside this script.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from common import refuse_empty, require_data  # noqa: E402

from nasearch import registry  # noqa: E402
from nasearch.benchmarks.nb201_200ep import accuracy_table  # noqa: E402
from nasearch.data import load_batch  # noqa: E402
from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.scoring import ProxyScorer  # noqa: E402
from nasearch.spaces.nb201 import NB201Space  # noqa: E402
from nasearch.store import ScoreStore  # noqa: E402
from nasearch.strategies._pool import sample_distinct  # noqa: E402

SIZES = (8, 16, 32, 64, 128, 256, 512, 1024)
IMAGES = {"cifar10": "cifar10", "imagenet16-120": "imagenet16-120"}  # scoring task per image size
PANELS = {"cifar10": "cifar10", "cifar100": "cifar10", "imagenet16-120": "imagenet16-120"}  # panel -> scores


def scorer(task_name: str, size: int, seed: int, store: ScoreStore, device: str = "cpu") -> ProxyScorer:
    data = require_data()
    task = TASKS[task_name]
    batch = load_batch(str(data / "cifar10-partial" / "cifar10_partial_salvaged.npz"), task, size, seed=seed)
    return ProxyScorer(NB201Space(), registry.proxies.get("epsinas"), task, batch, store, device=device)


def stored(sc: ProxyScorer, archs: list) -> np.ndarray | None:
    """The stored scores of ``archs`` (NaN where undefined), or None when any is missing: nothing is computed."""
    keys = [sc.cache_key(a) for a in archs]
    found = sc.store.get_many(sc.key, list(set(keys)))
    if len(found) < len(set(keys)):
        return None
    return np.array([np.nan if found[k][0] is None else found[k][0] for k in keys], dtype=float)


def cells(n: int) -> list:
    return sample_distinct(NB201Space(), np.random.default_rng(0), 1000)[:n]


def score(args) -> None:
    torch.set_num_threads(1)
    store = ScoreStore(args.store)
    archs = cells(args.cells)
    for seed in range(args.batches):
        for task_name in IMAGES:
            start = time.process_time()
            for size in SIZES:
                scorer(task_name, size, seed, store, args.device).raw_many(archs)
            print(f"batch seed {seed}, {task_name}: {time.process_time() - start:.0f} CPU-s", flush=True)


def report(args) -> None:
    store = ScoreStore(args.store)
    archs = cells(args.cells)
    position = {a.text: i for i, a in enumerate(NB201Space().enumerate())}
    index = [position[a.text] for a in archs]
    results: dict[str, dict[int, list[tuple[float, float, int]]]] = {p: {s: [] for s in SIZES} for p in PANELS}
    for panel, task_name in PANELS.items():
        acc = accuracy_table(panel)[index]
        for size in SIZES:
            for seed in range(args.batches):
                values = stored(scorer(task_name, size, seed, store, args.device), archs)
                if values is None:
                    continue  # this batch was not (completely) scored
                c = correlate(values, acc)
                results[panel][size].append((c.spearman, c.kendall, c.nan))
    refuse_empty([r for p in results.values() for r in p.values() if r], "the batch-size store")
    lines = ["# Paper 001 Figure 6: epsinas against the batch size, three datasets", "",
             f"Written by `PYTHONPATH=$PWD python experiments/fidelity/batch_size.py report --cells {args.cells} "
             f"--batches {args.batches}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; scores by `batch_size.py "
             "score` (2-core shared CPU). Protocol: the script's docstring. Median [25%, 75%] over the batches "
             "scored (column 'batches'); NaN: median cells omitted.", "",
             "| dataset | batch | batches | NaN | Spearman | Kendall |", "|---|---|---|---|---|---|"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for ax, (panel, by_size) in zip(axes, results.items()):
        xs, med, lo, hi = [], [], [], []
        for size, rows in by_size.items():
            if not rows:
                continue
            r = np.array(rows)
            q = np.percentile(r, [25, 50, 75], axis=0)
            lines.append(f"| {panel} | {size} | {len(rows)} | {q[1, 2]:.0f} | {q[1, 0]:.3f} [{q[0, 0]:.3f}, "
                         f"{q[2, 0]:.3f}] | {q[1, 1]:.3f} [{q[0, 1]:.3f}, {q[2, 1]:.3f}] |")
            xs.append(size)
            med.append(q[1, 0])
            lo.append(q[0, 0])
            hi.append(q[2, 0])
        ax.plot(xs, med, marker="o", label="Spearman (median)")
        ax.fill_between(xs, lo, hi, alpha=0.2)
        ax.set_xscale("log", base=2)
        ax.set_title(panel)
        ax.set_xlabel("batch size")
        ax.set_ylabel("Spearman ρ")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    (HERE / "figures").mkdir(exist_ok=True)
    fig.savefig(HERE / "figures" / "p001_fig6_batch_size.png", dpi=90)
    lines += ["", "![Figure 6](figures/p001_fig6_batch_size.png)", ""]
    (HERE / "batch_size.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {(HERE / 'batch_size.md').relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["score", "report"])
    parser.add_argument("--cells", type=int, default=60)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (the scores and the store key follow it)")
    parser.add_argument("--store", type=Path, default=Path("/tmp/nasearch-experiments/batch_size.sqlite"))
    args = parser.parse_args()
    args.store.parent.mkdir(parents=True, exist_ok=True)
    score(args) if args.what == "score" else report(args)


if __name__ == "__main__":
    main()
