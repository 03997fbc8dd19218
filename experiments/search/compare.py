"""Our search results beside the papers' published rows -> experiments/search/RESULTS.md.

Run from the repository root after the experiments (see README.md):

    PYTHONPATH=$PWD python experiments/search/compare.py
"""

from __future__ import annotations

import datetime
import math
import platform
import sys
from pathlib import Path

from nasearch.store import ResultStore
from nasearch.report import best_test_at, fmt, mean_std

HERE = Path(__file__).parent
STORE = HERE / "results.sqlite"

# epsinas paper (001) Table 3, CIFAR-10 columns: (validation, test), mean ± std over 500 runs
PAPER_TABLE3 = {
    ("optimal N=1000", ""): ((91.34, 0.18), (94.20, 0.13)),
    ("random", ""): ((84.11, 11.71), (87.40, 11.94)),
    ("top of N=1000", "table:naswot"): ((89.69, 0.73), (92.96, 0.81)),
    ("top of N=1000", "table:synflow"): ((89.91, 0.83), (90.12, 0.78)),
    ("top of N=1000", "table:grad_norm"): ((88.13, 2.35), (88.42, 2.28)),
    ("top of N=1000", "table:snip"): ((87.47, 2.19), (87.81, 2.12)),
    # the paper's epsinas is float32 (NaN cells ranked last): our float32-NaN-rule rows
    ("top of N=1000", "epsinas (float32 NaN rule)"): ((91.03, 0.42), (93.86, 0.43)),
    ("top of N=100", "epsinas (float32 NaN rule)"): ((90.44, 0.97), (93.39, 0.82)),
}
# paper 002 Table III (CIFAR-10): test mean ± std and mean time (s) per search
PAPER_FREE = {
    "table:val12": {"free RS": (93.92, 0.24, 73788.41), "free REA": (94.31, 0.20, 1612104.53),
                    "free REA + warm-up": (94.51, 0.20, 1631786.75)},
    "table:naswot": {"free RS": (92.63, 1.23, 45.54), "free REA": (92.68, 0.34, 1316.89),
                     "free REA + warm-up": (92.92, 0.21, 1314.18)},
    "table:synflow": {"free RS": (93.34, 0.57, 59.82), "free REA": (93.75, 0.18, 1921.64),
                      "free REA + warm-up": (93.74, 4e-14, 1929.51)},
    "table:snip": {"free RS": (91.41, 0.57, 57.74), "free REA": (86.43, 2.97, 1079.19),
                   "free REA + warm-up": (85.54, 3.74, 1089.26)},
    "table:combined": {"free RS": (93.30, 0.64, 109.43), "free REA": (93.76, 0.16, 3211.57),
                       "free REA + warm-up": (93.74, 4e-14, 3231.32)},
}


# paper 002 Table V (ImageNet16-120)
PAPER_FREE_IMAGENET = {
    "table:val12": {"free RS": (45.71, 1.023, 334931.77), "free REA": (46.06, 0.62, 7325113.47),
                    "free REA + warm-up": (46.40, 0.67, 7339394.07)},
    "table:naswot": {"free RS": (43.50, 3.14, 50.84), "free REA": (45.51, 0.41, 1362.46),
                     "free REA + warm-up": (45.07, 7e-15, 1366.32)},
    "table:synflow": {"free RS": (42.59, 3.39, 43.49), "free REA": (41.49, 0.65, 1136.90),
                      "free REA + warm-up": (42.37, 1e-14, 1142.67)},
    "table:snip": {"free RS": (32.65, 6.58, 49.77), "free REA": (0.83, 3e-10, 912.65),
                   "free REA + warm-up": (0.83, 3e-16, 919.41)},
    "table:combined": {"free RS": (43.01, 3.44, 98.54), "free REA": (42.10, 1.66, 2517.49),
                       "free REA + warm-up": (42.55, 0.67, 2533.19)},
}


def groups(*experiments: str) -> dict[tuple[str, str, str], list[dict]]:
    """(benchmark, strategy label, proxy) -> rows, over the named experiments (an epsinas
    experiment adds its proxy's rows to the protocol's table)."""
    out: dict[tuple[str, str, str], list[dict]] = {}
    seen: set[tuple] = set()
    for experiment in experiments:
        for row in ResultStore(STORE).rows(experiment):
            key = (row["benchmark"], row["strategy_label"], row["proxy"])
            if (*key, row["round"]) in seen:  # a baseline both experiments ran (same seeds, same result)
                continue
            seen.add((*key, row["round"]))
            out.setdefault(key, []).append(row)
    return out


def cell(group: list[dict] | None, key: str) -> str:
    if not group:
        return "—"
    return fmt(*mean_std([r[key] for r in group])[:2])


