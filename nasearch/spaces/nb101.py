"""NAS-Bench-101: cells of up to 7 vertices and 9 edges, 3 interior ops, 423,624 distinct cells.

An architecture is a valid cell as given, possibly with vertices that pruning removes (the
benchmark's own search code mutates such unpruned specs); ``canonical_key`` is the official
graph hash of its pruned form, so every spelling of a network shares scores and results.
Graph rules and the string form: ``nasearch.spaces.nb101_graph``; the network:
``nasearch.spaces.nb101_network``; the packaged cell list: ``nb101_catalogue``.

Edits are those of the benchmark's example search code: flipping one of the 21 entries of
the upper triangle of the 7-vertex matrix, or changing one of the 5 interior ops; a result
must be valid after pruning. A cell with fewer than 7 vertices is first padded to 7 with
unconnected ``conv3x3-bn-relu`` vertices inserted before the output (pruning removes them,
so the network and hash are unchanged). Edit distance is the number of differing matrix
entries plus differing interior ops of the padded forms.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Iterator

import numpy as np
from torch import nn

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, ImageTask, SearchSpace, Task
from nasearch.registry import register_space
from nasearch.spaces.nb101_catalogue import load_catalogue
from nasearch.spaces.nb101_graph import (CONV3X3, INTERIOR_OPS, MAX_VERTICES, NUM_CELLS, OUTPUT, Cell,
                                         InvalidCellError, cell_hash, check_valid, format_cell,
                                         from_naslib_key, is_hash, is_valid, parse_cell, prune)
from nasearch.spaces.nb101_network import NB101Network

_PAIRS = tuple(itertools.combinations(range(MAX_VERTICES), 2))  # the 21 edge spots
_NASLIB_RE = re.compile(r"^[(\[]?\s*\d(\s*,\s*\d){55}\s*,?\s*[)\]]?$")
_MAX_TRIES = 10_000


@lru_cache(maxsize=1 << 16)
def _cell_of(text: str) -> Cell:
    return parse_cell(text)


@lru_cache(maxsize=1 << 18)
def _hash_of(text: str) -> str:
    return cell_hash(_cell_of(text))


def pad(cell: Cell) -> Cell:
    """The cell on 7 vertices: unconnected conv3x3-bn-relu vertices inserted before the output."""
    n = cell.num_vertices
    if n == MAX_VERTICES:
        return cell
    m = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.int64)
    old = cell.array()
    m[: n - 1, : n - 1] = old[: n - 1, : n - 1]
    m[: n - 1, MAX_VERTICES - 1] = old[: n - 1, n - 1]
    ops = cell.ops[:-1] + (CONV3X3,) * (MAX_VERTICES - n) + (OUTPUT,)
    return Cell(tuple(tuple(int(v) for v in row) for row in m), ops)


@register_space("nb101")
class NB101Space(SearchSpace):
    """NAS-Bench-101 (stem of 128 channels, 3 stacks of 3 cells by default; a narrower
    ``stem_channels`` gives the same topology with fewer channels, for fast tests)."""

    default_task = "cifar10"
    default_benchmark = "nb101-cifar10"
    ops = INTERIOR_OPS
    # the epsinas paper's NB101 weight pair (its Table 9); BN uses batch statistics as its code
    # does (experiments/nb101/epsinas_settings.md)
    proxy_defaults = {name: {"weights": (1e-4, 10.0), "train_mode": True} for name in ("epsinas", "epsinas_whole")}

    def benchmark_from_path(self, path: str) -> "Benchmark | None":
        """The official ``nasbench_only108.tfrecord`` / ``nasbench_full.tfrecord`` (read without TensorFlow)."""
        if path.lower().endswith(".tfrecord"):
            from nasearch.benchmarks.nb101_tfrecord import NB101RecordBenchmark

            return NB101RecordBenchmark(path)
        return None

    def __init__(self, stem_channels: int = 128, stacks: int = 3, cells_per_stack: int = 3):
        if stem_channels < 1 or stacks < 1 or cells_per_stack < 1:
            raise ValueError("stem_channels, stacks and cells_per_stack must be positive")
        self.stem_channels = stem_channels
        self.stacks = stacks
        self.cells_per_stack = cells_per_stack

    # --- cells and string forms ----------------------------------------------------------------
    def from_cell(self, cell: Cell) -> Architecture:
        """The architecture of a valid cell (ValueError saying why an invalid one is refused)."""
        check_valid(cell)
        return self._architecture(cell)

    def _architecture(self, cell: Cell) -> Architecture:
        """The architecture of a cell known to be valid (the packaged cells)."""
        edges = tuple((u, v, "") for u, v in itertools.combinations(range(cell.num_vertices), 2)
                      if cell.matrix[u][v])
        return Architecture.from_edges(self.name, format_cell(cell), edges, cell.ops)

    def from_matrix(self, matrix, ops) -> Architecture:
        """From an adjacency matrix and op names (the benchmark's ``ModelSpec`` arguments)."""
        return self.from_cell(Cell.make(matrix, ops))

    def cell(self, arch: Architecture) -> Cell:
        return _cell_of(arch.text)

    def parse(self, text: str) -> Architecture:
        """The string form, an official hash present in the table, or a NASLib 56-entry key."""
        stripped = text.strip()
        if is_hash(stripped.lower()):
            index = load_catalogue().index_of(stripped.lower())
            if index is None:
                raise ValueError(f"no NAS-Bench-101 cell has hash {stripped!r}")
            return self.from_cell(load_catalogue().cell(index))
        if _NASLIB_RE.match(stripped):
            return self.from_cell(from_naslib_key([int(c) for c in re.findall(r"\d", stripped)]))
        return self.from_cell(parse_cell(stripped))

    def pruned(self, arch: Architecture) -> Architecture:
        return self.from_cell(prune(self.cell(arch)))

    # --- sampling and edits ----------------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> Architecture:
        """Uniform over the 423,624 distinct cells (the table's representative of each)."""
        return self._architecture(load_catalogue().cell(int(rng.integers(NUM_CELLS))))

    def _edit(self, cell: Cell, spot: int, op: str | None = None) -> Cell:
        m = [list(row) for row in cell.matrix]
        ops = list(cell.ops)
        if spot < len(_PAIRS):
            u, v = _PAIRS[spot]
            m[u][v] = 1 - m[u][v]
        else:
            ops[spot - len(_PAIRS) + 1] = op  # interior vertex 1..5
        return Cell(tuple(map(tuple, m)), tuple(ops))

    def neighbours(self, arch: Architecture) -> list[Architecture]:
        """Every valid cell one edit away (edge flips first, then op changes)."""
        cell = pad(self.cell(arch))
        result = []
        for spot in range(len(_PAIRS)):
            edited = self._edit(cell, spot)
            if is_valid(edited):
                result.append(self.from_cell(edited))
        for vertex in range(1, MAX_VERTICES - 1):
            for op in INTERIOR_OPS:
                if op != cell.ops[vertex]:
                    edited = self._edit(cell, len(_PAIRS) + vertex - 1, op)
                    if is_valid(edited):
                        result.append(self.from_cell(edited))
        return result

    def mutate(self, arch: Architecture, rng: np.random.Generator, distance: int = 1) -> Architecture:
        """A random valid cell at exactly ``distance`` edits: ``distance`` distinct spots among the
        21 edges and 5 ops are changed; drawn again until the result is valid."""
        spots = len(_PAIRS) + MAX_VERTICES - 2
        if not 1 <= distance <= spots:
            raise ValueError(f"edit distance in NAS-Bench-101 is 1..{spots}, got {distance}")
        cell = pad(self.cell(arch))
        for _ in range(_MAX_TRIES):
            edited = cell
            for spot in rng.choice(spots, size=distance, replace=False):
                op = None
                if spot >= len(_PAIRS):
                    others = [o for o in INTERIOR_OPS if o != cell.ops[spot - len(_PAIRS) + 1]]
                    op = others[int(rng.integers(len(others)))]
                edited = self._edit(edited, int(spot), op)
            if is_valid(edited):
                return self.from_cell(edited)
        raise ValueError(f"found no valid cell at edit distance {distance} from {arch} in {_MAX_TRIES} draws")

    def edit_distance(self, a: Architecture, b: Architecture) -> int:
        ca, cb = pad(self.cell(a)), pad(self.cell(b))
        edges = sum(ca.matrix[u][v] != cb.matrix[u][v] for u, v in _PAIRS)
        return edges + sum(x != y for x, y in zip(ca.ops[1:-1], cb.ops[1:-1]))

    # --- identity, enumeration ----------------------------------------------------------------
    def canonical_key(self, arch: Architecture) -> str:
        """The official NAS-Bench-101 hash of the pruned cell."""
        return _hash_of(arch.text)

    def canonical(self, arch: Architecture) -> Architecture:
        """The table's representative of the cell's class (its pruned form if not in the table)."""
        index = load_catalogue().find(self.cell(arch))
        return self.pruned(arch) if index is None else self._architecture(load_catalogue().cell(index))

    def enumerate(self) -> Iterator[Architecture]:
        """Every distinct cell once, in the order of the official hash (the table's cells; they
        are the output of ``nb101_graph.enumerate_cells``, checked when the table was packaged)."""
        catalogue = load_catalogue()
        for index in range(len(catalogue)):
            yield self._architecture(catalogue.cell(index))

    def __len__(self) -> int:
        return NUM_CELLS

    # --- networks ---------------------------------------------------------------------------------
    def build(self, arch: Architecture, task: Task) -> nn.Module:
        if not isinstance(task, ImageTask):
            raise ValueError(f"NAS-Bench-101 builds image classifiers, not networks for {task.kind} task {task.name!r}")
        return NB101Network(prune(self.cell(arch)), num_classes=task.num_classes,
                            stem_channels=self.stem_channels, stacks=self.stacks,
                            cells_per_stack=self.cells_per_stack, in_channels=task.input_shape[0])


__all__ = ["NB101Space", "InvalidCellError", "pad"]
