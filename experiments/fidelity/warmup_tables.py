"""Whole-space score tables for the warm-up searches of paper 001 Figures 5 and 7 on CIFAR-100 and
ImageNet16-120 (experiments/search/integration-datasets.toml reads them).

    PYTHONPATH=$PWD python experiments/fidelity/warmup_tables.py

Writes experiments/search/warmup_scores_<dataset>.csv (not committed: regenerate them), one row per
cell: ``epsinas`` as the paper computes it (float64 exact scores with the reference float32 NaN
cells, those where every path convolves, set to NaN and so ranked last; epsinas_float32_rule.py
does the same on CIFAR-10), and the FreeREA authors' ``naswot`` and ``synflow`` of that dataset.
epsinas scores: CIFAR-100 = the CIFAR-10 whole-space scores (experiments/epsinas/scores_cifar10.csv):
under constant shared weights the head does not change the score (checked: the 1,000-cell
CIFAR-100 rescoring of scores_cifar100_sample.csv equals the CIFAR-10 one on every cell), and
no CIFAR-100 images exist here; ImageNet16-120 = scores_imagenet16-120_all.csv (score.py --cells
all, CIFAR-10 images at 16×16, float64), when that file exists.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from common import refuse_empty, require_data  # noqa: E402
from tables import ARCHS, freerea  # noqa: E402
from tail_gap import float32_nan_mask  # noqa: E402

SOURCES = {"cifar100": (ROOT / "experiments/epsinas/scores_cifar10.csv", "score_float64"),
           "imagenet16-120": (HERE / "scores_imagenet16-120_all.csv", "epsinas[dtype=float64]")}


def main() -> None:
    data = require_data()
    nan32 = float32_nan_mask()
    for dataset, (path, column) in SOURCES.items():
        if not path.is_file():
            print(f"skipping {dataset}: {path.relative_to(ROOT)} does not exist yet")
            continue
        with path.open(newline="") as handle:
            by_arch = {r["arch"]: float(r[column]) if r.get(column) else math.nan for r in csv.DictReader(handle)}
        refuse_empty(by_arch, str(path.relative_to(ROOT)))
        missing = [a.text for a in ARCHS if a.text not in by_arch]
        if missing:
            sys.exit(f"{path.relative_to(ROOT)} lacks {len(missing)} cells (e.g. {missing[0]}): finish that run first")
        eps = np.array([math.nan if nan32[i] else by_arch[a.text] for i, a in enumerate(ARCHS)])
        naswot, synflow = freerea(data, dataset, "naswot"), freerea(data, dataset, "synflow")
        naswot = np.where(np.isfinite(naswot), naswot, np.nan)
        target = ROOT / "experiments/search" / f"warmup_scores_{dataset}.csv"
        with target.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["arch", "epsinas", "naswot", "synflow"])
            for a, e, n, s in zip(ARCHS, eps, naswot, synflow):
                writer.writerow([a.text, repr(float(e)), repr(float(n)), repr(float(s))])
        print(f"wrote {target.relative_to(ROOT)}: {len(ARCHS)} cells, epsinas NaN {int(np.isnan(eps).sum())}")


if __name__ == "__main__":
    main()
