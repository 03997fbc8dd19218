"""Paper 004: the SNR proxies with and without the per-layer log (Table A.1) and T-CET with its
activation kernels in eval mode (the authors' code) and in train mode (ours before 2026-11-27),
on the proxy table's cells, computed once per cell from the same saliencies.

    PYTHONPATH=$PWD nice -n 10 python experiments/fidelity/snr_variants.py score --cells 1000   # resumable
    PYTHONPATH=$PWD python experiments/fidelity/snr_variants.py report

Protocol = the proxy table's (experiments/proxy_table): the 1,000-cell sample
``sample_distinct(NB201Space(), default_rng(0), 1000)`` (its first ``--cells``), CIFAR-10 network
C=16, N=5, initialisation seed 0, batch 64 real CIFAR-10 images with labels (seed 0); each
network is prepared exactly as ``compute_score`` prepares it for that proxy, so the train-mode
values must equal the proxy table's (the report checks it). Writes snr_variants.csv (one row
per cell, appended as it goes) and snr_variants.md beside this script.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from scipy import stats

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from common import cifar10_test_accuracy, published, read_sample_scores, score_sample_cells  # noqa: E402

from nasearch import registry  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.proxies.compressibility import (saliency_per_layer, ssnr_from_layers, tcet_from_layers,  # noqa: E402
                                              weight_layer_kernels)
from nasearch.scoring import prepare  # noqa: E402

CSV = HERE / "snr_variants.csv"
OUT = HERE / "snr_variants.md"
COLUMNS = ["synflow_snr", "synflow_snr[log]", "snip_snr", "snip_snr[log]",
           "tcet_synflow[train]", "tcet_synflow[eval]", "tcet_snip[train]", "tcet_snip[eval]"]


def score_cell(space, arch, task, batch) -> dict[str, float]:
    row: dict[str, float] = {}
    for kind in ("synflow", "snip"):
        proxy = registry.proxies.get(f"{kind}_snr")
        model, b = prepare(space, arch, task, proxy, batch, 0)
        saliencies = saliency_per_layer(kind, model, b, proxy.name)
        row[f"{kind}_snr"] = ssnr_from_layers(saliencies)
        row[f"{kind}_snr[log]"] = ssnr_from_layers(saliencies, log=True)
        tcet = registry.proxies.get(f"tcet_{kind}")
        model, b = prepare(space, arch, task, tcet, batch, 0)
        kernels = {mode: weight_layer_kernels(model, b.inputs, mode) for mode in ("eval", "train")}
        saliencies = saliency_per_layer(kind, model, b, tcet.name)
        for mode, logdets in kernels.items():
            row[f"tcet_{kind}[{mode}]"] = tcet_from_layers(saliencies, logdets)
    return row


def score(n_cells: int) -> None:
    score_sample_cells(CSV, COLUMNS, n_cells, score_cell)


def report() -> None:
    rows, table, acc, col = read_sample_scores(CSV, COLUMNS)
    checks = []
    for ours, stored in (("synflow_snr", "synflow_snr"), ("snip_snr", "snip_snr"),
                         ("tcet_synflow[train]", "tcet_synflow"), ("tcet_snip[train]", "tcet_snip")):
        ref = np.array([float(table[r["arch"]][stored]) if table[r["arch"]][stored] else math.nan for r in rows])
        ok = np.isfinite(ref) & np.isfinite(col[ours])
        rel = np.abs(col[ours][ok] - ref[ok]) / np.abs(ref[ok])
        same_nan = int(np.sum(np.isnan(ref) == np.isnan(col[ours])))
        checks.append(f"| {ours} | {stored} | {rel.max():.1e} | {same_nan} of {len(rows)} |")
    t2, a1 = published("p004", "table2"), published("p004", "tableA1")
    pub = {"synflow_snr": t2["synflow_snr"][0], "synflow_snr[log]": a1["log_synflow_snr"][0],
           "snip_snr": t2["snip_snr"][0], "snip_snr[log]": a1["log_snip_snr"][0],
           "tcet_synflow[eval]": t2["tcet_synflow"][0], "tcet_snip[eval]": t2["tcet_snip"][0]}
    lines = ["# Paper 004: SNR with and without log (Table A.1), T-CET kernels in eval and train mode", "",
             f"Written by `PYTHONPATH=$PWD python experiments/fidelity/snr_variants.py report` on "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC from snr_variants.csv ({len(rows)} cells: the first "
             f"{len(rows)} of the proxy table's 1,000-cell sample; scored by `snr_variants.py score`, 2-core shared "
             "CPU, torch " + torch.__version__ + "). Accuracy: 200-epoch CIFAR-10 test. Published: all 15,625 cells "
             "(Table 2; Table A.1 for the log rows).", "",
             "| scores | n | NaN | Kendall τ | Spearman ρ | published τ |", "|---|---|---|---|---|---|"]
    for c in COLUMNS:
        r = correlate(col[c], acc)
        lines.append(f"| {c} | {r.n} | {r.nan} | {r.kendall:.3f} | {r.spearman:.3f} | {pub.get(c, '')} |")
    for kind in ("synflow", "snip"):
        a, b = col[f"tcet_{kind}[eval]"], col[f"tcet_{kind}[train]"]
        ok = np.isfinite(a) & np.isfinite(b)
        lines.append("")
        lines.append(f"tcet_{kind}: eval vs train kernels, Kendall between the two {stats.kendalltau(a[ok], b[ok])[0]:.3f}, "
                     f"median relative difference {np.median(np.abs(a[ok] - b[ok]) / np.abs(b[ok])):.3f}.")
    lines += ["", "## The proxy table's 1,000 cells against the official 200-epoch test accuracy", "",
              "The proxy table's report (proxy_table/results.md) correlates with the analog-nasbench table it was "
              "written against; on the official `cifar10` 200-epoch test accuracies (the papers' and our embedded "
              "default) the same stored scores give the Kendall τ below. NaN cells (14 of 1,000: cells with no path "
              "from input to output, every saliency 0, all at 10% accuracy) are omitted by nasearch; the authors' "
              "code returns 0 for them (σ = 0 layers add their sum, 0), which the second column mimics.", "",
              "| proxy | NaN | τ, NaN omitted | τ, NaN as 0 (authors' code) | published τ (all cells) |",
              "|---|---|---|---|---|"]
    everything = list(table.values())
    acc_all = cifar10_test_accuracy([r["arch"] for r in everything])
    for name in ("synflow_snr", "snip_snr", "tcet_synflow", "tcet_snip"):
        v = np.array([float(r[name]) if r[name] else math.nan for r in everything])
        ok = ~np.isnan(v)
        lines.append(f"| {name} | {int((~ok).sum())} | {stats.kendalltau(v[ok], acc_all[ok])[0]:.3f} | "
                     f"{stats.kendalltau(np.where(ok, v, 0.0), acc_all)[0]:.3f} | {t2[name][0]} |")
    lines += ["", "Check against the proxy table (same cells, same protocol): max relative difference of the "
              "finite values and cells with the same NaN status.", "",
              "| here | proxy table column | max rel. diff | same NaN status |", "|---|---|---|---|", *checks, ""]
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["score", "report"])
    parser.add_argument("--cells", type=int, default=1000)
    args = parser.parse_args()
    score(args.cells) if args.what == "score" else report()


if __name__ == "__main__":
    main()
