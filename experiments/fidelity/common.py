"""Shared helpers of the fidelity experiments: the reference data folder, published figures,
and the guard that keeps a result-writing script from overwriting results with nothing."""

from __future__ import annotations

import functools
import sys
import tomllib
from pathlib import Path
from typing import Any, Callable, Sized

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PUBLISHED_FILE = ROOT / "experiments" / "published.toml"


def _data_dir() -> Path | None:
    from nasearch.benchmarks.table import find_data_dir
    try:
        return find_data_dir()
    except FileNotFoundError:
        return None


DATA = _data_dir()


def require_data() -> Path:
    if DATA is None:
        sys.exit("this script reads ../shared/data (or $NASEARCH_DATA_DIR); none found")
    return DATA


def refuse_empty(items: Sized, what: str) -> None:
    """Stop before writing results when their input is empty (an empty store, a missing file)."""
    if len(items) == 0:
        sys.exit(f"refusing to write results: {what} is empty (nothing scored or stored); "
                 "the committed results are left as they are")


def published(*path: str) -> Any:
    """A published figure (or table) from experiments/published.toml, e.g. published("p001", "table2")."""
    with PUBLISHED_FILE.open("rb") as handle:
        node: Any = tomllib.load(handle)
    for key in path:
        node = node[key]
    return node


def score_sample_cells(path: Path, columns: list[str], n_cells: int,
                       score_cell: Callable[[Any, Any, Any, Any], dict[str, float]]) -> None:
    """Append ``score_cell(space, arch, task, batch)`` for the first ``n_cells`` cells of the proxy
    table's 1,000-cell sample to the CSV ``path`` (one row per cell, flushed as it goes; cells
    already there are skipped, so an interrupted run resumes). Protocol = the proxy table's:
    CIFAR-10 network, batch 64 real CIFAR-10 training images with labels, seed 0, one thread."""
    import csv
    import time

    import numpy as np
    import torch

    from nasearch.data import load_batch
    from nasearch.interfaces import TASKS
    from nasearch.spaces.nb201 import NB201Space
    from nasearch.strategies._pool import sample_distinct

    torch.set_num_threads(1)
    space, task = NB201Space(), TASKS["cifar10"]
    batch = load_batch(str(require_data() / "cifar10-partial" / "cifar10_partial_salvaged.npz"), task, 64, seed=0)
    archs = sample_distinct(space, np.random.default_rng(0), 1000)[:n_cells]
    done = set()
    if path.is_file():
        with path.open(newline="") as handle:
            done = {r["arch"] for r in csv.DictReader(handle)}
    new = not path.is_file()
    start = time.process_time()
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, ["arch", *columns])
        if new:
            writer.writeheader()
        for k, arch in enumerate(archs):
            if arch.text in done:
                continue
            row = score_cell(space, arch, task, batch)
            writer.writerow({"arch": arch.text, **{c: repr(v) for c, v in row.items()}})
            handle.flush()
            if (k + 1) % 10 == 0:
                print(f"{k + 1}/{len(archs)} cells, {time.process_time() - start:.0f} CPU-s", flush=True)


def read_sample_scores(path: Path, columns: list[str]) -> tuple[list[dict], dict[str, dict], Any, dict[str, Any]]:
    """What ``score_sample_cells`` wrote to ``path``, for a report: (its rows, the proxy table's
    rows for the same sample by cell, the cells' 200-epoch CIFAR-10 test accuracies, each of
    ``columns`` as an array). Refuses an empty file."""
    import csv

    import numpy as np

    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    refuse_empty(rows, str(path.relative_to(ROOT)))
    with (ROOT / "experiments/proxy_table/scores_cifar10.csv").open(newline="") as handle:
        table = {r["arch"]: r for r in csv.DictReader(handle)}
    accuracy = cifar10_test_accuracy([r["arch"] for r in rows])
    return rows, table, accuracy, {c: np.array([float(r[c]) for r in rows]) for c in columns}


def cifar10_test_accuracy(cells: list[str]) -> Any:
    """The official 200-epoch CIFAR-10 test accuracy of each NB201 cell string, as an array."""
    from nasearch.benchmarks.nb201_200ep import accuracy_table

    return accuracy_table("cifar10")[[_nb201_positions()[c] for c in cells]]


@functools.lru_cache(maxsize=1)
def _nb201_positions() -> dict[str, int]:
    from nasearch.spaces.nb201 import NB201Space

    return {a.text: i for i, a in enumerate(NB201Space().enumerate())}
