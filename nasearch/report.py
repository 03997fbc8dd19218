"""Reports of search results: plots like the papers' figures and Markdown tables, for stored
experiment rows and for search rounds held in memory (``nasearch search``, the main job), through
the same statistics and curves (one reporting path).

For every experiment and benchmark: one figure with a panel per proxy, showing for each
strategy the median over rounds of the test accuracy of the best-validation cell found so far
(25-75 % band), against trained architectures and/or against the time spent (proxy seconds +
the training time the benchmark stands for); a Markdown table of mean ± std (population std,
as numpy's default) at chosen budgets; and a CSV with one line per round.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    from nasearch.loop import SearchResult


def load_results(results_source: str | Path, store_path: str | Path | None = None
                 ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """(rows by experiment, experiment configs by name) from a TOML file or a results SQLite file."""
    from nasearch.experiment.config import load_experiment
    from nasearch.store import ResultStore
    from nasearch.store import default_store_path

    source = Path(results_source)
    configs: dict[str, Any] = {}
    if source.suffix == ".toml":
        config = load_experiment(source)
        configs[config.name] = config
        path = Path(store_path or config.store or default_store_path())
        names = [config.name]
    else:
        path = Path(store_path or source)
        names = None
    if not path.is_file():
        raise FileNotFoundError(f"no results file {str(path)!r}: run the experiment first (nasearch run FILE)")
    store = ResultStore(path)
    names = names or store.experiments()
    rows = {name: store.rows(name) for name in names}
    empty = [name for name, r in rows.items() if not r]
    if empty:
        raise ValueError(f"{path} holds no results of experiment(s) {', '.join(empty)}: run them first")
    return rows, configs


def mean_std(values: Sequence[float]) -> tuple[float, float, int]:
    """Mean and population std over the non-NaN values, and how many there were."""
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if array.size == 0:
        return math.nan, math.nan, 0
    return float(array.mean()), float(array.std()), int(array.size)


def fmt(mean: float, std: float, digits: int = 2) -> str:
    if math.isnan(mean):
        return "n/a"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def best_test_at(row: dict[str, Any], budget: int) -> float:
    curve = row["trajectory"]["best_test"]
    if not curve:
        return math.nan
    value = curve[min(budget, len(curve)) - 1]
    return math.nan if value is None else float(value)


def group_rows(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """(benchmark, strategy label, proxy) -> rows, in first-seen order."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["round"]):
        groups[(row["benchmark"], row["strategy_label"], row["proxy"])].append(row)
    return dict(groups)


def summary_table(rows: list[dict[str, Any]], budgets: Sequence[int]) -> list[dict[str, Any]]:
    """One record per (benchmark, strategy, proxy): statistics over rounds."""
    table = []
    for (benchmark, strategy, proxy), group in group_rows(rows).items():
        record: dict[str, Any] = {"benchmark": benchmark, "strategy": strategy, "proxy": proxy or "-",
                                  "runs": len(group), "budget": group[0]["budget"]}
        for budget in budgets:
            record[f"test@{budget}"] = mean_std([best_test_at(r, budget) for r in group])
        record["final_test"] = mean_std([r["final_test"] for r in group])
        record["final_valid"] = mean_std([r["final_valid"] for r in group])
        record["proxy_seconds"] = float(np.mean([r["proxy_seconds"] for r in group]))
        record["train_seconds"] = float(np.mean([r["train_seconds"] for r in group]))
        record["proxy_calls"] = float(np.mean([r["proxy_calls"] for r in group]))
        record["proxy_nan"] = float(np.mean([r["proxy_nan"] for r in group]))
        record["repeated"] = float(np.mean([r["repeated_proposals"] for r in group]))
        table.append(record)
    return table


