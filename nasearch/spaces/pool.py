"""A search space restricted to a finite pool of cells (e.g. the cells a table benchmark holds).

For benchmarks that cover a sliver of their space (NAS-Bench-NLP's few hundred logged cells out
of a space no one can list), a search has to stay inside the pool: ``sample`` draws a pool
cell, and a mutation moves to a pool cell near its parent in the base space's edit distance
(the benchmark authors' own evolution searched their logged cells the same way, with the
nearest cell in an embedding instead). Networks, string forms and canonical keys are the base
space's, and so is the name (pool cells are the base space's cells, scores are shared).
"""

from __future__ import annotations

from typing import Callable, Iterator, Sequence

import numpy as np
import torch

from nasearch.architecture import Architecture
from nasearch.interfaces import SearchSpace, Task


class PoolSpace(SearchSpace):
    """``base`` restricted to ``cells`` (distinct up to isomorphism; duplicates are dropped).

    ``distance`` ranks pool cells for mutation (default: the base space's edit distance; a
    cheaper approximation may be passed for large pools)."""

    name = "pool"

    def __init__(self, base: SearchSpace, cells: Sequence[Architecture],
                 distance: Callable[[Architecture, Architecture], int] | None = None):
        self.base = base
        self.distance = distance or base.edit_distance
        self.name = base.name  # type: ignore[misc]  (pool cells are the base space's cells)
        self.default_task = base.default_task  # type: ignore[misc]
        self.default_benchmark = base.default_benchmark  # type: ignore[misc]
        self.task_kinds = base.task_kinds  # type: ignore[misc]
        self.proxy_defaults = base.proxy_defaults  # type: ignore[misc]
        unique: dict[str, Architecture] = {}
        for cell in cells:
            unique.setdefault(base.canonical_key(cell), cell)
        if len(unique) < 2:
            raise ValueError("a pool space needs at least two distinct cells")
        self.cells = list(unique.values())
        self._index = {base.canonical_key(c): i for i, c in enumerate(self.cells)}
        self._distances: dict[int, np.ndarray] = {}

    def _position(self, arch: Architecture) -> int:
        try:
            return self._index[self.base.canonical_key(arch)]
        except KeyError:
            raise KeyError(f"{arch.text[:70]}... is not in the pool") from None

    def distances_from(self, arch: Architecture) -> np.ndarray:
        """``distance`` from ``arch`` (a pool cell) to every pool cell, computed once per cell."""
        i = self._position(arch)
        if i not in self._distances:
            row = np.array([0 if j == i else self._known(i, j) for j in range(len(self.cells))])
            self._distances[i] = row
        return self._distances[i]

    def _known(self, i: int, j: int) -> int:
        if j in self._distances:
            return int(self._distances[j][i])
        return self.distance(self.cells[i], self.cells[j])

    def sample(self, rng: np.random.Generator) -> Architecture:
        return self.cells[int(rng.integers(len(self.cells)))]

    def neighbours(self, arch: Architecture) -> list[Architecture]:
        """The pool cells nearest to ``arch`` (all at the smallest non-zero edit distance)."""
        row = self.distances_from(arch)
        return [self.cells[j] for j in np.flatnonzero(row == row[row > 0].min())]

    def mutate(self, arch: Architecture, rng: np.random.Generator, distance: int = 1) -> Architecture:
        """A random other pool cell, near ``arch``: the pool's distinct edit distances from
        ``arch`` form rings; the ring of the ``distance``-th smallest one is drawn with
        probability proportional to 1, rings k further in or out with 2**-k, then a cell of the
        ring uniformly. Every pool cell stays reachable, so a search cannot get stuck once the
        nearest ring is all trained."""
        if distance < 1:
            raise ValueError(f"distance must be >= 1, got {distance}")
        row = self.distances_from(arch)
        levels = np.unique(row[row > 0])
        weights = 0.5 ** np.abs(np.arange(len(levels)) - (distance - 1))
        level = levels[int(rng.choice(len(levels), p=weights / weights.sum()))]
        ring = np.flatnonzero(row == level)
        return self.cells[int(ring[int(rng.integers(len(ring)))])]

    def edit_distance(self, a: Architecture, b: Architecture) -> int:
        return self.base.edit_distance(a, b)

    def parse(self, text: str) -> Architecture:
        return self.base.parse(text)

    def format(self, arch: Architecture) -> str:
        return self.base.format(arch)

    def canonical_key(self, arch: Architecture) -> str:
        return self.base.canonical_key(arch)

    def canonical(self, arch: Architecture) -> Architecture:
        return self.base.canonical(arch)

    def build(self, arch: Architecture, task: Task) -> torch.nn.Module:
        return self.base.build(arch, task)

    @property
    def has_network(self) -> bool:
        return self.base.has_network

    def enumerate(self) -> Iterator[Architecture]:
        return iter(self.cells)

    def __len__(self) -> int:
        return len(self.cells)
