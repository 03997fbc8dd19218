"""Ablations of paper 001 for epsinas on NAS-Bench-201 CIFAR-10: input data (Table 12),
batch size (Fig. 6) and random initialisation schemes instead of constants (Table 10).

    PYTHONPATH=$PWD python experiments/epsinas/ablations.py [--cells 1000] [--batch-cells 300]
        [--init-cells 150] [--store PATH]

Scores go to a score store (resumable); the report is written to ``ablations.md`` beside
this script. Accuracies: the 200-epoch CIFAR-10 table (test column) and the embedded one.
NaN scores are omitted, as in the paper, and counted.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import datetime, timezone
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from published import published  # noqa: E402  (experiments/published.toml)

from nasearch import registry
from nasearch.data import load_batch, make_batch, synthetic_batch
from nasearch.interfaces import TASKS, Batch
from nasearch.metrics import correlate
from nasearch.proxies.epsinas import epsinas_statistic
from nasearch.scoring import ProxyScorer
from nasearch.spaces.nb201 import NB201Space
from nasearch.store import ScoreStore

HERE = Path(__file__).resolve().parent
CIFAR = HERE.parents[1].parent / "shared/data/cifar10-partial/cifar10_partial_salvaged.npz"
TASK = TASKS["cifar10"]
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512, 1024)
# paper 001 Table 12: Spearman, Spearman top-10%, Kendall, Kendall top-10%, top-10%/top-10%, top-64/top-5%
PAPER_DATA = {k: tuple(v) for k, v in published("p001", "table12").items()}
# paper 001 Table 10 (first 5,000 cells): Spearman, Spearman top-10%, Kendall, Kendall top-10%
PAPER_INIT = {k: tuple(v) for k, v in published("p001", "table10").items()}
INITS = {"uniform": nn.init.uniform_, "normal": nn.init.normal_, "kaiming_uniform": nn.init.kaiming_uniform_,
         "kaiming_normal": nn.init.kaiming_normal_, "orthogonal": nn.init.orthogonal_}


def data_batch(kind: str, size: int, seed: int = 0) -> Batch:
    if kind == "real":
        return load_batch(str(CIFAR), TASK, size, seed)
    if kind == "uniform+":  # U(0, 1), the paper's "random uniform (+)"
        gen = torch.Generator().manual_seed(seed)
        return make_batch(torch.rand((size, *TASK.input_shape), generator=gen))
    return synthetic_batch(kind, TASK, size, seed)


def row(scores: np.ndarray, accuracy: np.ndarray) -> dict:
    return correlate(scores, accuracy).as_dict()


def fmt(values: dict) -> str:
    return (f"{values['n']} | {values['nan']} | {values['spearman']:.2f} | {values['spearman_top10']:.2f} | "
            f"{values['kendall']:.2f} | {values['kendall_top10']:.2f} | {values['top10_top10']:.1f}")


def random_init_epsinas(space: NB201Space, text: str, init: str, batch: Batch, seeds=(1, 2)) -> float:
    """epsinas's statistic on the outputs of two random initialisations of the conv/linear weights."""
    model = space.build(space.parse(text), TASK).train()
    outputs = []
    for seed in seeds:
        torch.manual_seed(seed)
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, (nn.Conv2d, nn.Linear)):
                    INITS[init](module.weight)
                    if module.bias is not None:
                        module.bias.zero_()
            outputs.append(model(batch.inputs).numpy())
    return epsinas_statistic(*outputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=1000, help="cells for the input-data ablation")
    parser.add_argument("--batch-cells", type=int, default=300, help="cells for the batch-size ablation")
    parser.add_argument("--batches", type=int, default=3, help="random real batches per batch size")
    parser.add_argument("--init-cells", type=int, default=150, help="cells for the initialisation ablation")
    parser.add_argument("--store", type=Path, default=Path("/tmp/nasearch-experiments/ablations.sqlite"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    space = NB201Space()
    store = ScoreStore(args.store)
    bench200 = registry.benchmarks.get("nb201-cifar10-valid-200ep")
    embedded = registry.benchmarks.get("nb201-cifar10-analog")
    cells = list(space.enumerate())
    rng = np.random.default_rng(0)
    sample = [cells[i] for i in rng.choice(len(cells), size=args.cells, replace=False)]
    acc200 = np.array([bench200.train(a).test_accuracy for a in sample])
    acc_emb = np.array([embedded.train(a).test_accuracy for a in sample])
    proxy = registry.proxies.get("epsinas")  # float32, weights (1e-7, 1), narrow path
    lines = [f"# epsinas ablations of paper 001 on NAS-Bench-201 CIFAR-10", "",
             f"Command: `PYTHONPATH=$PWD python experiments/epsinas/ablations.py --cells {args.cells} "
             f"--batch-cells {args.batch_cells} --batches {args.batches} --init-cells {args.init_cells}`. "
             f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared with another scoring job), "
             f"torch {torch.__version__}, 1 thread. Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.",
             f"Cells drawn uniformly (seed 0) from the 15,625; epsinas with weights (1e-7, 1), float32 "
             f"(the reference's NaN cells), BN in train mode. NaN scores omitted and counted. Columns: n, "
             f"NaN, Spearman, Spearman top-10%, Kendall, Kendall top-10%, top-10%/top-10%.", ""]

    # --- input data (Table 12) ---------------------------------------------------------------
    lines += ["## Input data (Table 12), batch 256", "",
              f"{args.cells} cells; accuracy: 200-epoch table (test) | embedded table; paper: 5,000 cells.", "",
              "| input | n | NaN | ρ | ρ top-10% | τ | τ top-10% | top-10%/top-10% | ρ / τ vs embedded | paper ρ / ρ top-10% / τ / τ top-10% / top-10%/top-10% |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for kind in PAPER_DATA:
        scorer = ProxyScorer(space, proxy, TASK, data_batch(kind, 256), store)
        scores = scorer.raw_many(sample, progress=True)
        own, emb = row(scores, acc200), row(scores, acc_emb)
        p = PAPER_DATA[kind]
        lines.append(f"| {kind} | {fmt(own)} | {emb['spearman']:.2f} / {emb['kendall']:.2f} | "
                     f"{p[0]} / {p[1]} / {p[2]} / {p[3]} / {p[4]} |")
        print(lines[-1], flush=True)

    # --- batch size (Fig. 6) -----------------------------------------------------------------
    part = sample[:args.batch_cells]
    acc_part = acc200[:args.batch_cells]
    lines += ["", f"## Batch size (Fig. 6): {args.batch_cells} cells, {args.batches} random real batches each", "",
              "Median [min, max] over the batches, against the 200-epoch table. Seconds: mean per cell "
              "(narrow path, one thread, this shared machine).", "",
              "| batch | NaN (median) | Spearman | Kendall | s per cell |", "|---|---|---|---|---|"]
    for size in BATCH_SIZES:
        rhos, taus, nans, secs = [], [], [], []
        for seed in range(args.batches):
            scorer = ProxyScorer(space, proxy, TASK, data_batch("real", size, seed), store)
            scores = scorer.raw_many(part)
            r = row(scores, acc_part)
            rhos.append(r["spearman"]), taus.append(r["kendall"]), nans.append(r["nan"])
            secs.append(scorer.seconds_per_arch(part))
        lines.append(f"| {size} | {int(np.median(nans))} | {np.median(rhos):.3f} [{min(rhos):.3f}, {max(rhos):.3f}] | "
                     f"{np.median(taus):.3f} [{min(taus):.3f}, {max(taus):.3f}] | {np.mean(secs):.3f} |")
        print(lines[-1], flush=True)

    # --- random initialisations (Table 10) ---------------------------------------------------
    part = sample[:args.init_cells]
    acc_part = acc200[:args.init_cells]
    batch = data_batch("real", 256)
    lines += ["", f"## Random initialisation schemes instead of constants (Table 10): {args.init_cells} cells", "",
              "Two initialisations (seeds 1 and 2) of the conv/linear weights with the scheme (biases 0, BN "
              "affine 1/0), real batch of 256, float32 full-width network; the epsinas statistic of the two "
              "outputs. Paper: first 5,000 cells.", "",
              "| scheme | n | NaN | ρ | ρ top-10% | τ | τ top-10% | top-10%/top-10% | paper ρ / ρ top-10% / τ / τ top-10% |",
              "|---|---|---|---|---|---|---|---|---|"]
    constant = ProxyScorer(space, proxy, TASK, batch, store).raw_many(part)
    r = row(constant, acc_part)
    lines.append(f"| constant (1e-7, 1), for reference | {fmt(r)} | 0.87 / 0.59 / 0.70 / 0.43 |")
    for init in INITS:
        t = time.perf_counter()
        scores = np.array([random_init_epsinas(space, a.text, init, batch) for a in part])
        p = PAPER_INIT[init]
        lines.append(f"| {init} | {fmt(row(scores, acc_part))} | {p[0]} / {p[1]} / {p[2]} / {p[3]} |")
        print(lines[-1], f"{time.perf_counter() - t:.0f} s", flush=True)

    lines += ["", f"Wall time: {time.perf_counter() - start:.0f} s."]
    (HERE / "ablations.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {HERE / 'ablations.md'}")


if __name__ == "__main__":
    main()
