"""Paper tables and figures computed from stored scores (no network is built here).

    PYTHONPATH=$PWD nice -n 10 python experiments/fidelity/tables.py

Inputs (all committed or in ../shared/data): the embedded 200-epoch test accuracies
(``nb201-{cifar10,cifar100,imagenet16-120}-200ep``); whole-space epsinas scores
(experiments/epsinas/scores_cifar10.csv, float64, the reference float32 NaN cells set to NaN
by the structural rule of experiments/search/epsinas_float32_rule.py); the 1,000-cell proxy
table (experiments/proxy_table/scores_*.csv); our CIFAR-100 / ImageNet16-120 rescoring
(experiments/fidelity/scores_*_sample.csv, written by score.py, when present); and the FreeREA
authors' own scores of every cell (``nb201-freerea/<dataset>/{naswot,synflow,params}.csv``).
Writes tables.md and figures/*.png beside this script.
"""

from __future__ import annotations

import csv
import math
import sys
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "search"))
from common import refuse_empty, require_data  # noqa: E402
from epsinas_float32_rule import conv_on_every_path  # noqa: E402
from published import published  # noqa: E402

from nasearch.benchmarks.nb201_200ep import DATASETS, accuracy_table, official_indices  # noqa: E402
from nasearch.metrics import correlate, monotonicity, partial_correlation  # noqa: E402
from nasearch.spaces.nb201 import NB201Space  # noqa: E402

SPACE = NB201Space()
ARCHS = list(SPACE.enumerate())
POSITION = {a.text: i for i, a in enumerate(ARCHS)}
ACC = {d: accuracy_table(d) for d in DATASETS}
FOLDER = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "ImageNet16-120"}
SHORT = {"cifar10": "C-10", "cifar100": "C-100", "imagenet16-120": "IN16-120"}
FIGURES = HERE / "figures"