def markdown_table(records: list[dict[str, Any]], budgets: Sequence[int]) -> str:
    head = (["benchmark", "strategy", "proxy", "runs", "budget"] + [f"test @ {b}" for b in budgets]
            + ["final test", "final valid", "proxy s (mean)", "train s (mean)", "proxy calls", "NaN scores",
               "repeats"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in records:
        cells = [r["benchmark"], r["strategy"], r["proxy"], str(r["runs"]), str(r["budget"])]
        cells += [fmt(*r[f"test@{b}"][:2]) for b in budgets]
        cells += [fmt(*r["final_test"][:2]), fmt(*r["final_valid"][:2]), f"{r['proxy_seconds']:.3g}",
                  f"{r['train_seconds']:.3g}", f"{r['proxy_calls']:.0f}", f"{r['proxy_nan']:.1f}",
                  f"{r['repeated']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _curves_trained(group: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    length = max(len(r["trajectory"]["best_test"]) for r in group)
    values = np.full((len(group), length), np.nan)
    for i, row in enumerate(group):
        curve = np.array([np.nan if v is None else v for v in row["trajectory"]["best_test"]], dtype=float)
        values[i, : len(curve)] = curve
        values[i, len(curve):] = curve[-1]  # a run that stopped early keeps its final value
    return np.arange(1, length + 1), values


def elapsed_seconds(row: dict[str, Any]) -> np.ndarray:
    """Seconds after each trained architecture: proxy time + the benchmark's training time."""
    traj = row["trajectory"]
    return np.asarray(traj["proxy_seconds"], dtype=float) + np.asarray(traj["train_seconds"], dtype=float)


def _curves_seconds(group: list[dict[str, Any]], grid: np.ndarray) -> np.ndarray:
    values = np.full((len(group), grid.size), np.nan)
    for i, row in enumerate(group):
        times = elapsed_seconds(row)
        best = np.array([np.nan if v is None else v for v in row["trajectory"]["best_test"]], dtype=float)
        index = np.searchsorted(times, grid, side="right") - 1  # last point reached by each grid time
        ok = index >= 0
        values[i, ok] = best[index[ok]]
    return values


def _band(ax, x: np.ndarray, values: np.ndarray, label: str, style: str, color: str) -> np.ndarray:
    """Draw median and quartile band; returns the median curve's values past its first tenth."""
    with np.errstate(all="ignore"):
        enough = np.sum(~np.isnan(values), axis=0) >= max(1, values.shape[0] // 2)
        if not enough.any():
            return np.array([])
        safe = values[:, enough]
        median = np.nanmedian(safe, axis=0)
        low, high = np.nanpercentile(safe, 25, axis=0), np.nanpercentile(safe, 75, axis=0)
    ax.plot(x[enough], median, style, label=label, linewidth=1.4, color=color)
    ax.fill_between(x[enough], low, high, color=color, alpha=0.15, linewidth=0)
    return median[len(median) // 10:]


def plot_experiment(rows: list[dict[str, Any]], benchmark: str, path: Path, x_axis: str, title: str) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = {k: v for k, v in group_rows(rows).items() if k[0] == benchmark and v[0]["budget"] > 1}
    if not groups:
        return None
    proxies = sorted({k[2] for k in groups if k[2]}) or [""]
    baselines = {k: v for k, v in groups.items() if not k[2]}
    fig, axes = plt.subplots(1, len(proxies), figsize=(max(6.5, 4.2 * len(proxies)), 3.6), squeeze=False, sharey=True)
    grid = None
    if x_axis == "seconds":
        times = np.concatenate([elapsed_seconds(r) for g in groups.values() for r in g])
        positive = times[times > 0]
        if positive.size == 0:
            plt.close(fig)
            return None
        grid = np.geomspace(positive.min(), times.max(), 300)
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    labels = list(dict.fromkeys(k[1] for k in groups))
    colours = {label: palette[i % len(palette)] for i, label in enumerate(labels)}
    shown: list[np.ndarray] = []
    for ax, proxy in zip(axes[0], proxies):
        members = {**baselines, **{k: v for k, v in groups.items() if k[2] == proxy}}
        for (bench, strategy, prox), group in members.items():
            style = "--" if not prox and proxy else "-"
            if x_axis == "trained":
                x, values = _curves_trained(group)
            else:
                x, values = grid, _curves_seconds(group, grid)
            shown.append(_band(ax, x, values, strategy, style, colours[strategy]))
        ax.set_title(proxy or title, fontsize=10)
        ax.set_xlabel("trained architectures" if x_axis == "trained" else "proxy + training seconds")
        if x_axis == "seconds":
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    tail = np.concatenate(shown) if shown else np.array([])
    tail = tail[~np.isnan(tail)]
    if tail.size:  # zoom on the part of the curves the papers' figures show
        axes[0][0].set_ylim(bottom=float(tail.min()) - 0.5)
    axes[0][0].set_ylabel("test accuracy of best-validation cell (%)")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"{title} — {benchmark} (median, 25–75 % band, {len(next(iter(groups.values())))} rounds)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_csv(rows: list[dict[str, Any]], path: Path) -> Path:
    fields = ["experiment", "benchmark", "strategy", "strategy_label", "proxy", "round", "seed", "budget",
              "final_arch", "final_valid", "final_test", "trained", "proxy_calls", "proxy_seconds",
              "train_seconds", "wall_seconds", "proxy_nan", "repeated_proposals"]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_report(results_source: str | Path, out_dir: str | Path, store_path: str | Path | None = None,
                 budgets: Sequence[int] | None = None, x_axis: str = "both") -> list[Path]:
    """Write ``<experiment>.md``, ``<experiment>_runs.csv`` and PNG plots into ``out_dir``."""
    if x_axis not in ("trained", "seconds", "both"):
        raise ValueError(f"x_axis must be 'trained', 'seconds' or 'both', got {x_axis!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    by_experiment, configs = load_results(results_source, store_path)
    written: list[Path] = []
    for name, rows in by_experiment.items():
        config = configs.get(name)
        chosen = list(budgets or (config.report_budgets if config is not None and config.report_budgets else [])
                      or sorted({r["budget"] for r in rows})[-1:])
        lines = [f"# {name}", ""]
        if config is not None and config.description:
            lines += [config.description.strip(), ""]
        lines += [f"Rounds per cell: {max(r['round'] for r in rows) + 1}. Test accuracy is that of the cell with "
                  "the best validation accuracy among those trained so far; mean ± population std over rounds.",
                  "", markdown_table(summary_table(rows, chosen), chosen)]
        axes = ("trained", "seconds") if x_axis == "both" else (x_axis,)
        for benchmark in sorted({r["benchmark"] for r in rows}):
            for axis in axes:
                png = out / f"{name}_{benchmark}_{axis}.png"
                if plot_experiment(rows, benchmark, png, axis, name) is not None:
                    written.append(png)
                    lines.append(f"![{benchmark}, against {axis}]({png.name})")
        md = out / f"{name}.md"
        md.write_text("\n".join(lines) + "\n")
        written.append(md)
        written.append(write_csv(rows, out / f"{name}_runs.csv"))
    return written


# --- search results held in memory (``nasearch search``, the main job) ---------------------------
# The same statistics and curves as stored experiment rows: each SearchResult is read as a row.

def _rows(rounds: Sequence["SearchResult"]) -> list[dict[str, Any]]:
    return [{"round": i, "trajectory": {"best_test": [p.best_test for p in r.trajectory]}}
            for i, r in enumerate(rounds)]


def mean_std_at(rounds: Sequence["SearchResult"], budget: int) -> tuple[float, float]:
    """Mean and population std over rounds of the best test accuracy after ``budget`` trained."""
    mean, std, _ = mean_std([best_test_at(row, budget) for row in _rows(rounds)])
    return mean, std


def budget_table(results: Mapping[str, Sequence["SearchResult"]], budgets: Sequence[int]) -> str:
    """Markdown table: one row per strategy, mean ± std of the best test accuracy at each budget."""
    header = "| strategy | " + " | ".join(f"{b} trained" for b in budgets) + " |"
    lines = [header, "|" + "---|" * (len(budgets) + 1)]
    for name, rounds in results.items():
        lines.append(f"| {name} | " + " | ".join(fmt(*mean_std_at(rounds, b)) for b in budgets) + " |")
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
        x, matrix = _curves_trained(_rows(rounds))
        budget = len(x)
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
