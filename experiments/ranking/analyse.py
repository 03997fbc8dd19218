"""Issue 14 items 3 and 4: the whole-space epsinas variant and the label-free ranking, measured.

    PYTHONPATH=$PWD python experiments/ranking/analyse.py      # writes results.md beside this file

Inputs (all read, nothing computed here):
- ``whole_space_<proxy>.csv`` beside this script, from ``score_whole_space.py``, where present;
- otherwise, for epsinas_whole, a *reconstruction* from the stored whole-space float64 epsinas
  scores (``experiments/epsinas/scores_cifar10.csv``, same network, data and batch 256) with the
  structural rule "every path passes a convolution" standing in for the float32-NaN test (the two
  agree on 6,049 of 6,390 cells in experiments/epsinas/float_artefacts.md) and the option's own
  formula (nan_scale·log + nan_shift, −inf for float64 NaN);
- the 1,000-cell sample's scores of experiments/proxy_table (jacov, gsnr, ...) and
  experiments/proxies_new;
- 200-epoch test accuracies of ``../shared/data/nb201-freerea/accuracies_200ep_derived.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import sys
from pathlib import Path

import numpy as np

from nasearch.ensemble import rank_ensemble
from nasearch.metrics import correlate
from nasearch.proxies.epsinas import EpsinasWholeConfig
from nasearch.spaces.nb201 import EDGES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ACC = ROOT.parent / "shared/data/nb201-freerea/accuracies_200ep_derived.csv"
DATASETS = {"CIFAR-10": "cifar10_test", "CIFAR-100": "cifar100_test", "ImageNet16-120": "imagenet16-120_test"}
PUBLISHED = ("Published (all 15,625 cells, Spearman): AZ-NAS 0.91 / 0.90 / 0.89 (paper; its notebook: 0.9127 on "
             "CIFAR-10); MeCo 0.89 on CIFAR-10 (NeurIPS abstract; 0.894 / 0.883 / 0.845 recalled, unverified); reg-SWAP "
             "0.90 on CIFAR-100 *validation* (ICLR abstract). Sources: ../shared/PROXIES_FIELD.md §8–10.")


def accuracies() -> dict[str, dict[str, float]]:
    with ACC.open() as f:
        return {r["arch_str"]: {k: float(r[v]) for k, v in DATASETS.items()} for r in csv.DictReader(f)}


def conv_on_every_path(ops) -> bool:
    free, reach = {0: True}, {0: True}
    for node in (1, 2, 3):
        reach[node] = free[node] = False
        for (source, target), op in zip(EDGES, ops):
            if target != node or op == "none" or not reach[source]:
                continue
            reach[node] = True
            if op in ("skip_connect", "avg_pool_3x3") and free[source]:
                free[node] = True
    return reach[3] and not free[3]


def read_column(path: Path, column: str, key: str = "arch") -> dict[str, float]:
    with path.open() as f:
        return {r[key]: float(r[column]) if r[column] not in ("", "nan") else math.nan for r in csv.DictReader(f)}


def epsinas_whole_scores() -> tuple[dict[str, float], str]:
    stored = HERE / "whole_space_epsinas_whole.csv"
    if stored.is_file():
        values = read_column(stored, "value")
        if len(values) == 15625:
            return values, f"computed by the option itself (`{stored.name}`)"
    cfg = EpsinasWholeConfig()
    f64 = read_column(ROOT / "experiments/epsinas/scores_cifar10.csv", "score_float64")
    out = {}
    for text, v in f64.items():
        ops = [part.split("~")[0] for part in text.strip("|").replace("|+|", "|").split("|")]
        if not v > 0:
            out[text] = -math.inf
        elif conv_on_every_path(ops):
            out[text] = cfg.nan_scale * math.log(v) + cfg.nan_shift
        else:
            out[text] = math.log(v)
    return out, ("reconstructed from stored float64 scores with the structural rule for the float32 test "
                 "(see the docstring; not yet the option's own whole-space run)")


def row(label: str, scores: np.ndarray, acc: np.ndarray) -> str:
    c = correlate(scores, acc)
    return (f"| {label} | {c.n} | {c.nan} | {c.spearman:.3f} | {c.kendall:.3f} | {c.spearman_top10:.3f} | "
            f"{c.top10_top10:.1f} | {c.top64_top5:.0f} |")


HEAD = ("| scores | n | NaN | Spearman | Kendall | Spearman top-10% | top-10%/top-10% (%) | top-64/top-5% |\n"
        "|---|---|---|---|---|---|---|---|")


def sample_scores() -> dict[str, dict[str, float]]:
    """{proxy: {arch: value}} on the 1,000-cell sample (proxy table + proxies_new)."""
    out: dict[str, dict[str, float]] = {}
    with (ROOT / "experiments/proxy_table/scores_cifar10.csv").open() as f:
        for r in csv.DictReader(f):
            for k, v in r.items():
                if k != "arch":
                    out.setdefault(k, {})[r["arch"]] = float(v) if v not in ("", "nan") else math.nan
    new = ROOT / "experiments/proxies_new/scores.csv"
    if new.is_file():
        with new.open() as f:
            for r in csv.DictReader(f):
                if r["config"] == "{}":
                    out.setdefault(r["proxy"], {})[r["arch"]] = float(r["value"])
    return out


def main() -> None:
    acc = accuracies()
    cells = sorted(acc)
    eps, origin = epsinas_whole_scores()
    lines = [f"# Issue 14: whole-space epsinas and the label-free ranking on NAS-Bench-201",
             "", f"Written by `PYTHONPATH=$PWD python experiments/ranking/analyse.py` on "
             f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC. Accuracy: 200-epoch test accuracy "
             "(`nb201-freerea/accuracies_200ep_derived.csv`). Metrics as `nasearch.metrics.correlate` "
             "(NaN omitted and counted; −inf is a score, ranked last).", "", PUBLISHED, "",
             "## Item 4: epsinas over the whole space (`epsinas --proxy-option whole_space=true`, alias `epsinas_whole`)",
             "", f"Scores: {origin}. Cost of the float64 part, measured in experiments/epsinas/whole_space_cifar10.md: "
             "514 CPU-s for the 4,930 distinct networks (narrow path); the float32 pass costs about the same.", "",
             "How it was chosen: the map's two constants are fitted to score distributions only (no accuracy): "
             "the float32-NaN group's log-score quantiles q are matched to the other group's quantiles "
             "1 − (1 − q)·n_NaN/n_finite (the k-th best of each group side by side), least squares over all "
             "cells; fitted on a random half instead they are 0.093 / −0.489. The rule itself (merge by rank "
             "from the top) was picked over the other natural one (merge by relative quantile: ρ 0.70 on "
             "CIFAR-10) after seeing both on CIFAR-10, and ranking the float64-underflow cells last over "
             "the alternatives (middle: 0.805, top: 0.792) likewise; CIFAR-100 and ImageNet16-120 were not "
             "used for either choice.", ""]
    f64 = read_column(ROOT / "experiments/epsinas/scores_cifar10.csv", "score_float64")
    rng = np.random.default_rng(1)
    half = rng.random(len(cells)) < 0.5
    for ds in DATASETS:
        a = np.array([acc[c][ds] for c in cells])
        s = np.array([eps[c] for c in cells])
        lines += [f"### {ds}", "", HEAD, row("epsinas whole_space, all 15,625 cells", s, a),
                  row("same, a random half of the cells (seed 1)", s[~half], a[~half]),
                  row("epsinas float64 (before this option: the issue's 0.45)",
                      np.array([f64[c] for c in cells]), a), ""]
    # item 3 over the whole space, when the component scores are there (device_run.sh)
    parts = {"epsinas_whole": eps}
    for name in ("meco",):
        path = HERE / f"whole_space_{name}.csv"
        if path.is_file():
            parts[name] = read_column(path, "value")
    if len(parts.get("meco", {})) == 15625:
        lines += ["## Item 3: `epsinas_meco` over all 15,625 cells", "", HEAD]
        matrix = {n: np.array([v[c] for c in cells]) for n, v in parts.items()}
        combined = rank_ensemble(matrix)
        for ds in DATASETS:
            a = np.array([acc[c][ds] for c in cells])
            lines += [row(f"{ds}: epsinas_meco (RankAve)", combined, a),
                      row(f"{ds}: same, a random half (seed 1)", combined[~half], a[~half])]
            lines += [row(f"{ds}: {n} alone", m, a) for n, m in matrix.items()]
        lines.append("")
    else:
        lines += ["## Item 3 over the whole space: not measured yet", "",
                  "`experiments/ranking/device_run.sh` computes MeCo (and epsinas_whole) for every cell on 16 CPU cores; "
                  "this script then adds the table here.", ""]
    # item 3 on the 1,000-cell sample
    sample = sample_scores()
    arcs = list(sample["nparams"])
    lines += ["## Item 3: label-free ranking, on a prefix of the 1,000-cell sample (the cells of experiments/proxy_table)", "",
              "Components chosen on CIFAR-10 of these cells only: every 1-, 2- and 3-subset of the candidates "
              "below, RankAve over the population (`nasearch.ensemble.rank_ensemble`, NaN last); the preset "
              "`epsinas_meco` is the best CIFAR-10 ρ among subsets of CPU-cheap candidates (epsinas_whole, nparams, "
              "synflow, meco, zen, l2_norm; jacov, gsnr, grad_sign, zico and naswot cost 0.25–1 s per cell, too much "
              "for a whole-space CPU run here). The brief asked for cheap components before any of this was computed, "
              "but the restriction was written down after this table was seen; the unrestricted best, "
              "epsinas_whole+gsnr+meco, is in the table. "
              "CIFAR-100 and ImageNet16-120 columns were not used for the choice. The whole-space figures need MeCo "
              "on all 15,625 cells (`device_run.sh`; not affordable on this shared 2-core machine today).", ""]
    cand = ["epsinas_whole", "nparams", "synflow", "naswot", "jacov", "gsnr", "grad_sign", "zico",
            "logsynflow", "meco", "zen", "l2_norm", "az_expressivity", "az_progressivity", "az_trainability"]
    sample["epsinas_whole"] = {c: eps[c] for c in arcs}
    # the evaluation set: the longest prefix of the sample (every n is a prefix) that MeCo covers
    n_eval = min(len(sample.get("meco", {})) or len(arcs), len(arcs))
    arcs = arcs[:n_eval]
    usable = [p for p in cand if p in sample and all(c in sample[p] for c in arcs)]
    acc_s = {ds: np.array([acc[c][ds] for c in arcs]) for ds in DATASETS}
    results = []
    for r in (1, 2, 3):
        for combo in itertools.combinations(usable, r):
            combined = rank_ensemble({p: np.array([sample[p][c] for c in arcs]) for p in combo})
            results.append((correlate(combined, acc_s["CIFAR-10"]).spearman, combo, combined))
    results.sort(key=lambda t: -t[0])
    lines += [f"Evaluation set: the first {n_eval} cells of the sample. Candidates with scores on all of them: "
              f"{', '.join(usable)}.", "",
              "| components (RankAve) | CIFAR-10 ρ (choice) | CIFAR-100 ρ | ImageNet16-120 ρ | CIFAR-10 τ | top-64/top-5% C-10 |",
              "|---|---|---|---|---|---|"]
    shown = [t for t in results if len(t[1]) == 1] + results[:12]
    for rho10, combo, combined in shown:
        c10 = correlate(combined, acc_s["CIFAR-10"])
        lines.append(f"| {'+'.join(combo)} | {rho10:.3f} | {correlate(combined, acc_s['CIFAR-100']).spearman:.3f} | "
                     f"{correlate(combined, acc_s['ImageNet16-120']).spearman:.3f} | {c10.kendall:.3f} | {c10.top64_top5:.0f} |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
