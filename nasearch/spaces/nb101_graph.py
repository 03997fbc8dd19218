"""NAS-Bench-101 cells as graphs: validity, pruning, the official hash, string forms and the
enumeration of every distinct cell.

A cell (a "module spec" in the benchmark's words) is an upper-triangular 0/1 adjacency
matrix over n <= 7 vertices with an op per vertex: ``input`` first, ``output`` last, and
``conv3x3-bn-relu``, ``conv1x1-bn-relu`` or ``maxpool3x3`` in between. The benchmark prunes a
cell before anything else: every vertex that is not on some input->output path is removed;
a cell whose input does not reach its output is invalid. A pruned cell is valid when it has
at most 7 vertices and at most 9 edges. Its identity is the benchmark's graph hash: per-vertex
md5 labels refined ``n`` times from in/out neighbour labels, then the md5 of the sorted list
(isomorphic cells share it). 423,624 distinct hashes exist.

String form: vertices separated by ``|``, each ``op~sources`` (sources comma-separated, none
for the input), e.g. ``input|conv3x3~0|maxpool3x3~0,1|output~1,2``. Short op names
(``conv3x3``, ``conv1x1``, ``maxpool3x3``) or the benchmark's full names are accepted.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

INPUT, OUTPUT = "input", "output"
CONV3X3, CONV1X1, MAXPOOL3X3 = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"
INTERIOR_OPS: tuple[str, ...] = (CONV3X3, CONV1X1, MAXPOOL3X3)  # the benchmark's label order
SHORT_NAMES = {CONV3X3: "conv3x3", CONV1X1: "conv1x1", MAXPOOL3X3: "maxpool3x3", INPUT: "input", OUTPUT: "output"}
FULL_NAMES = {short: full for full, short in SHORT_NAMES.items()} | {full: full for full in SHORT_NAMES}
MAX_VERTICES = 7
MAX_EDGES = 9
NUM_CELLS = 423_624

_HASH_RE = re.compile(r"^[0-9a-f]{32}$")


class InvalidCellError(ValueError):
    """The matrix and ops do not form a valid NAS-Bench-101 cell (message says why)."""


@dataclass(frozen=True)
class Cell:
    """A cell as given: ``matrix`` (n x n, upper triangular, 0/1) and ``ops`` (n names)."""

    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]

    @classmethod
    def make(cls, matrix: Sequence[Sequence[int]] | np.ndarray, ops: Sequence[str]) -> "Cell":
        """Checks the shape, the triangle and the op names; raises InvalidCellError."""
        rows = matrix.tolist() if isinstance(matrix, np.ndarray) else [list(row) for row in matrix]
        n = len(rows)
        if any(len(row) != n for row in rows):
            raise InvalidCellError(f"the adjacency matrix must be square, got {n} rows of lengths "
                                   f"{sorted({len(row) for row in rows})}")
        if not 2 <= n <= MAX_VERTICES:
            raise InvalidCellError(f"a cell has 2..{MAX_VERTICES} vertices, got {n}")
        if any(v not in (0, 1) for row in rows for v in row):
            raise InvalidCellError("adjacency entries must be 0 or 1")
        if any(rows[u][v] for u in range(n) for v in range(u + 1)):
            raise InvalidCellError("the adjacency matrix must be strictly upper triangular (edges go from "
                                   "a lower to a higher vertex number)")
        names = tuple(FULL_NAMES.get(op, op) for op in ops)
        if len(names) != n:
            raise InvalidCellError(f"{n} vertices need {n} ops, got {len(names)}")
        if names[0] != INPUT or names[-1] != OUTPUT:
            raise InvalidCellError(f"the first op must be 'input' and the last 'output', got {names[0]!r}, {names[-1]!r}")
        bad = [op for op in names[1:-1] if op not in INTERIOR_OPS]
        if bad:
            raise InvalidCellError(f"unknown interior op(s) {bad}; ops are {', '.join(INTERIOR_OPS)}")
        return cls(tuple(tuple(int(v) for v in row) for row in rows), names)

    @property
    def num_vertices(self) -> int:
        return len(self.ops)

    @property
    def num_edges(self) -> int:
        return sum(map(sum, self.matrix))

    def array(self) -> np.ndarray:
        return np.array(self.matrix, dtype=np.int64)


def live_vertices(matrix: Sequence[Sequence[int]]) -> list[int]:
    """Vertices on some input->output path, in order (the benchmark's pruning keeps these)."""
    n = len(matrix)
    from_input = [False] * n
    from_input[0] = True
    for v in range(1, n):
        from_input[v] = any(from_input[u] and matrix[u][v] for u in range(v))
    to_output = [False] * n
    to_output[n - 1] = True
    for v in range(n - 2, -1, -1):
        to_output[v] = any(to_output[w] and matrix[v][w] for w in range(v + 1, n))
    return [v for v in range(n) if from_input[v] and to_output[v]]


def prune(cell: Cell) -> Cell:
    """The cell without vertices off every input->output path; InvalidCellError when the input
    does not reach the output."""
    keep = live_vertices(cell.matrix)
    if len(keep) < 2:
        raise InvalidCellError("the input is not connected to the output")
    if len(keep) == cell.num_vertices:
        return cell
    return Cell(tuple(tuple(cell.matrix[u][v] for v in keep) for u in keep), tuple(cell.ops[v] for v in keep))


def check_valid(cell: Cell) -> Cell:
    """The pruned cell if the benchmark accepts ``cell`` (at most 7 vertices and 9 edges after
    pruning), else InvalidCellError saying why."""
    pruned = prune(cell)
    if pruned.num_edges > MAX_EDGES:
        raise InvalidCellError(f"the pruned cell has {pruned.num_edges} edges; NAS-Bench-101 allows {MAX_EDGES}")
    return pruned


def is_valid(cell: Cell) -> bool:
    try:
        check_valid(cell)
    except InvalidCellError:
        return False
    return True


def graph_hash(matrix: np.ndarray, labels: Sequence[int]) -> str:
    """The benchmark's iterated-label md5 hash of a labelled DAG (isomorphism invariant)."""
    n = matrix.shape[0]
    in_degree = matrix.sum(axis=0).tolist()
    out_degree = matrix.sum(axis=1).tolist()
    labels_now = [hashlib.md5(str((out_degree[v], in_degree[v], labels[v])).encode()).hexdigest()
                  for v in range(n)]
    sources = [[u for u in range(n) if matrix[u, v]] for v in range(n)]
    targets = [[w for w in range(n) if matrix[v, w]] for v in range(n)]
    for _ in range(n):
        labels_now = [
            hashlib.md5(("".join(sorted(labels_now[u] for u in sources[v])) + "|"
                         + "".join(sorted(labels_now[w] for w in targets[v])) + "|"
                         + labels_now[v]).encode()).hexdigest()
            for v in range(n)
        ]
    return hashlib.md5(str(sorted(labels_now)).encode()).hexdigest()


def cell_hash(cell: Cell) -> str:
    """The official hash of the pruned cell (InvalidCellError if it is not valid)."""
    pruned = check_valid(cell)
    labels = [-1] + [INTERIOR_OPS.index(op) for op in pruned.ops[1:-1]] + [-2]
    return graph_hash(pruned.array(), labels)


def is_hash(text: str) -> bool:
    return bool(_HASH_RE.match(text.strip()))


# --- string form ----------------------------------------------------------------------------
def format_cell(cell: Cell) -> str:
    parts = []
    for v, op in enumerate(cell.ops):
        sources = ",".join(str(u) for u in range(v) if cell.matrix[u][v])
        parts.append(SHORT_NAMES[op] if v == 0 else f"{SHORT_NAMES[op]}~{sources}")
    return "|".join(parts)


def parse_cell(text: str) -> Cell:
    """The cell of a string form (see module docstring); InvalidCellError naming what is wrong."""
    parts = [p.strip() for p in text.strip().split("|")]
    example = "input|conv3x3~0|maxpool3x3~0,1|output~1,2"
    if len(parts) < 2 or parts[0] != INPUT:
        raise InvalidCellError(f"not a NAS-Bench-101 cell string: {text!r} (expected vertices separated by '|', "
                               f"the first 'input', like {example!r})")
    n = len(parts)
    matrix = np.zeros((n, n), dtype=np.int64)
    ops = [INPUT]
    for v, part in enumerate(parts[1:], start=1):
        op, sep, sources = part.partition("~")
        if not sep:
            raise InvalidCellError(f"vertex {v} of {text!r} must read 'op~sources', like 'conv3x3~0,1'")
        ops.append(op.strip())
        for source in filter(None, (s.strip() for s in sources.split(","))):
            if not source.isdigit() or int(source) >= v:
                raise InvalidCellError(f"vertex {v} of {text!r} has source {source!r}; sources are lower "
                                       f"vertex numbers 0..{v - 1}")
            matrix[int(source), v] = 1
    return Cell.make(matrix, ops)


def from_naslib_key(values: Sequence[int]) -> Cell:
    """The cell of a NASLib zero-cost key: 49 adjacency entries (7x7, row-major) then 7 op codes
    ``{0 input, 1 output, 2 maxpool3x3, 3 conv1x1-bn-relu, 4 conv3x3-bn-relu}``."""
    if len(values) != 56:
        raise InvalidCellError(f"a NASLib NAS-Bench-101 key has 49 + 7 entries, got {len(values)}")
    codes = {0: INPUT, 1: OUTPUT, 2: MAXPOOL3X3, 3: CONV1X1, 4: CONV3X3}
    try:
        ops = [codes[int(c)] for c in values[49:]]
    except KeyError as err:
        raise InvalidCellError(f"unknown NASLib op code {err.args[0]} (codes are 0..4)") from None
    return Cell.make(np.array(values[:49], dtype=np.int64).reshape(7, 7), ops)


# --- compact integer code ---------------------------------------------------------------------
def encode(cell: Cell) -> int:
    """A 32-bit code: vertex count - 2 (3 bits), the upper triangle row-major (bits), the
    interior ops in base 3 (8 bits), packed as ``(n-2) << 29 | triangle << 8 | ops``."""
    n = cell.num_vertices
    bits = 0
    for u, v in itertools.combinations(range(n), 2):
        bits = (bits << 1) | cell.matrix[u][v]
    ops = 0
    for op in cell.ops[1:-1]:
        ops = ops * 3 + INTERIOR_OPS.index(op)
    return (n - 2) << 29 | bits << 8 | ops


def decode(code: int) -> Cell:
    code = int(code)
    n = (code >> 29) + 2
    pairs = list(itertools.combinations(range(n), 2))
    bits = (code >> 8) & ((1 << 21) - 1)
    matrix = [[0] * n for _ in range(n)]
    for position, (u, v) in enumerate(pairs):
        matrix[u][v] = (bits >> (len(pairs) - 1 - position)) & 1
    ops_code = code & 0xFF
    interior = []
    for _ in range(n - 2):
        interior.append(INTERIOR_OPS[ops_code % 3])
        ops_code //= 3
    return Cell(tuple(map(tuple, matrix)), (INPUT, *reversed(interior), OUTPUT))


# --- enumeration ------------------------------------------------------------------------------
def _pruned_topologies(n: int) -> np.ndarray:
    """All n x n upper-triangular matrices (as (k, n, n) arrays) with at most 9 edges whose every
    vertex lies on an input->output path (the shapes pruning leaves)."""
    pairs = list(itertools.combinations(range(n), 2))
    codes = np.arange(1 << len(pairs), dtype=np.int64)
    edges = np.zeros((len(codes), n, n), dtype=bool)
    for position, (u, v) in enumerate(pairs):
        edges[:, u, v] = (codes >> (len(pairs) - 1 - position)) & 1
    edges = edges[edges.sum(axis=(1, 2)) <= MAX_EDGES]
    forward = np.zeros((len(edges), n), dtype=bool)
    forward[:, 0] = True
    for v in range(1, n):
        forward[:, v] = (forward[:, :v] & edges[:, :v, v]).any(axis=1)
    backward = np.zeros((len(edges), n), dtype=bool)
    backward[:, n - 1] = True
    for v in range(n - 2, -1, -1):
        backward[:, v] = (backward[:, v + 1:] & edges[:, v, v + 1:]).any(axis=1)
    return edges[(forward & backward).all(axis=1)]


def _interior_permutations(n: int) -> list[tuple[int, ...]]:
    """Vertex relabellings that fix the input (0) and the output (n-1)."""
    return [(0, *p, n - 1) for p in itertools.permutations(range(1, n - 1))]


def enumerate_cells(max_vertices: int = MAX_VERTICES) -> Iterator[tuple[str, Cell]]:
    """(hash, pruned cell) for every distinct valid cell with at most ``max_vertices`` vertices.

    Shapes first: every pruned n-vertex topology, reduced to one per isomorphism class (the
    smallest bit code over vertex relabellings that keep the matrix upper triangular). Then
    per class the op labellings modulo the class's automorphisms, and the official hash of each,
    kept once per hash. With 7 the result is NAS-Bench-101's 423,624 cells (about a minute).
    """
    seen: set[str] = set()
    for n in range(2, max_vertices + 1):
        shapes = _pruned_topologies(n)
        pairs = list(itertools.combinations(range(n), 2))
        weights = np.array([1 << (len(pairs) - 1 - i) for i in range(len(pairs))], dtype=np.int64)
        best = np.full(len(shapes), np.iinfo(np.int64).max)
        perms = _interior_permutations(n)
        for perm in perms:
            inverse = np.argsort(perm)
            relabelled = shapes[:, inverse][:, :, inverse]  # vertex perm[i] becomes i
            ok = ~(relabelled & np.tril(np.ones((n, n), bool))[None]).any(axis=(1, 2))
            code = np.stack([relabelled[:, u, v] for u, v in pairs], axis=1).astype(np.int64) @ weights
            best = np.where(ok, np.minimum(best, code), best)
        _, first = np.unique(best, return_index=True)
        labellings = np.array(list(itertools.product(range(3), repeat=n - 2)), dtype=np.int64).reshape(3 ** (n - 2), n - 2)
        for shape in shapes[np.sort(first)]:
            automorphisms = [p for p in perms if (shape[np.ix_(p, p)] == shape).all()]
            place = 3 ** np.arange(n - 3, -1, -1, dtype=np.int64)
            orbit_min = np.min([labellings[:, [q - 1 for q in p[1:-1]]] @ place for p in automorphisms], axis=0)
            matrix = shape.astype(np.int64)
            for labelling in labellings[np.unique(orbit_min, return_index=True)[1]]:
                labels = [-1, *labelling.tolist(), -2]
                digest = graph_hash(matrix, labels)
                if digest in seen:
                    continue
                seen.add(digest)
                ops = (INPUT, *(INTERIOR_OPS[i] for i in labelling), OUTPUT)
                yield digest, Cell(tuple(tuple(int(x) for x in row) for row in matrix), ops)
