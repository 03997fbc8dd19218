"""Tables from the NLP measurements: the epsinas paper's Table 5 layout on nlp-ptb and
nlp-wikitext2 (bootstrap 95% intervals), Table 8 (weight pairs) with the label-free weight rules'
picks, Table 11 (embedding initialisations), token data, time per cell, and the searches.
Reads scores_epsinas.csv, scores_gradient.csv and search_*.json; writes results.md.

    .venv/bin/python experiments/nlp/analyse.py
"""

from __future__ import annotations

import csv
import json
import math
import platform
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from scipy import stats

from nasearch.metrics import correlate
from nasearch.proxies.epsinas_weights import GridScores, paper_rule, stability_rule

HERE = Path(__file__).parent
GRID = (1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
PUBLISHED = {  # paper 001 Table 5 (PTB, 14,322 cells): Spearman global / top-10%, Kendall global / top-10%, top10/top10, top64/top5
    "synflow": (0.34, 0.10, None, None, 22, None), "grad_norm": (-0.21, 0.03, None, None, 10, None),
    "grasp": (0.16, 0.55, None, None, 4, None), "snip": (-0.19, -0.02, None, None, 10, None),
    "epsinas-lm": (-0.34, -0.12, -0.24, -0.08, 26.23, 13),
}
GRADIENT = ("synflow", "grad_norm", "snip", "grasp", "fisher")


def read(name: str) -> list[dict]:
    path = HERE / name
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def col(rows: list[dict], key: str, zero_is_nan: bool = False) -> np.ndarray:
    values = np.array([float(r[key]) if r[key] not in ("", None) else math.nan for r in rows])
    if zero_is_nan:  # the epsinas reference's statistics drop exact zeros as missing scores
        values[values == 0] = math.nan
    return values


def bootstrap(scores: np.ndarray, target: np.ndarray, reps: int = 1000, seed: int = 0) -> tuple[str, str]:
    keep = ~np.isnan(scores) & ~np.isnan(target)
    s, t = scores[keep], target[keep]
    if len(s) < 5:
        return "", ""
    rng = np.random.default_rng(seed)
    rho, tau = [], []
    for _ in range(reps):
        i = rng.integers(len(s), size=len(s))
        if np.all(s[i] == s[i][0]) or np.all(t[i] == t[i][0]):
            continue
        rho.append(stats.spearmanr(s[i], t[i])[0])
        tau.append(stats.kendalltau(s[i], t[i])[0])
    fmt = lambda v: f"[{np.nanpercentile(v, 2.5):+.2f}, {np.nanpercentile(v, 97.5):+.2f}]"  # noqa: E731
    return fmt(rho), fmt(tau)


def row(name: str, scores: np.ndarray, ppl: np.ndarray) -> str:
    c = correlate(scores, -ppl)  # oriented: target = -perplexity, so + means low perplexity scores high
    ci_rho, ci_tau = bootstrap(scores, -ppl)
    f = lambda v, d=2: "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:+.{d}f}"  # noqa: E731
    pub = PUBLISHED.get(name)
    published = " / ".join("—" if v is None else f"{v:g}" for v in pub[:1] + pub[2:3]) if pub else ""
    return (f"| {name} | {c.n} | {f(c.spearman)} {ci_rho} | {f(c.spearman_top10)} | {f(c.kendall)} {ci_tau} | "
            f"{f(c.kendall_top10)} | {c.top10_top10:.1f} | {'—' if math.isnan(c.top64_top5) else int(c.top64_top5)} | "
            f"{f(-c.spearman)} / {f(-c.kendall)} | {published} |")


HEADER = ["| proxy | cells | Spearman global [95% CI] | Spearman top-10% | Kendall global [95% CI] | Kendall top-10% | "
          "top-10%/top-10% | top-64/top-5% | paper convention ρ / τ | published PTB ρ / τ |", "|" + "---|" * 10]


def table5(eps: list[dict], grad: list[dict], bench: str) -> list[str]:
    lines = [f"### {bench}", ""]
    rows = [r for r in eps if r["benchmark"] == bench]
    if rows:
        ppl = col(rows, "test_ppl")
        lines += [f"All {len(rows)} distinct cells ({int(np.isnan(ppl).sum())} without a perplexity: failed runs):", ""]
        lines += HEADER
        lines.append(row("epsinas-lm", col(rows, "pair_1e-05_0.001", zero_is_nan=True), ppl))
        lines.append(row("nparams", col(rows, "nparams"), ppl))
        lines.append("")
    sub = [r for r in grad if r["benchmark"] == bench]
    if sub:
        by_index = {r["index"]: r for r in rows}
        ppl = col(sub, "test_ppl")
        lines += [f"Random subsample of {len(sub)} cells (seed 0), gradient proxies on 4 x 20 Zipf tokens:", ""]
        lines += HEADER
        for name in GRADIENT:
            lines.append(row(name, col(sub, name), ppl))
        if by_index:
            same = [by_index[r["index"]] for r in sub if r["index"] in by_index]
            if len(same) == len(sub):
                lines.append(row("epsinas-lm", col(same, "pair_1e-05_0.001", zero_is_nan=True), ppl))
                lines.append(row("nparams", col(same, "nparams"), ppl))
        lines.append("")
    return lines


def cells(c) -> str:
    """The Table 8/11 columns of one correlation, '|'-separated."""
    top64 = "—" if math.isnan(c.top64_top5) else int(c.top64_top5)
    return (f"{c.n} | {c.spearman:+.2f} | {c.spearman_top10:+.2f} | {c.kendall:+.2f} | {c.kendall_top10:+.2f} | "
            f"{c.top10_top10:.1f} | {top64}")


def ablation_header(title: str, first: str) -> list[str]:
    return [title, "", f"| {first} | cells with a score | Spearman global | Spearman top-10% | Kendall global | "
            "Kendall top-10% | top-10%/top-10% | top-64/top-5% |", "|" + "---|" * 8]


def table8(eps: list[dict], bench: str) -> list[str]:
    rows = [r for r in eps if r["benchmark"] == bench]
    if not rows or "pair_1e-07_1e-06" not in rows[0]:
        return []
    ppl = col(rows, "test_ppl")
    lines = ablation_header(f"### Table 8 layout: weight pairs, {bench} ({len(rows)} cells)", "weights")
    grid = GridScores(GRID, "float32")
    for i in range(len(GRID)):
        for j in range(i + 1, len(GRID)):
            s = col(rows, f"pair_{GRID[i]:g}_{GRID[j]:g}", zero_is_nan=True)
            grid._cache[(i, j)] = s
            lines.append(f"| {GRID[i]:g}, {GRID[j]:g} | {cells(correlate(s, -ppl))} |")
    lines.append("")
    for rule in (paper_rule(grid), stability_rule(grid)):
        lines.append(f"- label-free rule **{rule.rule}** picks {rule.weights} (NaN fraction {rule.nan_fraction:.0%})"
                     + (f"; {rule.note}" if rule.note else ""))
    lines.append("")
    return lines


def table11(eps: list[dict], bench: str) -> list[str]:
    rows = [r for r in eps if r["benchmark"] == bench]
    ppl = col(rows, "test_ppl") if rows else None
    lines = ablation_header(f"### Table 11 layout: embedding initialisation, {bench} (weights 1e-5, 1e-3)",
                            "embedding")
    if not rows:
        return []
    keys = [k for k in rows[0] if k.startswith("emb_")] + ["tokens_uniform"]
    for key in keys:
        label = key.removeprefix("emb_") if key != "tokens_uniform" else "uniform_positive_1, uniform tokens"
        lines.append(f"| {label} | {cells(correlate(col(rows, key, zero_is_nan=True), -ppl))} |")
    return lines + [""]


def timing(eps: list[dict], grad: list[dict]) -> list[str]:
    lines = ["## Time per cell (seconds, median; shared 2-core machine under heavy load, 1 thread)", "",
             "| proxy | nlp-ptb | nlp-wikitext2 | batch |", "|---|---|---|---|"]
    for name, rows, key, batch in [("epsinas-lm (narrow)", eps, "seconds_default", "256 x 70"),
                                   ("epsinas-lm, 8 weights x 6 embeddings at once",
                                    [r for r in eps if "seconds_grid" in r], "seconds_grid", "256 x 70")] + \
            [(p, grad, f"{p}_s", "4 x 20") for p in GRADIENT]:
        cells = [np.median(col([r for r in rows if r["benchmark"] == b], key)) if any(r["benchmark"] == b for r in rows)
                 else math.nan for b in ("nlp-ptb", "nlp-wikitext2")]
        lines.append(f"| {name} | {cells[0]:.3f} | {cells[1]:.3f} | {batch} |")
    return lines + [""]


def searches() -> list[str]:
    files = sorted(HERE.glob("search_*.json"))
    if not files:
        return []
    data = [json.loads(f.read_text()) for f in files]
    opt = data[0]["optimum"]
    lines = ["## Searches on nlp-wikitext2 (pool: its 275 distinct cells)", "",
             f"Optimum of the pool: test perplexity {opt['best_test']:.2f}; the cell with the best validation "
             f"perplexity has test {opt['test_of_best_valid']:.2f}; median cell {opt['median_test']:.2f}. "
             "Entries: test perplexity of the best-validation cell among those trained (mean ± std over rounds; "
             "lower is better).", "",
             "| strategy | " + " | ".join(f"{b} trained" for b in data[0]["budgets"]) + " | rounds at the optimum (100) |",
             "|" + "---|" * (len(data[0]["budgets"]) + 2)]
    for d in data:
        curves = np.array(d["best_test_at"], dtype=float)
        cells = [f"{np.nanmean(curves[:, k]):.2f} ± {np.nanstd(curves[:, k]):.2f}" for k in range(curves.shape[1])]
        hits = int(np.sum(np.isclose(curves[:, -1], opt["test_of_best_valid"])))
        name = d["strategy"] + (" (epsinas-lm, 1e-5/1e-3)" if d["proxy"] else "")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {hits}/{d['rounds']} |")
    return lines + [""]


def main() -> None:
    eps, grad = read("scores_epsinas.csv"), read("scores_gradient.csv")
    wt2 = read("scores_epsinas_nlp-wikitext2.csv")  # default pair only (score_epsinas.py nlp-wikitext2 default)
    if wt2:
        eps = [r for r in eps if r["benchmark"] != "nlp-wikitext2"] + wt2
    lines = ["# NAS-Bench-NLP: zero-cost proxies and searches (issue 12)", "",
             f"Generated by `.venv/bin/python experiments/nlp/analyse.py` on {platform.node()}, "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, from `score_epsinas.py`, `score_gradient.py`, "
             "`search.py` (commands in their docstrings; see README.md here).", "",
             "**Sign convention.** Our correlations are between the proxy score (oriented so that higher is "
             "better) and **minus** the test perplexity: a positive value means the proxy ranks the cells "
             "with low perplexity high, and the top-10% sets are the lowest-perplexity cells. The epsinas "
             "paper correlates scores with perplexity itself (its epsinas −0.34 is good); the column "
             "'paper convention' gives our ρ and τ in that convention (= minus ours). The published "
             "synflow/grad_norm/grasp/snip numbers come from Abdelfattah et al., whose sign convention "
             "the epsinas paper says differs from its own; they are printed as published.", "",
             "**Scale.** The published figures rest on 14,322 PTB cells with the real PTB text; ours on "
             "the 254 distinct PTB cells whose recipe is known and the 275 distinct WikiText-2 cells, with "
             "synthetic Zipf token batches (no PTB/WikiText-2 text here), hence the bootstrap intervals.", "",
             "## Table 5 layout", ""]
    for bench in ("nlp-ptb", "nlp-wikitext2"):
        lines += table5(eps, grad, bench)
    lines += ["## Weight pairs and embeddings", ""]
    for bench in ("nlp-ptb", "nlp-wikitext2"):
        lines += table8(eps, bench)
    lines += table11(eps, "nlp-ptb")
    lines += timing(eps, grad)
    lines += searches()
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
