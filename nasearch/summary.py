"""Summaries of search rounds: best accuracy at budgets, Markdown tables and trajectory plots."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from nasearch.loop import SearchResult


def best_test_matrix(results: Sequence[SearchResult], budget: int) -> np.ndarray:
    """(rounds, budget) array: test accuracy of the best-validation cell after k trained cells."""
    matrix = np.full((len(results), budget), np.nan)
    for row, result in enumerate(results):
        curve = [p.best_test for p in result.trajectory[:budget]]
        matrix[row, : len(curve)] = curve
        if curve:
            matrix[row, len(curve):] = curve[-1]
    return matrix


def mean_std_at(results: Sequence[SearchResult], budget: int) -> tuple[float, float]:
    values = np.array([r.best_test_at(budget) for r in results], dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return math.nan, math.nan
    return float(values.mean()), float(values.std())


def budget_table(results: Mapping[str, Sequence[SearchResult]], budgets: Sequence[int]) -> str:
    """Markdown table: one row per strategy, mean ± std of the best test accuracy at each budget."""
    header = "| strategy | " + " | ".join(f"{b} trained" for b in budgets) + " |"
    lines = [header, "|" + "---|" * (len(budgets) + 1)]
    for name, rounds in results.items():
        cells = []
        for budget in budgets:
            mean, std = mean_std_at(rounds, budget)
            cells.append(f"{mean:.2f} ± {std:.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_best_accuracy(results: Mapping[str, Sequence[SearchResult]], path: str | Path, title: str = "",
                       ylim: tuple[float, float] | None = None) -> Path:
    """Median and 25–75% band of the best test accuracy against trained architectures.

    Curves often coincide (RS and REA share their first 64 cells), so each has its own line
    style and markers placed at staggered positions: every curve stays visible."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    styles = ("-", "--", "-.", ":")
    markers = ("o", "s", "^", "D", "v", "P")
    for number, (name, rounds) in enumerate(results.items()):
        budget = max(len(r.trajectory) for r in rounds)
        matrix = best_test_matrix(rounds, budget)
        x = np.arange(1, budget + 1)
        q25, median, q75 = np.nanpercentile(matrix, [25, 50, 75], axis=0)
        # markers at log-spaced positions, each curve its own share of them, so coinciding curves show all
        spots = np.unique(np.geomspace(1, budget, 12 * len(results)).astype(int)) - 1
        line, = ax.plot(x, median, styles[number % len(styles)], label=name, linewidth=2.2 - 0.4 * (number % 4),
                        marker=markers[number % len(markers)], markevery=[int(i) for i in spots[number::len(results)]],
                        markersize=5)
        ax.fill_between(x, q25, q75, alpha=0.15, color=line.get_color())
    ax.set_xscale("log")
    ax.set_xlabel("trained architectures")
    ax.set_ylabel("test accuracy of best-validation cell (%)")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", title="median; band: 25–75% of rounds", title_fontsize="small")
    if title:
        ax.set_title(title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path
