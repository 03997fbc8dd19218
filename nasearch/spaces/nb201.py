"""NAS-Bench-201 (NATS-Bench topology space): 4 nodes, 6 edges, 5 ops, 15,625 cells.

String form (official): ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` with edges in the order
(0→1), (0→2), (1→2), (0→3), (1→3), (2→3).

The 6-tuple used by NASLib, zc_combine and analog-nasbench orders edges (0→1), (0→2),
(0→3), (1→2), (1→3), (2→3) and numbers ops ``{0: skip_connect, 1: none, 2: nor_conv_3x3,
3: nor_conv_1x1, 4: avg_pool_3x3}``: tuple positions 2 and 3 are swapped with respect to
the string order.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from functools import cached_property
from typing import Iterator, Sequence

import numpy as np
import torch
from torch import nn

from nasearch.architecture import Architecture
from nasearch.interfaces import SearchSpace, Task
from nasearch.registry import register_space

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
NUM_EDGES = len(EDGES)

TUPLE_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
# string edge position i is tuple position _STRING_TO_TUPLE[i] (the mapping is its own inverse)
_STRING_TO_TUPLE: tuple[int, ...] = (0, 1, 3, 2, 4, 5)

_TUPLE_RE = re.compile(r"^\(?\s*\d\s*(,\s*\d\s*){5},?\s*\)?$")


def ops_to_string(ops: Sequence[str]) -> str:
    e = list(ops)
    return f"|{e[0]}~0|+|{e[1]}~0|{e[2]}~1|+|{e[3]}~0|{e[4]}~1|{e[5]}~2|"


def string_to_ops(text: str) -> tuple[str, ...]:
    """Edge ops in string order; raises ValueError saying what is wrong with ``text``."""
    stripped = text.strip()
    nodes = stripped.split("+")
    if len(nodes) != 3:
        raise ValueError(
            f"not a NAS-Bench-201 cell string: {text!r} (expected 3 nodes separated by '+', "
            "like '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|')"
        )
    ops: list[str] = []
    for target, node in enumerate(nodes, start=1):
        parts = [p for p in node.strip().split("|") if p]
        if len(parts) != target:
            raise ValueError(f"node {target} of {text!r} must have {target} input edge(s), found {len(parts)}")
        for source, part in enumerate(parts):
            op, sep, index = part.partition("~")
            if not sep or index != str(source):
                raise ValueError(f"edge {part!r} into node {target} of {text!r} must read 'op~{source}'")
            if op not in OPS:
                raise ValueError(f"unknown op {op!r} in {text!r}; ops are {', '.join(OPS)}")
            ops.append(op)
    # string order already is (0→1), (0→2), (1→2), (0→3), (1→3), (2→3)
    return tuple(ops)


def tuple_to_ops(encoding: Sequence[int]) -> tuple[str, ...]:
    """Edge ops in string order from the NASLib / zc_combine / analog-nasbench 6-tuple."""
    codes = [int(c) for c in encoding]
    if len(codes) != NUM_EDGES or any(not 0 <= c < len(TUPLE_OPS) for c in codes):
        raise ValueError(f"a NAS-Bench-201 tuple has 6 op codes in 0..4, got {tuple(encoding)!r}")
    return tuple(TUPLE_OPS[codes[_STRING_TO_TUPLE[i]]] for i in range(NUM_EDGES))


def ops_to_tuple(ops: Sequence[str]) -> tuple[int, ...]:
    codes = [TUPLE_OPS.index(op) for op in ops]
    return tuple(codes[_STRING_TO_TUPLE[i]] for i in range(NUM_EDGES))


def _expression(ops: Sequence[str]) -> str:
    """Symbolic output of the cell as a function of its input ``x``.

    A node is the multiset of terms summed into it: ``skip_connect`` passes the source's
    terms through, a parametric op or pooling wraps the source's whole sum, and ``none`` or
    any op applied to a zero node adds nothing (ReLU-conv-BN and pooling map 0 to 0).
    """
    nodes: list[Counter] = [Counter({"x": 1})]
    for target in range(1, 4):
        terms: Counter = Counter()
        for (source, tgt), op in zip(EDGES, ops):
            if tgt != target or op == "none" or not nodes[source]:
                continue
            src = nodes[source]
            if op == "skip_connect":
                terms.update(src)
            else:
                terms[f"{op}({_render(src)})"] += 1
        nodes.append(terms)
    return _render(nodes[3]) or "0"


def _official_unique_string(ops: Sequence[str]) -> str:
    """The rule of the NAS-Bench-201 authors (``to_unique_str(consider_zero=True)``).

    Zero terms stay in a sum as ``#`` (so ``x`` and ``x + 0`` differ) and a skip
    connection copies its source's string as one term.
    """
    nodes = ["0"]
    for target in range(1, 4):
        terms = []
        for (source, tgt), op in zip(EDGES, ops):
            if tgt != target:
                continue
            if op == "none" or nodes[source] == "#":
                terms.append("#")
            elif op == "skip_connect":
                terms.append(nodes[source])
            else:
                terms.append(f"({nodes[source]})@{op}")
        nodes.append("+".join(sorted(terms)))
    return nodes[3]


def _render(terms: Counter) -> str:
    return "+".join(sorted(terms.elements()))


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out),
        )


class Zero(nn.Module):
    """The ``none`` op: multiplies by zero (as the official code does, so inf/NaN propagate)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def make_op(op: str, channels: int) -> nn.Module:
    if op == "none":
        return Zero()
    if op == "skip_connect":
        return nn.Identity()
    if op == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1, 0)
    if op == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1, 1)
    if op == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown NAS-Bench-201 op {op!r}")


