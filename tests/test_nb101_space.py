"""NAS-Bench-101 space: the official hash, pruning, validity, string forms, edits, enumeration."""

from __future__ import annotations

import csv
import gzip
import itertools

import numpy as np
import pytest

from nasearch.registry import spaces
from nasearch.spaces.nb101 import NB101Space, pad
from nasearch.spaces.nb101_graph import (CONV1X1, CONV3X3, MAXPOOL3X3, Cell, InvalidCellError, cell_hash,
                                         decode, encode, enumerate_cells, format_cell, is_valid, parse_cell,
                                         prune)

TABLE = "nb101-freerea/nb101_all_derived.csv.gz"
# The NAS-Bench-101 README's example cell.
README_MATRIX = [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
                 [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]]
README_OPS = ["input", CONV1X1, CONV3X3, CONV3X3, CONV3X3, MAXPOOL3X3, "output"]


def table_rows(shared_data, count: int) -> list[dict]:
    """The first ``count`` rows of the whole-space table (sorted by hash, so an arbitrary sample)."""
    with gzip.open(shared_data / TABLE, "rt", newline="") as handle:
        return list(itertools.islice(csv.DictReader(handle), count))


def row_cell(row: dict) -> Cell:
    n = int(row["num_vertices"])
    matrix = np.array([int(c) for c in row["adjacency_rowmajor"]]).reshape(n, n)
    return Cell.make(matrix, row["ops"].split(";"))


def relabel(cell: Cell, rng: np.random.Generator) -> Cell:
    """The same graph with its vertices renumbered in another random topological order."""
    m = cell.array()
    n = cell.num_vertices
    order, remaining = [], set(range(n))
    while remaining:
        ready = sorted(v for v in remaining if not any(m[u, v] for u in remaining))
        choice = ready[int(rng.integers(len(ready)))]  # pruned: the input comes first, the output last
        order.append(choice)
        remaining.remove(choice)
    return Cell(tuple(tuple(int(m[a, b]) for b in order) for a in order), tuple(cell.ops[v] for v in order))


def test_registered_with_defaults():
    space = spaces.get("nb101")
    assert isinstance(space, NB101Space)
    assert space.default_task == "cifar10" and space.default_benchmark == "nb101-cifar10"
    assert len(space) == 423_624 and space.is_finite


def test_hash_equals_table_on_real_rows(shared_data):
    space = NB101Space()
    for row in table_rows(shared_data, 400):
        arch = space.from_cell(row_cell(row))
        assert space.canonical_key(arch) == row["hash"], row
        assert space.parse(row["hash"]).text == arch.text


def test_readme_example_hash_and_string():
    space = NB101Space()
    arch = space.from_matrix(README_MATRIX, README_OPS)
    assert arch.text == "input|conv1x1~0|conv3x3~0|conv3x3~0|conv3x3~3|maxpool3x3~0|output~1,2,4,5"
    assert space.parse(arch.text) == arch
    assert space.canonical_key(space.parse("  " + arch.text.replace("conv3x3", "conv3x3-bn-relu") + " ")) == \
        space.canonical_key(arch)


def test_isomorphic_relabelling_keeps_hash_and_op_change_does_not(shared_data):
    rng = np.random.default_rng(0)
    changed = 0
    for row in table_rows(shared_data, 60):
        cell = row_cell(row)
        for _ in range(3):
            other = relabel(cell, rng)
            changed += other != cell
            assert cell_hash(other) == row["hash"]
        if cell.num_vertices > 2:
            ops = list(cell.ops)
            ops[1] = CONV3X3 if ops[1] != CONV3X3 else CONV1X1
            assert cell_hash(Cell(cell.matrix, tuple(ops))) != row["hash"]
    assert changed > 50  # the relabellings really renumbered vertices


def test_pruning_removes_dead_vertices():
    # vertex 2 is never reached from the input; vertex 3 never reaches the output
    matrix = np.zeros((6, 6), dtype=int)
    matrix[0, 1] = matrix[1, 5] = matrix[2, 4] = matrix[0, 3] = matrix[0, 4] = matrix[4, 5] = 1
    ops = ["input", CONV3X3, MAXPOOL3X3, CONV1X1, CONV1X1, "output"]
    pruned = prune(Cell.make(matrix, ops))
    assert pruned.ops == ("input", CONV3X3, CONV1X1, "output")
    assert pruned.matrix == ((0, 1, 1, 0), (0, 0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 0))
    assert cell_hash(Cell.make(matrix, ops)) == cell_hash(pruned)