def f(x: float | None, digits: int = 2) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def read_columns(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(positions in enumeration order, {column: values}) of a scores CSV (arch + proxy columns)."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    refuse_empty(rows, str(path.relative_to(ROOT)))
    idx = np.array([POSITION[r["arch"]] for r in rows])
    cols = {c: np.array([float(r[c]) if r[c] not in ("",) else math.nan for r in rows]) for c in rows[0] if c != "arch"}
    return idx, cols


def freerea(data: Path, dataset: str, name: str) -> np.ndarray:
    """FreeREA's score of every cell, in enumeration order."""
    with (data / "nb201-freerea" / FOLDER[dataset] / f"{name}.csv").open(newline="") as handle:
        by_index = {int(r["index"]): float(r[name]) for r in csv.DictReader(handle)}
    return np.array([by_index[int(i)] for i in official_indices()])


def whole_space_epsinas() -> np.ndarray:
    """Our epsinas (real CIFAR-10 images) on every cell: stored float64 scores with the reference
    float32 NaN cells (every path convolves) set to NaN."""
    with (ROOT / "experiments/epsinas/scores_cifar10.csv").open(newline="") as handle:
        eps64 = {r["arch"]: float(r["score_float64"]) for r in csv.DictReader(handle)}
    return np.array([math.nan if conv_on_every_path(a.edges) else eps64[a.text] for a in ARCHS])


def top10_by_score(scores: np.ndarray, acc: np.ndarray) -> tuple[float, float]:
    """Spearman and Kendall over the cells scored above the 90th score percentile (NaN omitted)."""
    ok = ~np.isnan(scores)
    s, a = scores[ok], acc[ok]
    top = s > np.percentile(s, 90)
    return stats.spearmanr(s[top], a[top])[0], stats.kendalltau(s[top], a[top])[0]


def spearman_partial(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:
    """Paper 004's eq. 1 with Spearman ρ in place of Kendall τ (NaN rows omitted)."""
    ok = ~(np.isnan(x) | np.isnan(y) | np.isnan(z))
    x, y, z = x[ok], y[ok], z[ok]
    rxy, rxz, ryz = (stats.spearmanr(a, b)[0] for a, b in ((x, y), (x, z), (y, z)))
    return (rxy - rxz * ryz) / math.sqrt((1 - rxz**2) * (1 - ryz**2))


def row6(c) -> list[float]:
    return [c.spearman, c.spearman_top10, c.kendall, c.kendall_top10, c.top10_top10, c.top64_top5]


def cells6(ours: list[float], pub: list | None) -> str:
    pub = pub or [None] * 6
    out = []
    for k, (o, p) in enumerate(zip(ours, pub)):
        digits = 0 if k == 5 else (1 if k == 4 else 2)
        out.append(f(o, digits) + (f" ({p})" if p is not None else ""))
    return " | ".join(out)


# --- sections ------------------------------------------------------------------------------

def tail_metrics(lines: list[str], eps: np.ndarray) -> None:
    """Paper 001 Table 2 epsinas CIFAR-10 tail metrics: which cells, which definition of "top"."""
    pub = published("p001", "table2", "cifar10", "epsinas")
    official = official_indices()
    first5000 = official < 5000
    rng = np.random.default_rng(0)
    lines += ["## A. Paper 001 Table 2, epsinas on CIFAR-10: the tail metrics", "",
              "Scores: whole-space epsinas (real CIFAR-10 images, batch 256), float32 NaN cells (every path "
              "convolves) omitted, as the paper omits its NaN cells. Accuracy: official 200-epoch `cifar10` test "
              "(embedded). Columns: Spearman, Spearman top-10%, Kendall, Kendall top-10%, top-10%/top-10%, "
              "top-64/top-5%; published in parentheses.", "",
              "| cells | top 10% by | n | ρ | ρ top | τ | τ top | top10/top10 | top64/top5 |", "|---|---|---|---|---|---|---|---|---|"]
    acc = ACC["cifar10"]
    for label, mask in (("all 15,625", np.ones(len(acc), bool)), ("first 5,000 by official index", first5000)):
        c = correlate(eps[mask], acc[mask])
        r = row6(c)
        lines.append(f"| {label} | accuracy | {c.n} | {cells6(r, pub)} |")
        rho_s, tau_s = top10_by_score(eps[mask], acc[mask])
        lines.append(f"| {label} | score | {c.n} | {cells6([r[0], rho_s, r[2], tau_s, r[4], r[5]], pub)} |")
        # accuracy threshold over every cell of the set, NaN-score cells included, then NaN omitted
        s, a = eps[mask], acc[mask]
        ok, top = ~np.isnan(s), a > np.percentile(a, 90)
        best_scored = s[ok] > np.percentile(s[ok], 90)
        both = ok & top
        t1010 = 100.0 * np.sum(best_scored & top[ok]) / best_scored.sum()
        lines.append(f"| {label} | accuracy, threshold over all cells incl. NaN-score ones | {c.n} | " + cells6(
            [r[0], stats.spearmanr(s[both], a[both])[0], r[2], stats.kendalltau(s[both], a[both])[0], t1010, r[5]],
            pub) + " |")
    draws = []
    for _ in range(50):
        mask = np.zeros(len(acc), bool)
        mask[rng.choice(len(acc), 5000, replace=False)] = True
        c = correlate(eps[mask], acc[mask])
        draws.append([c.spearman_top10, *top10_by_score(eps[mask], acc[mask]), c.top10_top10])
    d = np.array(draws)
    lines += ["", f"50 random 5,000-cell draws: ρ top-10% by accuracy {d[:, 0].mean():.2f} ± {d[:, 0].std():.2f}, "
              f"by score {d[:, 1].mean():.2f} ± {d[:, 1].std():.2f}; top10/top10 {d[:, 3].mean():.1f} ± {d[:, 3].std():.1f}.", ""]


def paper002(lines: list[str], data: Path, sample: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]) -> None:
    lines += ["## B. Paper 002 Tables I and II, and the α sweep of `combined`", "",
              "FreeREA's naswot and synflow scores of every cell (the FreeREA authors' code, the same group's "
              "metrics; batch sizes as released) against the embedded 200-epoch test accuracy; `combined` = "
              "α·z(naswot) + (1−α)·z(log synflow), z = standardised over the scored cells, α = 0.6 unless "
              "swept. Ours: the 1,000-cell proxy table (CIFAR-10) and our rescoring on the same cells "
              "(CIFAR-100, ImageNet16-120) where it has the proxy.", "",
              "| dataset | proxy | published ρ (Table I) | FreeREA scores, all cells | ours, 1,000 cells | published top-10% ρ (Table II) | top 10% by accuracy | top 10% by score |",
              "|---|---|---|---|---|---|---|---|"]
    alphas = np.round(np.linspace(0, 1, 11), 1)
    sweep: dict[str, list[float]] = {}
    for dataset in DATASETS:
        acc = ACC[dataset]
        naswot = freerea(data, dataset, "naswot")
        synflow = freerea(data, dataset, "synflow")
        naswot = np.where(np.isfinite(naswot), naswot, np.nan)
        # synflow 0 (no path to the output): log undefined, so combined is NaN there and omitted
        logsyn = np.log(np.where(synflow > 0, synflow, np.nan))
        z = lambda v: (v - np.nanmean(v)) / np.nanstd(v)  # noqa: E731
        combos = {a: a * z(naswot) + (1 - a) * z(logsyn) for a in alphas}
        scores = {"naswot": naswot, "synflow": synflow, "combined": combos[0.6]}
        p1 = published("p002", "table1", dataset)
        p2 = published("p002", "table2").get(dataset, {})
        for name, s in scores.items():
            c = correlate(s, acc)
            ours = "–"
            idx, cols = sample.get(dataset, (None, {}))
            if name in cols:
                ours = f(correlate(cols[name], acc[idx]).spearman, 3)
            by_score = top10_by_score(s, acc)[0]
            lines.append(f"| {dataset} | {name} | {p1.get(name, '–')} | {c.spearman:.3f} | {ours} | "
                         f"{p2.get(name, '–')} | {c.spearman_top10:.3f} | {by_score:.3f} |")
        sweep[dataset] = [correlate(combos[a], acc).spearman for a in alphas]
    lines += ["", "α sweep (Spearman of `combined` with test accuracy, FreeREA scores, all cells; α = 1 is naswot, "
              "0 is log synflow):", "", "| dataset | " + " | ".join(f"α={a:g}" for a in alphas) + " |",
              "|---|" + "---|" * len(alphas)]
    for dataset, values in sweep.items():
        lines.append(f"| {dataset} | " + " | ".join(f"{v:.3f}" for v in values) + " |")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for dataset, values in sweep.items():
        ax.plot(alphas, values, marker="o", label=dataset)
    ax.set_xlabel("α (weight of naswot)")
    ax.set_ylabel("Spearman ρ with test accuracy")
    ax.set_title("Paper 002: combined = α·naswot + (1−α)·synflow")
    ax.legend()
    fig.tight_layout()
    fig.savefig(FIGURES / "p002_alpha_sweep.png", dpi=120)
    plt.close(fig)
    lines += ["", "![α sweep](figures/p002_alpha_sweep.png)", ""]


def paper001_other_datasets(lines: list[str], data: Path, sample: dict) -> None:
    lines += ["## C. Paper 001 Table 2, CIFAR-100 and ImageNet16-120 blocks", "",
              "Ours on the proxy table's 1,000-cell sample, network head of the dataset (100 / 120 classes; "
              "ImageNet16-120 at 16×16), CIFAR-10 images (resized for ImageNet16-120; no CIFAR-100 or "
              "ImageNet16-120 images exist here), against the embedded 200-epoch test accuracy; and, where "
              "FreeREA published every cell's score, that score on all 15,625 cells. Published in "
              "parentheses (paper 001 Table 2; 15,625 cells, NaN omitted). With 1,000 cells the top-10% "
              "columns rest on 100 cells and top-64/top-5% counts against 50 cells, not 781.", "",
              "| dataset | proxy | scores | n | ρ | ρ top-10% | τ | τ top-10% | top10/top10 | top64/top5 |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for dataset in ("cifar100", "imagenet16-120"):
        acc = ACC[dataset]
        pub = published("p001", "table2", dataset)
        sources = [sample.get(f"{dataset}-rescored"), sample.get(dataset)]
        done: set[str] = set()
        for source in (s for s in sources if s is not None):
            idx, cols = source
            for name in sorted(set(cols) - done):
                c = correlate(cols[name], acc[idx])
                lines.append(f"| {dataset} | {name} | ours, {len(idx)} cells | {c.n} | {cells6(row6(c), pub.get(name))} |")
            done |= set(cols)
        for name, file in (("synflow", "synflow"), ("nparams", "params"), ("naswot", "naswot")):
            c = correlate(freerea(data, dataset, file), acc)
            lines.append(f"| {dataset} | {name} | FreeREA, all cells | {c.n} | {cells6(row6(c), pub.get(name))} |")
    lines.append("")


def paper003(lines: list[str], sample: dict) -> None:
    names = ["js", "jsc", "pjs", "pjsc", "wpjs", "wpjsi", "sns", "snsc", "lns", "lnsc", "mnjs", "mnjsc"]
    lines += ["## D. Paper 003 Figures 2, 3, 4 and 5 (Jacobian-score family)", "",
              "Scores: the proxy table (CIFAR-10: 1,000 cells; ImageNet16-120: its 599 scored cells), accuracy: "
              "embedded 200-epoch test. The paper plots these without printing numbers, so the comparison is of "
              "shapes: its text says JS loses monotonicity and slope above the median while the parameter-space "
              "scores (PJS, WPJS, WPJSI) keep them, and that WPJS and WPJSI find the best cells. Figure 3's best "
              "accuracy is the top-scored cell of the scored sample (one sample, not the paper's 5 × 1,000).", "",
              "| dataset | score | cells | monotonicity, all | above median | slope of accuracy on log(1−score), all | above median | accuracy of the top-scored cell |",
              "|---|---|---|---|---|---|---|---|"]
    for dataset in ("cifar10", "imagenet16-120"):
        idx, cols = sample[dataset]
        acc = ACC[dataset][idx]
        fig, axes = plt.subplots(2, 6, figsize=(18, 6), sharey=True)
        mono, slopes = {}, {}
        for k, name in enumerate(n for n in names if n in cols):
            s = cols[name]
            ok = ~np.isnan(s) & (s < 1)
            x = np.log(1 - s[ok])
            above = s[ok] > np.median(s[ok])
            m_all, m_hi = monotonicity(s[ok], acc[ok]), monotonicity(s[ok][above], acc[ok][above])
            sl_all = stats.linregress(x, acc[ok]).slope
            sl_hi = stats.linregress(x[above], acc[ok][above]).slope
            mono[name], slopes[name] = (m_all, m_hi), (sl_all, sl_hi)
            best = acc[np.nanargmax(s)]
            lines.append(f"| {dataset} | {name} | {int(ok.sum())} | {m_all:.3f} | {m_hi:.3f} | {sl_all:.2f} | "
                         f"{sl_hi:.2f} | {best:.2f} |")
            ax = axes.flat[k]
            ax.scatter(x, acc[ok], s=3, alpha=0.5)
            ax.set_title(name)
            ax.set_xlabel("log(1 − score)")
        axes[0, 0].set_ylabel("test accuracy (%)")
        axes[1, 0].set_ylabel("test accuracy (%)")
        fig.suptitle(f"Paper 003 Figure 2: score against accuracy, NB201 {dataset}")
        fig.tight_layout()
        fig.savefig(FIGURES / f"p003_fig2_{dataset}.png", dpi=90)
        plt.close(fig)
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
        for ax, (title, values) in zip(axes, (("monotonicity (Figure 4)", mono), ("slope on log(1 − score) (Figure 5)", slopes))):
            pos = np.arange(len(values))
            ax.bar(pos - 0.2, [v[0] for v in values.values()], 0.4, label="all cells")
            ax.bar(pos + 0.2, [v[1] for v in values.values()], 0.4, label="above the median score")
            ax.set_xticks(pos, list(values), rotation=60)
            ax.set_title(title)
            ax.legend()
        axes[1].set_yscale("symlog", linthresh=1)  # the cosine scores' slopes are ~100x the others'
        fig.suptitle(f"Paper 003 Figures 4 and 5, NB201 {dataset}")
        fig.tight_layout()
        fig.savefig(FIGURES / f"p003_fig4_fig5_{dataset}.png", dpi=90)
        plt.close(fig)
    lines += ["", "Figures: `figures/p003_fig2_cifar10.png`, `figures/p003_fig2_imagenet16-120.png`, "
              "`figures/p003_fig4_fig5_cifar10.png`, `figures/p003_fig4_fig5_imagenet16-120.png`.", ""]


def paper004(lines: list[str], sample: dict) -> None:
    lines += ["## E. Paper 004 Table 1 (RankAve against T-CET) and Figure 1 (partial correlations)", "",
              "Partial Kendall correlation ρ_XA·Z of the combination A(X, Lnwot) with X, and ρ_YA·Z with Lnwot, "
              "given the 200-epoch test accuracy Z (paper 004 eq. 1). RankAve = mean of the two ranks; T-CET = "
              "our `tcet_synflow` / `tcet_snip` (the layer-wise combination). Scores: the proxy table "
              "(C-10: 1,000 cells, IN16-120: 599); CIFAR-100 needs the SNR proxies rescored with a 100-class "
              "head (not done). Published in parentheses, all 15,625 cells.", "",
              "The last two columns put Spearman ρ in place of Kendall τ in eq. 1.", "",
              "| A | X | dataset | cells | ρ_XA·Z | ρ_YA·Z | ρ_XA·Z (Spearman) | ρ_YA·Z (Spearman) |",
              "|---|---|---|---|---|---|---|---|"]
    col = {"cifar10": 0, "cifar100": 1, "imagenet16-120": 2}
    for a_name, combo in (("rankave", None), ("tcet", {"synflow_snr": "tcet_synflow", "snip_snr": "tcet_snip"})):
        for x in ("synflow_snr", "snip_snr"):
            pub = published("p004", "table1", a_name, x)
            for dataset in ("cifar10", "imagenet16-120"):
                idx, cols = sample[dataset]
                z = ACC[dataset][idx]
                xs, ys = cols[x], cols["lnwot"]
                if combo is None:
                    ok = ~(np.isnan(xs) | np.isnan(ys))
                    a = np.full(len(xs), np.nan)
                    a[ok] = (stats.rankdata(xs[ok]) + stats.rankdata(ys[ok])) / 2
                else:
                    a = cols[combo[x]]
                xa, ya = partial_correlation(xs, a, z), partial_correlation(ys, a, z)
                n = int((~(np.isnan(xs) | np.isnan(ys) | np.isnan(a))).sum())
                lines.append(f"| {'RankAve' if combo is None else 'T-CET'} | {x} | {dataset} | {n} | "
                             f"{xa:.2f} ({pub['xa'][col[dataset]]}) | {ya:.2f} ({pub['ya'][col[dataset]]}) | "
                             f"{spearman_partial(xs, a, z):.2f} | {spearman_partial(ys, a, z):.2f} |")
    small = ["zico", "synflow", "naswot"]
    large = ["zico", "synflow", "naswot", "lnwot", "snip", "grad_norm", "nparams", "synflow_snr", "snip_snr",
             "tcet_synflow", "tcet_snip"]
    for dataset in ("cifar10", "imagenet16-120"):
        idx, cols = sample[dataset]
        z = ACC[dataset][idx]
        fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw={"width_ratios": [1, 2.4]})
        for ax, names in zip(axes, (small, large)):
            m = np.array([[1.0 if i == j else partial_correlation(cols[a], cols[b], z) for j, b in enumerate(names)]
                          for i, a in enumerate(names)])
            im = ax.imshow(m, vmin=-1, vmax=1, cmap="coolwarm")
            ax.set_xticks(range(len(names)), names, rotation=60)
            ax.set_yticks(range(len(names)), names)
            for i in range(len(names)):
                for j in range(len(names)):
                    ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=7)
        fig.colorbar(im, ax=axes, shrink=0.8)
        fig.suptitle(f"Paper 004 Figure 1: partial Kendall correlation given accuracy, NB201 {dataset}")
        fig.savefig(FIGURES / f"p004_fig1_{dataset}.png", dpi=90, bbox_inches="tight")
        plt.close(fig)
        pairs = {f"{a}–{b}": partial_correlation(cols[a], cols[b], z) for a, b in
                 (("zico", "synflow"), ("zico", "naswot"), ("naswot", "synflow"))}
        lines.append(f"\nFigure 1 left panel, {dataset}: " + ", ".join(f"{k} {v:.2f}" for k, v in pairs.items())
                     + f" (`figures/p004_fig1_{dataset}.png`).")
    lines.append("")


