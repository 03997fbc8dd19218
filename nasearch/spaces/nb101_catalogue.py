"""The packaged list of all 423,624 NAS-Bench-101 cells, with the table's parameter counts
and CIFAR-10 test accuracies (``nasearch/spaces/data/nb101_cells.npz``).

Written by ``scripts/convert_nb101.py`` from the team's table (see the README section
"NAS-Bench-101"). Rows are in the order of the official hash (so a row number is the
table's ``index``). Arrays:

- ``code`` (uint32): the pruned cell as the table stores it, ``nb101_graph.encode``;
- ``hash_prefix`` (uint32): the first 8 hex digits of the official hash (the full hash is
  recomputed from the cell to confirm a match, so prefix collisions are harmless);
- ``trainable_parameters`` (uint32): the benchmark's count;
- ``accuracy_values`` (float64, 15,171 values) and ``accuracy_index`` (uint16): the table's
  mean test accuracy (fraction, mean of 3 runs after 108 epochs) of a row is
  ``accuracy_values[accuracy_index[row]]``, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from nasearch.spaces.nb101_graph import NUM_CELLS, Cell, InvalidCellError, cell_hash, decode, encode, is_hash, prune

DATA_FILE = Path(__file__).with_name("data") / "nb101_cells.npz"


@dataclass(frozen=True, eq=False)
class Catalogue:
    code: np.ndarray
    hash_prefix: np.ndarray
    trainable_parameters: np.ndarray
    accuracy_values: np.ndarray
    accuracy_index: np.ndarray

    def __len__(self) -> int:
        return len(self.code)

    def cell(self, index: int) -> Cell:
        return decode(int(self.code[index]))

    @cached_property
    def _code_order(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.code, kind="stable")
        return order, self.code[order]

    def _row_of_code(self, code: int) -> int | None:
        order, sorted_codes = self._code_order
        position = int(np.searchsorted(sorted_codes, np.uint32(code)))  # same dtype: no array copy
        if position < len(sorted_codes) and int(sorted_codes[position]) == code:
            return int(order[position])
        return None

    def find(self, cell: Cell) -> int | None:
        """Row of the cell's class: the pruned cell itself when the table stores it in that vertex
        order (a dictionary lookup), else by its official hash; None for an invalid cell."""
        try:
            pruned = prune(cell)
        except InvalidCellError:
            return None
        row = self._row_of_code(encode(pruned))
        if row is not None:
            return row
        try:
            return self.index_of(cell_hash(pruned))
        except InvalidCellError:
            return None

    def index_of(self, digest: str) -> int | None:
        """Row of the cell with official hash ``digest``, or None when no cell has it."""
        digest = digest.strip().lower()
        if not is_hash(digest):
            raise ValueError(f"{digest!r} is not an NAS-Bench-101 hash (32 hex digits)")
        prefix = np.uint32(int(digest[:8], 16))
        start = int(np.searchsorted(self.hash_prefix, prefix, side="left"))
        stop = int(np.searchsorted(self.hash_prefix, prefix, side="right"))
        for index in range(start, stop):
            if cell_hash(self.cell(index)) == digest:
                return index
        return None

    def mean_test_accuracy(self, index: int) -> float:
        """The table's mean test accuracy (fraction) of row ``index``."""
        return float(self.accuracy_values[self.accuracy_index[index]])

    def mean_test_accuracies(self) -> np.ndarray:
        return self.accuracy_values[self.accuracy_index]


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    if not DATA_FILE.is_file():
        raise FileNotFoundError(
            f"the packaged NAS-Bench-101 cell list {DATA_FILE} is missing; reinstall nasearch, or rebuild it "
            "with scripts/convert_nb101.py from the reference table")
    with np.load(DATA_FILE, allow_pickle=False) as data:
        catalogue = Catalogue(data["code"], data["hash_prefix"], data["trainable_parameters"],
                              data["accuracy_values"], data["accuracy_index"])
    if len(catalogue) != NUM_CELLS:
        raise ValueError(f"{DATA_FILE} holds {len(catalogue)} cells, expected {NUM_CELLS}: rebuild it")
    return catalogue
