"""A search space that is not a cell: a chain of four blocks between a stem and a classifier.

Each position holds one block: a 3x3 convolution 16 or 32 channels wide, a 5x5 convolution
16 wide, a 3x3 max-pooling of stride 2, or ``skip`` (nothing). 5**4 = 625 chains. A skip is
the identity, so chains that are equal once their skips are removed build the same network
(341 distinct networks): that is the space's ``canonical_key``.

``write_table`` writes a CSV of made-up accuracies for every chain (a stand-in for the
accuracies you measure), and ``ChainTable`` is the benchmark reading it.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from torch import nn

from nasearch import Architecture, SearchSpace, Task
from nasearch.benchmarks import TableBenchmark

BLOCKS = ("conv3x3-16", "conv3x3-32", "conv5x5-16", "maxpool", "skip")
POSITIONS = 4


def make_block(block: str, channels: int) -> tuple[nn.Module, int]:
    """The block's layers and the channels it outputs."""
    if block == "skip":
        return nn.Identity(), channels
    if block == "maxpool":
        return nn.MaxPool2d(3, stride=2, padding=1), channels
    kernel, width = int(block[4]), int(block.split("-")[1])  # "conv3x3-32" -> 3, 32
    conv = nn.Conv2d(channels, width, kernel, padding=kernel // 2, bias=False)
    return nn.Sequential(conv, nn.BatchNorm2d(width), nn.ReLU()), width


class ChainNetwork(nn.Sequential):
    def __init__(self, blocks: Sequence[str], in_channels: int, num_classes: int, stem: int = 16):
        layers: list[nn.Module] = [nn.Conv2d(in_channels, stem, 3, padding=1, bias=False),
                                   nn.BatchNorm2d(stem), nn.ReLU()]
        channels = stem
        for block in blocks:
            layer, channels = make_block(block, channels)
            layers.append(layer)
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes)]
        super().__init__(*layers)


class ChainSpace(SearchSpace):
    """Chains of four blocks (3x3 or 5x5 convolutions, max-pooling, skip): 625 chains."""

    name = "chain"  # also the entry-point name in pyproject.toml
    default_task = "cifar10"
    default_benchmark = "chain-toy"

    def from_blocks(self, blocks: Sequence[str]) -> Architecture:
        blocks = tuple(blocks)
        if len(blocks) != POSITIONS or any(b not in BLOCKS for b in blocks):
            raise ValueError(f"a chain is {POSITIONS} blocks from {', '.join(BLOCKS)} joined by '>', "
                             f"got {'>'.join(blocks)!r}")
        return Architecture.from_edges(self.name, ">".join(blocks), ((i, i + 1, b) for i, b in enumerate(blocks)))

    def parse(self, text: str) -> Architecture:
        return self.from_blocks([part.strip() for part in text.split(">")])

    def sample(self, rng: np.random.Generator) -> Architecture:
        return self.from_blocks([BLOCKS[i] for i in rng.integers(len(BLOCKS), size=POSITIONS)])

    def neighbours(self, arch: Architecture) -> list[Architecture]:
        return [self.from_blocks(arch.ops[:i] + (block,) + arch.ops[i + 1:])
                for i in range(POSITIONS) for block in BLOCKS if block != arch.ops[i]]

    def edit_distance(self, a: Architecture, b: Architecture) -> int:
        return sum(x != y for x, y in zip(a.ops, b.ops))

    def enumerate(self) -> Iterator[Architecture]:
        return (self.from_blocks(blocks) for blocks in itertools.product(BLOCKS, repeat=POSITIONS))

    def __len__(self) -> int:
        return len(BLOCKS) ** POSITIONS

    def canonical_key(self, arch: Architecture) -> str:
        return ">".join(b for b in arch.ops if b != "skip") or "identity"

    def canonical(self, arch: Architecture) -> Architecture:
        kept = [b for b in arch.ops if b != "skip"]  # the skips moved to the end
        return self.from_blocks(kept + ["skip"] * (POSITIONS - len(kept)))

    def build(self, arch: Architecture, task: Task) -> nn.Module:
        return ChainNetwork(arch.ops, task.input_shape[0], task.num_classes)


GAIN = {"conv3x3-16": 5.0, "conv3x3-32": 7.0, "conv5x5-16": 6.0, "maxpool": 2.0, "skip": 0.0}


def made_up_accuracy(space: ChainSpace, arch: Architecture) -> tuple[float, float]:
    """(validation, test) accuracy in percent: 60 plus a gain per block plus noise that is
    fixed per network (twins share it). Replace with the accuracies you measure."""
    digest = hashlib.sha256(space.canonical_key(arch).encode()).digest()
    noise = np.random.default_rng(int.from_bytes(digest[:8], "little")).uniform(-2, 2, size=2)
    valid = 60 + sum(GAIN[b] for b in arch.ops) + noise[0]
    return round(valid, 2), round(valid - 0.5 + noise[1] / 2, 2)


def write_table(path: str | Path) -> Path:
    """Write the accuracy of every chain to a CSV file (columns arch, valid_accuracy, test_accuracy)."""
    space = ChainSpace()
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["arch", "valid_accuracy", "test_accuracy"])
        for arch in space.enumerate():
            writer.writerow([arch.text, *made_up_accuracy(space, arch)])
    return Path(path)


class ChainTable(TableBenchmark):
    """Made-up accuracies of every chain, read from a CSV (default: the one shipped here)."""

    def __init__(self, path: str | Path | None = None):
        path = path or Path(__file__).with_name("accuracy.csv")
        super().__init__(path, ChainSpace(), ChainSpace.default_task, name="chain-toy")