def table3(lines: list[str]) -> None:
    g = groups("table3", "table3-epsinas", "table3-epsinas-f32rule")
    if not g:
        lines.append("*table3 not run yet*\n")
        return
    proxies = sorted({k[2] for k in g if k[2]})
    rows = [("optimal N=1000", ""), ("optimal N=100", ""), ("random", "")]
    rows += [("top of N=1000", p) for p in proxies] + [("top of N=100", p) for p in proxies]
    rows += [key for key in PAPER_TABLE3 if key not in rows]
    lines += ["| pick | proxy | ours: validation (200ep valid) | ours: test (200ep, cifar10-valid split) | "
              "ours: test (analog CIFAR-10) | paper: validation | paper: test |", "|---|---|---|---|---|---|---|"]
    for label, proxy in rows:
        ep200 = g.get(("nb201-cifar10-200ep", label, proxy))
        analog = g.get(("nb201-cifar10", label, proxy))
        paper = PAPER_TABLE3.get((label, proxy))
        published = [fmt(*paper[0]), fmt(*paper[1])] if paper else ["—", "—"]
        lines.append(f"| {label} | {proxy or '-'} | {cell(ep200, 'final_valid')} | {cell(ep200, 'final_test')} | "
                     f"{cell(analog, 'final_test')} | {published[0]} | {published[1]} |")
    runs = {len(v) for v in g.values()}
    lines.append(f"\nRuns per row: {', '.join(map(str, sorted(runs)))}.\n")


def integration(lines: list[str]) -> None:
    g = groups("integration", "integration-epsinas", "integration-epsinas-f32rule")
    if not g:
        lines.append("*integration not run yet*\n")
        return
    budgets = (25, 50, 100, 300)
    for benchmark in ("nb201-cifar10", "nb201-cifar10-200ep"):
        lines += [f"\n**{benchmark}** — test accuracy of the best-validation cell after B trained cells",
                  "", "| strategy | proxy | " + " | ".join(f"B={b}" for b in budgets) + " | repeats/run |",
                  "|---|---|" + "---|" * (len(budgets) + 1)]
        for (bench, label, proxy), group in sorted(g.items(), key=lambda kv: (kv[0][2], kv[0][1])):
            if bench != benchmark:
                continue
            values = [fmt(*mean_std([best_test_at(r, b) for r in group])[:2]) for b in budgets]
            repeats = sum(r["repeated_proposals"] for r in group) / len(group)
            lines.append(f"| {label} | {proxy or '-'} | " + " | ".join(values) + f" | {repeats:.0f} |")
    lines.append("")


def free(lines: list[str], experiment: str = "free", benchmark: str = "nb201-cifar10",
         published: dict = PAPER_FREE) -> None:
    g = groups(experiment)
    if not g:
        lines.append(f"*{experiment} not run yet*\n")
        return
    strategies = ("free RS", "free REA", "free REA + warm-up")
    lines += ["| proxy | " + " | ".join(f"{s}: ours | {s}: paper" for s in strategies) + " |",
              "|---|" + "---|---|" * len(strategies)]
    for proxy, rows in published.items():
        out = []
        for strategy in strategies:
            group = g.get((benchmark, strategy, proxy))
            seconds = sum(r["proxy_seconds"] for r in group) / len(group) if group else math.nan
            mean, std, paper_seconds = rows[strategy]
            out += [f"{cell(group, 'final_test')} ({seconds:.2g} s)", f"{mean:.2f} ± {std:.2g} ({paper_seconds:.6g} s)"]
        lines.append(f"| {proxy} | " + " | ".join(out) + " |")
    if experiment != "free":
        lines.append("")
        return
    lines.append("\nOn the cifar10-valid split (nb201-cifar10-200ep, test column):\n")
    lines += ["| proxy | " + " | ".join(strategies) + " |", "|---|" + "---|" * len(strategies)]
    for proxy in PAPER_FREE:
        lines.append(f"| {proxy} | " + " | ".join(cell(g.get(("nb201-cifar10-200ep", s, proxy)), "final_test")
                                                   for s in strategies) + " |")
    lines.append("")


def main() -> None:
    lines = ["# Search results beside the papers", "",
             f"Generated by `PYTHONPATH=$PWD python {' '.join(sys.argv)}` on "
             f"{datetime.date.today().isoformat()}, {platform.machine()} 2-core CPU, no GPU, from "
             "`experiments/search/results.sqlite` (see README.md for the commands that fill it).", "",
             "## 1. Epsinas paper Table 3 protocol (NB201 CIFAR-10, pick the top of a random pool, 500 runs)", ""]
    table3(lines)
    lines += ["## 2. Integration protocol (paper 001 sec. 5.6, Fig. 5/7: 300 trained cells, 100 rounds)", ""]
    integration(lines)
    lines += ["## 3. Paper 002 Table III protocol (training-free RS and REA, 30 runs, CIFAR-10)", "",
              "Ours: test accuracy mean ± std over 30 runs (mean seconds of proxy work per search: table "
              "look-ups here, so not comparable with the paper's computed proxies).", ""]
    free(lines)
    lines += ["## 4. Paper 002 Table V protocol (ImageNet16-120, 200-epoch accuracy, 30 runs)", ""]
    free(lines, "free-imagenet", "nb201-imagenet16-120-200ep", PAPER_FREE_IMAGENET)
    (HERE / "RESULTS_tables.md").write_text("\n".join(lines) + "\n")
    print(HERE / "RESULTS_tables.md")


if __name__ == "__main__":
    main()