def test_validity_rules():
    with pytest.raises(InvalidCellError, match="not connected"):
        prune(Cell.make([[0, 1, 0], [0, 0, 0], [0, 0, 0]], ["input", CONV3X3, "output"]))
    full = np.triu(np.ones((7, 7), dtype=int), 1)  # 21 edges, nothing to prune
    assert not is_valid(Cell.make(full, README_OPS))
    with pytest.raises(InvalidCellError, match="upper triangular"):
        Cell.make([[0, 1], [1, 0]], ["input", "output"])
    with pytest.raises(InvalidCellError, match="unknown interior op"):
        Cell.make([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5", "output"])
    with pytest.raises(ValueError, match="'op~sources'"):
        NB101Space().parse("input|conv3x3|output~1")
    with pytest.raises(ValueError, match="no NAS-Bench-101 cell has hash"):
        NB101Space().parse("0" * 32)


def test_code_and_string_round_trip():
    rng = np.random.default_rng(1)
    space = NB101Space()
    for _ in range(50):
        arch = space.sample(rng)
        cell = space.cell(arch)
        assert decode(encode(cell)) == cell
        assert parse_cell(format_cell(cell)) == cell
        assert space.parse(space.format(arch)) == arch


def test_enumeration_matches_the_table_up_to_five_vertices(shared_data):
    enumerated = dict(enumerate_cells(max_vertices=5))
    counts = {n: sum(c.num_vertices == n for c in enumerated.values()) for n in range(2, 6)}
    assert counts == {2: 1, 3: 6, 4: 84, 5: 2441}  # the table's counts for these sizes
    with gzip.open(shared_data / TABLE, "rt", newline="") as handle:
        small = {row["hash"] for row in csv.DictReader(handle) if int(row["num_vertices"]) <= 5}
    assert small == set(enumerated)


def test_sampling_is_uniform_over_distinct_cells():
    space = NB101Space()
    rng = np.random.default_rng(2)
    archs = [space.sample(rng) for _ in range(3000)]
    sizes = np.bincount([len(a.node_ops) for a in archs], minlength=8)
    # 359,082 of the 423,624 cells have 7 vertices, 62,010 have 6
    assert abs(sizes[7] / 3000 - 359_082 / 423_624) < 0.03
    assert abs(sizes[6] / 3000 - 62_010 / 423_624) < 0.03


@pytest.mark.parametrize("distance", [1, 2, 3, 5])
def test_mutation_lands_at_the_distance(distance):
    space = NB101Space()
    rng = np.random.default_rng(distance)
    for _ in range(25):
        arch = space.sample(rng)
        child = space.mutate(arch, rng, distance=distance)
        assert space.edit_distance(arch, child) == distance
        assert is_valid(space.cell(child))


def test_neighbours_are_valid_cells_one_edit_away():
    space = NB101Space()
    arch = space.from_matrix(README_MATRIX, README_OPS)
    neighbours = space.neighbours(arch)
    assert neighbours and all(space.edit_distance(arch, n) == 1 for n in neighbours)
    assert len(neighbours) <= 21 + 10 and len({n.text for n in neighbours}) == len(neighbours)
    assert space.edit_distance(arch, arch) == 0
    small = space.parse("input|conv3x3~0|output~1")
    assert space.edit_distance(small, space.from_cell(pad(space.cell(small)))) == 0
    assert all(space.edit_distance(small, n) == 1 for n in space.neighbours(small))


def test_canonical_is_the_table_representative():
    space = NB101Space()
    arch = space.from_matrix(README_MATRIX, README_OPS)
    padded = space.from_cell(pad(space.cell(space.parse("input|conv3x3~0|output~1"))))
    assert space.canonical_key(space.canonical(arch)) == space.canonical_key(arch)
    assert space.canonical(padded).text == "input|conv3x3~0|output~1"