def live_nodes(ops: Sequence[str]) -> tuple[bool, bool, bool, bool]:
    """Whether each node's value can reach the cell output through an op other than ``none``."""
    live = [True, False, False, True]
    for node in (2, 1):
        live[node] = any(
            source == node and live[target] and op != "none" for (source, target), op in zip(EDGES, ops)
        )
    return live[0], live[1], live[2], live[3]


class Cell(nn.Module):
    def __init__(self, ops: Sequence[str], channels: int):
        super().__init__()
        self.ops = tuple(ops)
        self.edges = nn.ModuleList(make_op(op, channels) for op in ops)
        self.live = live_nodes(self.ops)
        self.skip_dead = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes: list[torch.Tensor | None] = [x]
        for target in range(1, 4):
            if self.skip_dead and not self.live[target]:
                nodes.append(None)
                continue
            total = None
            for (source, tgt), layer in zip(EDGES, self.edges):
                if tgt == target:
                    # only a `none` edge leaves a dead node: it gives zeros from any input
                    source_value = nodes[source] if nodes[source] is not None else x
                    out = layer(source_value)
                    total = out if total is None else total + out
            nodes.append(total)
        return nodes[3]


class ResidualReduction(nn.Module):
    """The ResNet basic block between stages: stride 2, channels doubled."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, kernel_size=1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class NB201Network(nn.Module):
    """The official macro skeleton: stem, 3 stages of N cells, 2 reduction blocks, BN-ReLU-pool-linear."""

    def __init__(self, ops: Sequence[str], num_classes: int, channels: int = 16, cells_per_stage: int = 5,
                 in_channels: int = 3):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(channels)
        )
        layers: list[nn.Module] = []
        c = channels
        for stage in range(3):
            if stage > 0:
                layers.append(ResidualReduction(c, 2 * c))
                c *= 2
            layers.extend(Cell(ops, c) for _ in range(cells_per_stage))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=False))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)

    def skip_dead_branches(self) -> None:
        """Stop computing nodes whose every way to the cell output goes through ``none``.

        Their ops are multiplied by zero before they reach the output, so the output and
        every gradient are unchanged (the dead weights' gradients stay exactly zero) while
        the forward and backward passes get cheaper. Hidden activations of the skipped ops
        are no longer produced, so only proxies that read outputs, losses and gradients may
        ask for this (``Proxy.needs_dead_branches = False``). The one thing lost: an inf or
        NaN inside a dead branch no longer turns the output into NaN.
        """
        for cell in self.cells:
            if isinstance(cell, Cell):
                cell.skip_dead = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.lastact(self.cells(self.stem(x)))
        return self.classifier(torch.flatten(self.global_pooling(features), 1))


@register_space("nb201")
class NB201Space(SearchSpace):
    """NAS-Bench-201 cell space (C=16, N=5 macro skeleton by default)."""

    ops = OPS
    edges = EDGES
    default_task = "cifar10"
    default_benchmark = "nb201-cifar10"

    def __init__(self, channels: int = 16, cells_per_stage: int = 5):
        self.channels = channels
        self.cells_per_stage = cells_per_stage

    # --- string forms -------------------------------------------------------------------
    def from_ops(self, ops: Sequence[str]) -> Architecture:
        ops = tuple(ops)
        if len(ops) != NUM_EDGES or any(op not in OPS for op in ops):
            raise ValueError(f"a NAS-Bench-201 cell has 6 ops from {OPS}, got {ops!r}")
        return Architecture.from_edges(
            self.name, ops_to_string(ops), ((s, t, op) for (s, t), op in zip(EDGES, ops))
        )

    def parse(self, text: str) -> Architecture:
        """Accepts the official string or the NASLib 6-tuple written as text, e.g. '(4, 0, 3, 1, 4, 3)'."""
        if _TUPLE_RE.match(text.strip()):
            return self.from_tuple([int(c) for c in re.findall(r"\d", text)])
        return self.from_ops(string_to_ops(text))

    def from_tuple(self, encoding: Sequence[int]) -> Architecture:
        return self.from_ops(tuple_to_ops(encoding))

    def to_tuple(self, arch: Architecture) -> tuple[int, ...]:
        return ops_to_tuple(arch.ops)

    # --- sampling and moves ---------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> Architecture:
        return self.from_ops(OPS[int(i)] for i in rng.integers(len(OPS), size=NUM_EDGES))

    def neighbours(self, arch: Architecture) -> list[Architecture]:
        result = []
        for position, current in enumerate(arch.ops):
            for op in OPS:
                if op != current:
                    ops = list(arch.ops)
                    ops[position] = op
                    result.append(self.from_ops(ops))
        return result

    def mutate(self, arch: Architecture, rng: np.random.Generator, distance: int = 1) -> Architecture:
        if not 1 <= distance <= NUM_EDGES:
            raise ValueError(f"edit distance in NAS-Bench-201 is 1..{NUM_EDGES}, got {distance}")
        ops = list(arch.ops)
        for position in rng.choice(NUM_EDGES, size=distance, replace=False):
            others = [op for op in OPS if op != ops[position]]
            ops[position] = others[int(rng.integers(len(others)))]
        return self.from_ops(ops)

    def edit_distance(self, a: Architecture, b: Architecture) -> int:
        return sum(x != y for x, y in zip(a.ops, b.ops))

    # --- enumeration and isomorphism ------------------------------------------------------
    def enumerate(self) -> Iterator[Architecture]:
        for ops in itertools.product(OPS, repeat=NUM_EDGES):
            yield self.from_ops(ops)

    def __len__(self) -> int:
        return len(OPS) ** NUM_EDGES

    def canonical_key(self, arch: Architecture) -> str:
        """Same for cells that compute the same function of the input for matching weights.

        Rule: the cell's output written as a sum of terms (``skip_connect`` passes terms on,
        ``none`` and anything applied to a zero node drop out, sums are order-free).
        """
        return _expression(arch.ops)

    def official_unique_key(self, arch: Architecture) -> str:
        """The NAS-Bench-201 authors' rule, which keeps zero terms (for comparison only)."""
        return _official_unique_string(arch.ops)

    @cached_property
    def _representatives(self) -> dict[str, Architecture]:
        reps: dict[str, Architecture] = {}
        for arch in self.enumerate():  # enumeration order: the first cell of a class represents it
            reps.setdefault(self.canonical_key(arch), arch)
        return reps

    def canonical(self, arch: Architecture) -> Architecture:
        return self._representatives[self.canonical_key(arch)]

    # --- networks ---------------------------------------------------------------------------
    def build(self, arch: Architecture, task: Task) -> nn.Module:
        return NB201Network(
            arch.ops,
            num_classes=task.num_classes,
            channels=self.channels,
            cells_per_stage=self.cells_per_stage,
            in_channels=task.input_shape[0],
        )
