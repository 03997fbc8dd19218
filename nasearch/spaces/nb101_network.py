"""The NAS-Bench-101 network: the benchmark's fixed skeleton around a (pruned) cell, and the
exact analytic parameter count of it.

Skeleton (the benchmark's model builder, default configuration): a 3x3 conv-BN-ReLU stem
(128 channels), then 3 stacks of 3 cells; between stacks a 2x2 max-pool (stride 2) and the
channel count doubles; global average pooling and a dense layer to the classes.

Inside a cell with C_in input and C_out output channels: the vertices feeding the output
share C_out (the first ``C_out % k`` of them get one channel more, k = their number); every
other interior vertex takes the largest channel count among its interior successors. An
interior vertex sums its inputs: the cell input through a 1x1 conv-BN-ReLU projection to its
channel count, other vertices truncated to its first channels. The output concatenates the
vertices feeding it (in vertex order) and adds a projection of the cell input when the input
feeds the output directly. Convolutions have no bias; batch norm has scale and shift
(momentum 0.997 in TensorFlow's convention, eps 1e-5).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from nasearch.spaces.nb101_graph import CONV1X1, CONV3X3, MAXPOOL3X3, Cell

BN_MOMENTUM = 1 - 0.997  # TensorFlow's decay 0.997 in PyTorch's convention
BN_EPS = 1e-5


def vertex_channels(matrix: np.ndarray, c_in: int, c_out: int) -> list[int]:
    """Channels of each vertex of a pruned cell (the benchmark's rule, see module docstring)."""
    n = matrix.shape[0]
    channels = [0] * n
    channels[0], channels[n - 1] = c_in, c_out
    if n == 2:
        return channels
    feeding_output = [v for v in range(1, n - 1) if matrix[v, n - 1]]
    share, extra = divmod(c_out, len(feeding_output))
    for rank, v in enumerate(feeding_output):
        channels[v] = share + (1 if rank < extra else 0)
    for v in range(n - 3, 0, -1):
        if not matrix[v, n - 1]:
            channels[v] = max(channels[w] for w in range(v + 1, n - 1) if matrix[v, w])
    if any(c <= 0 for c in channels[1:-1]):
        raise ValueError(f"a cell vertex gets no channels (output channels {c_out} too few for the cell)")
    return channels


class ConvBNReLU(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int):
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out, eps=BN_EPS, momentum=BN_MOMENTUM),
            nn.ReLU(inplace=False),
        )


def make_op(op: str, channels: int) -> nn.Module:
    if op == CONV3X3:
        return ConvBNReLU(channels, channels, 3)
    if op == CONV1X1:
        return ConvBNReLU(channels, channels, 1)
    if op == MAXPOOL3X3:
        return nn.MaxPool2d(3, stride=1, padding=1)
    raise ValueError(f"unknown NAS-Bench-101 op {op!r}")


class NB101Cell(nn.Module):
    """One cell (a "module" in the benchmark's words) of a pruned spec."""

    def __init__(self, cell: Cell, c_in: int, c_out: int):
        super().__init__()
        self.matrix = cell.array()
        n = self.n = cell.num_vertices
        self.channels = vertex_channels(self.matrix, c_in, c_out)
        self.ops = nn.ModuleList([nn.Identity()] + [make_op(cell.ops[v], self.channels[v]) for v in range(1, n - 1)])
        # projection of the cell input to each vertex it feeds (key: vertex number)
        self.projections = nn.ModuleDict({
            str(v): ConvBNReLU(c_in, self.channels[v], 1) for v in range(1, n) if self.matrix[0, v]
        })
        self.sources = [[u for u in range(1, v) if self.matrix[u, v]] for v in range(n)]
        self.to_output = [v for v in range(1, n - 1) if self.matrix[v, n - 1]]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.n
        values: list[torch.Tensor] = [x]
        for v in range(1, n - 1):
            terms = [values[u][:, : self.channels[v]] for u in self.sources[v]]
            if self.matrix[0, v]:
                terms.append(self.projections[str(v)](x))
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            values.append(self.ops[v](total))
        if not self.to_output:
            return self.projections[str(n - 1)](x)
        out = values[self.to_output[0]] if len(self.to_output) == 1 else torch.cat(
            [values[v] for v in self.to_output], dim=1)
        if self.matrix[0, n - 1]:
            out = out + self.projections[str(n - 1)](x)
        return out


class NB101Network(nn.Module):
    """Stem, ``stacks`` stacks of ``cells_per_stack`` cells with max-pool and channel doubling
    between them, global average pooling, dense head."""

    def __init__(self, cell: Cell, num_classes: int = 10, stem_channels: int = 128, stacks: int = 3,
                 cells_per_stack: int = 3, in_channels: int = 3):
        super().__init__()
        self.stem = ConvBNReLU(in_channels, stem_channels, 3)
        layers: list[nn.Module] = []
        c_in = c_out = stem_channels
        for stack in range(stacks):
            if stack > 0:
                layers.append(nn.MaxPool2d(2, stride=2))
                c_out *= 2
            for _ in range(cells_per_stack):
                layers.append(NB101Cell(cell, c_in, c_out))
                c_in = c_out
        self.cells = nn.Sequential(*layers)
        self.classifier = nn.Linear(c_out, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.cells(self.stem(x))
        return self.classifier(features.mean(dim=(2, 3)))


def count_parameters(cell: Cell, num_classes: int = 10, stem_channels: int = 128, stacks: int = 3,
                     cells_per_stack: int = 3, in_channels: int = 3) -> int:
    """Trainable parameters of ``NB101Network(cell, ...)`` without building it (exact)."""
    matrix = cell.array()
    n = cell.num_vertices
    total = 9 * in_channels * stem_channels + 2 * stem_channels
    c_in = c_out = stem_channels
    for stack in range(stacks):
        if stack > 0:
            c_out *= 2
        for _ in range(cells_per_stack):
            channels = vertex_channels(matrix, c_in, c_out)
            for v in range(1, n):
                if matrix[0, v]:
                    total += c_in * channels[v] + 2 * channels[v]
            for v in range(1, n - 1):
                kernel_area = {CONV3X3: 9, CONV1X1: 1}.get(cell.ops[v], 0)
                if kernel_area:
                    total += kernel_area * channels[v] ** 2 + 2 * channels[v]
            c_in = c_out
    return total + c_out * num_classes + num_classes


def count_parameters_many(cells: Sequence[Cell], **skeleton: int) -> np.ndarray:
    return np.array([count_parameters(c, **skeleton) for c in cells], dtype=np.int64)
