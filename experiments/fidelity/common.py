"""Shared helpers of the fidelity experiments: the reference data folder, published figures,
and the guard that keeps a result-writing script from overwriting results with nothing."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any, Sized

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