def scatter_figures(lines: list[str], data: Path, sample: dict, eps: np.ndarray) -> None:
    """Paper 001 Figures 1, 4 and 8 (paper 000's NB201 figure): score against accuracy, coloured by
    parameter count, per dataset."""
    params = {d: freerea(data, d, "params") for d in DATASETS}
    panels = {"cifar10": (eps, np.arange(len(eps)), "all cells, real images")}
    for dataset in ("cifar100", "imagenet16-120"):
        source = sample.get(f"{dataset}-rescored" if dataset == "imagenet16-120" else dataset)
        if source is not None and "epsinas" in source[1]:
            panels[dataset] = (source[1]["epsinas"], source[0], f"{len(source[0])}-cell sample")
    fig, axes = plt.subplots(1, len(panels), figsize=(max(8, 5 * len(panels)), 4), squeeze=False)
    for ax, (dataset, (scores, idx, what)) in zip(axes[0], panels.items()):
        ok = ~np.isnan(scores)
        sc = ax.scatter(ACC[dataset][idx][ok], scores[ok], c=params[dataset][idx][ok], s=2, cmap="viridis")
        ax.set_yscale("log")
        ax.set_xlabel("test accuracy (%)")
        ax.set_ylabel("epsinas")
        ax.set_title(f"{dataset} ({what})")
        fig.colorbar(sc, ax=ax, label="parameters (M)")
    fig.suptitle("Paper 001 Figure 1: epsinas against 200-epoch test accuracy (NaN cells omitted)")
    fig.tight_layout()
    fig.savefig(FIGURES / "p001_fig1_epsinas.png", dpi=90)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 4))
    ok = ~np.isnan(eps)
    sc = ax.scatter(params["cifar10"][ok], eps[ok], c=ACC["cifar10"][ok], s=2, cmap="viridis")
    ax.set_yscale("log")
    ax.set_xlabel("parameters (M)")
    ax.set_ylabel("epsinas")
    fig.colorbar(sc, ax=ax, label="test accuracy (%)")
    ax.set_title("Paper 001 Figure 4: epsinas against nparams, CIFAR-10")
    fig.tight_layout()
    fig.savefig(FIGURES / "p001_fig4_epsinas_nparams.png", dpi=90)
    plt.close(fig)
    fig, axes = plt.subplots(3, 3, figsize=(13, 11))
    for row, dataset in enumerate(DATASETS):
        naswot = freerea(data, dataset, "naswot")
        synflow = freerea(data, dataset, "synflow")
        for col, (name, values) in enumerate((("synflow (FreeREA)", np.where(synflow > 0, synflow, np.nan)),
                                              ("naswot (FreeREA)", np.where(np.isfinite(naswot), naswot, np.nan)),
                                              ("nparams (M)", params[dataset]))):
            ax = axes[row, col]
            ax.scatter(ACC[dataset], values, c=params[dataset], s=1, cmap="viridis")
            if name.startswith("synflow"):
                ax.set_yscale("log")
            ax.set_title(f"{dataset}: {name}")
            ax.set_xlabel("test accuracy (%)")
    fig.suptitle("Paper 001 Figure 8: other metrics against accuracy, all 15,625 cells, colour = parameters")
    fig.tight_layout()
    fig.savefig(FIGURES / "p001_fig8_other_metrics.png", dpi=80)
    plt.close(fig)
    lines += ["## F. Paper 001 Figures 1, 4 and 8 (paper 000's NB201 figure)", "",
              f"`figures/p001_fig1_epsinas.png` (panels: {', '.join(f'{d}: {w}' for d, (_, _, w) in panels.items())}), "
              "`figures/p001_fig4_epsinas_nparams.png`, `figures/p001_fig8_other_metrics.png` (FreeREA's synflow "
              "and naswot and the parameter count of every cell; the paper's Figure 8 shows Abdelfattah et al.'s "
              "grad_norm, snip, grasp, fisher, jacov and synflow, of which only synflow has whole-space scores here).", ""]


