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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from published import published  # noqa: E402  (experiments/published.toml)

from nasearch.report import best_test_at, fmt, mean_std  # noqa: E402
from nasearch.store import ResultStore  # noqa: E402

HERE = Path(__file__).parent
STORE = HERE / "results.sqlite"

# epsinas paper (001) Table 3, CIFAR-10 columns: (validation, test), mean ± std over 500 runs
_T3 = published("p001", "table3", "cifar10")
PAPER_TABLE3 = {
    ("optimal N=1000", ""): _T3["optimal_1000"], ("random", ""): _T3["random"],
    **{("top of N=1000", f"table:{p}"): _T3[f"{p}_1000"] for p in ("naswot", "synflow", "grad_norm", "snip")},
    # the paper's epsinas is float32 (NaN cells ranked last): our float32-NaN-rule rows
    ("top of N=1000", "epsinas (float32 NaN rule)"): _T3["epsinas_1000"],
    ("top of N=100", "epsinas (float32 NaN rule)"): _T3["epsinas_100"],
}
PAPER_TABLE3 = {k: ((v[0], v[1]), (v[2], v[3])) for k, v in PAPER_TABLE3.items()}
# paper 002 Table III (CIFAR-10) and Table V (ImageNet16-120): test mean ± std and mean time (s) per search
PAPER_FREE = {f"table:{proxy}": {s: tuple(v) for s, v in rows.items()}
              for proxy, rows in published("p002", "table3").items()}
PAPER_FREE_IMAGENET = {f"table:{proxy}": {s: tuple(v) for s, v in rows.items()}
                       for proxy, rows in published("p002", "table5").items()}


# runs stored before 2026-11-27 name the benchmarks as they were then called
LEGACY_NAMES = {"nb201-cifar10": "nb201-cifar10-analog", "nb201-cifar10-200ep": "nb201-cifar10-valid-200ep",
                "nb201-imagenet16-120-200ep": "nb201-imagenet16-120-zc"}


def groups(*experiments: str) -> dict[tuple[str, str, str], list[dict]]:
    """(benchmark, strategy label, proxy) -> rows, over the named experiments (an epsinas
    experiment adds its proxy's rows to the protocol's table)."""
    out: dict[tuple[str, str, str], list[dict]] = {}
    seen: set[tuple] = set()
    for experiment in experiments:
        for row in ResultStore(STORE).rows(experiment):
            key = (LEGACY_NAMES.get(row["benchmark"], row["benchmark"]), row["strategy_label"], row["proxy"])
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
        ep200 = g.get(("nb201-cifar10-valid-200ep", label, proxy))
        analog = g.get(("nb201-cifar10-analog", label, proxy))
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
    for benchmark in ("nb201-cifar10-analog", "nb201-cifar10-valid-200ep"):
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


def free(lines: list[str], experiment: str = "free", benchmark: str = "nb201-cifar10-analog",
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
    lines.append("\nOn the cifar10-valid split (nb201-cifar10-valid-200ep, test column):\n")
    lines += ["| proxy | " + " | ".join(strategies) + " |", "|---|" + "---|" * len(strategies)]
    for proxy in PAPER_FREE:
        lines.append(f"| {proxy} | " + " | ".join(cell(g.get(("nb201-cifar10-valid-200ep", s, proxy)), "final_test")
                                                   for s in strategies) + " |")
    lines.append("")


EXPERIMENTS = ("table3", "table3-epsinas", "table3-epsinas-f32rule", "integration", "integration-epsinas",
               "integration-epsinas-f32rule", "free", "free-imagenet")


def main() -> None:
    if not STORE.is_file() or not any(ResultStore(STORE).rows(e) for e in EXPERIMENTS):
        sys.exit(f"refusing to overwrite RESULTS_tables.md: {STORE} holds no search results "
                 "(run the experiment files first; see README.md)")
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
    free(lines, "free-imagenet", "nb201-imagenet16-120-zc", PAPER_FREE_IMAGENET)
    (HERE / "RESULTS_tables.md").write_text("\n".join(lines) + "\n")
    print(HERE / "RESULTS_tables.md")


if __name__ == "__main__":
    main()
