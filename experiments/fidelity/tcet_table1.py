"""Paper 004 Table 1 with the authors' Lnwot: partial correlations of RankAve and T-CET with X
(Synflow-SNR, SNIP-SNR) and Y (Lnwot), given accuracy, in Kendall τ (the paper's eq. 1) and in
Spearman ρ.

    PYTHONPATH=$PWD nice -n 10 python experiments/fidelity/tcet_table1.py score --cells 150   # resumable
    PYTHONPATH=$PWD python experiments/fidelity/tcet_table1.py report

Why: tables.md §E takes Y = our ``lnwot`` (per-ReLU kernels of the ReLU *inputs*, BatchNorm on
batch statistics). The T-CET authors' code (iViolinSolo/zero-cost-proxies 8054a99,
``compute_naswot(layerwise=True)``, read) builds Lnwot from the kernels of every conv/linear
layer *output* with the network in eval mode, and T-CET multiplies exactly those per-layer
log-determinants with the per-layer SNR. Here, per cell and from one network: the per-layer
eval-mode kernels (``weight_layer_kernels``, as ``tcet_*`` uses them), Y = their sum (the
authors' Lnwot), and for synflow and snip the saliencies once, giving X = Σ S_l/σ_l and
A = T-CET = Σ (S_l/σ_l)·log|K_l| from the same layers. Our ``lnwot`` column of the proxy table
is reported beside it. Protocol = the proxy table's (the first ``--cells`` of its 1,000-cell
sample, CIFAR-10 network C=16 N=5, seed 0, batch 64 real CIFAR-10 images, seed 0); each network
is prepared as ``compute_score`` prepares it for ``tcet_snip``. Writes tcet_table1.csv (appended
per cell) and tcet_table1.md beside this script.
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
sys.path.insert(0, str(HERE))
from common import published, read_sample_scores, score_sample_cells  # noqa: E402
from tables import spearman_partial  # noqa: E402

from nasearch import registry  # noqa: E402
from nasearch.metrics import partial_correlation  # noqa: E402
from nasearch.proxies.compressibility import (saliency_per_layer, ssnr_from_layers, tcet_from_layers,  # noqa: E402
                                              weight_layer_kernels)
from nasearch.scoring import prepare  # noqa: E402

CSV = HERE / "tcet_table1.csv"
OUT = HERE / "tcet_table1.md"
COLUMNS = ["lnwot_authors", "synflow_snr", "tcet_synflow", "snip_snr", "tcet_snip"]


def score_cell(space, arch, task, batch) -> dict[str, float]:
    proxy = registry.proxies.get("tcet_snip")
    model, b = prepare(space, arch, task, proxy, batch, 0)
    logdets = weight_layer_kernels(model, b.inputs, "eval")
    row = {"lnwot_authors": math.fsum(logdets)}
    for kind in ("synflow", "snip"):
        saliencies = saliency_per_layer(kind, model, b, f"tcet_{kind}")
        row[f"{kind}_snr"] = ssnr_from_layers(saliencies)
        row[f"tcet_{kind}"] = tcet_from_layers(saliencies, logdets)
    return row


def score(n_cells: int) -> None:
    score_sample_cells(CSV, COLUMNS, n_cells, score_cell)


def rank_average(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ok = ~(np.isnan(x) | np.isnan(y))
    a = np.full(len(x), np.nan)
    a[ok] = (stats.rankdata(x[ok]) + stats.rankdata(y[ok])) / 2
    return a


def report() -> None:
    rows, table, z, col = read_sample_scores(CSV, COLUMNS)
    stored = {c: np.array([float(table[r["arch"]][c]) if table[r["arch"]][c] else math.nan for r in rows])
              for c in ("lnwot", "synflow_snr", "snip_snr", "tcet_synflow", "tcet_snip")}
    ys = {"Lnwot, authors' (conv/linear outputs, eval)": col["lnwot_authors"],
          "our `lnwot` (ReLU inputs, train; tables.md §E)": stored["lnwot"]}
    pub = published("p004", "table1")
    lines = ["# Paper 004 Table 1 with the authors' Lnwot", "",
             f"Written by `PYTHONPATH=$PWD python experiments/fidelity/tcet_table1.py report` on "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC from tcet_table1.csv ({len(rows)} cells: the first "
             f"{len(rows)} of the proxy table's 1,000-cell sample; scored by `tcet_table1.py score`, 2-core shared "
             f"CPU, torch {torch.__version__}). Accuracy Z: 200-epoch CIFAR-10 test. Published (C-10, all cells) in "
             "parentheses. Protocol and why: the script's docstring.", "",
             "| A | X | Y | ρ_XA·Z Kendall | ρ_YA·Z Kendall | ρ_XA·Z Spearman | ρ_YA·Z Spearman |",
             "|---|---|---|---|---|---|---|"]
    for x in ("synflow_snr", "snip_snr"):
        for a_name in ("rankave", "tcet"):
            p = pub[a_name][x]
            for y_name, y in ys.items():
                a = rank_average(col[x], y) if a_name == "rankave" else col[f"tcet_{x.split('_')[0]}"]
                lines.append(f"| {'RankAve' if a_name == 'rankave' else 'T-CET'} | {x} | {y_name} | "
                             f"{partial_correlation(col[x], a, z):.2f} ({p['xa'][0]}) | "
                             f"{partial_correlation(y, a, z):.2f} ({p['ya'][0]}) | {spearman_partial(col[x], a, z):.2f} | "
                             f"{spearman_partial(y, a, z):.2f} |")
    lines += ["", "Checks against the proxy table on the same cells (X here comes from the T-CET network's "
              "saliencies; T-CET there used train-mode kernels):", ""]
    for c in ("synflow_snr", "snip_snr", "tcet_synflow", "tcet_snip"):
        ok = np.isfinite(col[c]) & np.isfinite(stored[c])
        lines.append(f"- {c}: Kendall between the two {stats.kendalltau(col[c][ok], stored[c][ok])[0]:.3f}, median "
                     f"relative difference {np.median(np.abs(col[c][ok] - stored[c][ok]) / np.abs(stored[c][ok])):.1e}")
    ok = np.isfinite(col["lnwot_authors"]) & np.isfinite(stored["lnwot"])
    lines.append(f"- Y: Kendall between the authors' Lnwot and our `lnwot` "
                 f"{stats.kendalltau(col['lnwot_authors'][ok], stored['lnwot'][ok])[0]:.3f}")
    lines.append("")
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["score", "report"])
    parser.add_argument("--cells", type=int, default=150)
    args = parser.parse_args()
    score(args.cells) if args.what == "score" else report()


if __name__ == "__main__":
    main()