def log_ablation(lines: list[str], sample: dict) -> None:
    """Paper 004 Table A.1, NATS-Bench-TSS block: the SNR proxies with and without a log per layer."""
    rescored = sample.get("cifar10-rescored")
    lines += ["## G. Paper 004 Table A.1 (log around the per-layer SNR), NATS-Bench-TSS, CIFAR-10", ""]
    if rescored is None:
        lines += ["Not run: `python experiments/fidelity/score.py --task cifar10 --proxies synflow_snr,snip_snr "
                  "--config '{\"log\": true}'` writes the log variants.", ""]
        return
    idx, cols = sample["cifar10"]
    ridx, rcols = rescored
    if not np.array_equal(idx, ridx):
        raise SystemExit("the rescored CIFAR-10 sample is not the proxy table's sample")
    pub = published("p004", "tableA1")
    lines += ["Kendall τ with the 200-epoch test accuracy on the 1,000 cells; without log: the proxy table's "
              "scores (same batch, seed and cells); with log: `score.py --config '{\"log\": true}'`. "
              "Published (all cells) in parentheses.", "", "| proxy | without log | with log |", "|---|---|---|"]
    acc = ACC["cifar10"][idx]
    for name in ("synflow_snr", "snip_snr"):
        column = f"{name}[log=True]"
        if column not in rcols:
            continue
        plain, logged = correlate(cols[name], acc).kendall, correlate(rcols[column], acc).kendall
        lines.append(f"| {name} | {plain:.2f} ({pub[name][0]}) | {logged:.2f} ({pub['log_' + name][0]}) |")
    lines.append("")


def main() -> None:
    data = require_data()
    FIGURES.mkdir(exist_ok=True)
    sample = {"cifar10": read_columns(ROOT / "experiments/proxy_table/scores_cifar10.csv"),
              "imagenet16-120": read_columns(ROOT / "experiments/proxy_table/scores_imagenet16-120.csv")}
    for dataset in ("cifar10", "cifar100", "imagenet16-120"):
        path = HERE / f"scores_{dataset}_sample.csv"
        if path.is_file():
            sample[dataset if dataset == "cifar100" else f"{dataset}-rescored"] = read_columns(path)
    eps = whole_space_epsinas()
    lines = ["# Paper tables and figures from stored scores", "",
             f"Command: `PYTHONPATH=$PWD python experiments/fidelity/tables.py`; "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. No network is built: every input is a committed "
             "score file or the reference data (module docstring).", ""]
    tail_metrics(lines, eps)
    paper002(lines, data, {k: v for k, v in sample.items() if k in ("cifar10", "cifar100")})
    paper001_other_datasets(lines, data, sample)
    paper003(lines, sample)
    paper004(lines, sample)
    scatter_figures(lines, data, sample, eps)
    log_ablation(lines, sample)
    (HERE / "tables.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
