"""The four abstract parts of nasearch: SearchSpace, Proxy, Benchmark and Strategy.

Each part knows only these interfaces: a proxy sees a ``torch.nn.Module`` and a ``Batch``,
a strategy sees a ``SearchSpace`` and a zero-cost ``Scorer`` (a callable from architecture
to float), and a benchmark maps an architecture to a ``TrainResult``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterator

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict

from nasearch.architecture import Architecture


class Config(BaseModel):
    """Base of every configuration: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Task:
    """What a network is built for: class count and the shape of one input image."""

    name: str
    num_classes: int
    input_shape: tuple[int, int, int]  # (channels, height, width)


TASKS: dict[str, Task] = {
    "cifar10": Task("cifar10", 10, (3, 32, 32)),
    "cifar100": Task("cifar100", 100, (3, 32, 32)),
    "imagenet16-120": Task("imagenet16-120", 120, (3, 16, 16)),
}


@dataclass(frozen=True)
class Batch:
    """One minibatch: inputs (N, C, H, W) and, when known, integer labels (N,)."""

    inputs: torch.Tensor
    labels: torch.Tensor | None = None
    fingerprint: str = ""  # identifies the data in the score store


@dataclass(frozen=True)
class TrainResult:
    """What "training" an architecture gives: accuracies in percent and the cost it stands for."""

    valid_accuracy: float
    test_accuracy: float
    cost_seconds: float = math.nan  # training time the result stands for (NaN if unknown)


class SearchSpace(ABC):
    """A space of cells: sampling, edit-distance moves, string forms and network building."""

    name: ClassVar[str]

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> Architecture:
        """A cell drawn uniformly at random."""

    @abstractmethod
    def neighbours(self, arch: Architecture) -> list[Architecture]:
        """Every cell at edit distance 1, in a fixed order."""

    @abstractmethod
    def edit_distance(self, a: Architecture, b: Architecture) -> int: ...

    @abstractmethod
    def parse(self, text: str) -> Architecture:
        """The cell from its string form; raises ValueError naming what is wrong."""

    @abstractmethod
    def build(self, arch: Architecture, task: Task) -> torch.nn.Module:
        """The PyTorch network of the cell for ``task`` (random initialisation)."""

    def format(self, arch: Architecture) -> str:
        return arch.text

    def mutate(self, arch: Architecture, rng: np.random.Generator, distance: int = 1) -> Architecture:
        """A random cell at exactly ``distance`` edits from ``arch``.

        The default walks through neighbours and keeps only strictly increasing distances;
        spaces with a direct construction override it.
        """
        if distance < 1:
            raise ValueError(f"distance must be >= 1, got {distance}")
        current = arch
        for step in range(distance):
            options = [n for n in self.neighbours(current) if self.edit_distance(arch, n) == step + 1]
            if not options:
                raise ValueError(f"no cell at edit distance {distance} from {arch}")
            current = options[int(rng.integers(len(options)))]
        return current

    def canonical_key(self, arch: Architecture) -> str:
        """A key shared by cells that build the same network (default: the string form)."""
        return arch.text

    def canonical(self, arch: Architecture) -> Architecture:
        """One fixed representative of ``arch``'s isomorphism class (default: ``arch``)."""
        return arch

    def enumerate(self) -> Iterator[Architecture]:
        """Every cell, where the space is finite."""
        raise NotImplementedError(f"search space {self.name!r} cannot be enumerated")

    def __len__(self) -> int:
        raise TypeError(f"search space {self.name!r} has no finite size")


class Proxy(ABC):
    """A zero-cost score of an untrained network on one minibatch.

    Subclasses set ``name`` (through ``@register_proxy``), ``higher_is_better`` and what they
    need, and may declare a pydantic ``Config``. ``score`` returns ``nan`` when the value is
    undefined; callers count NaNs, nothing substitutes a number for them.
    """

    name: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True
    needs_data: ClassVar[bool] = True
    needs_labels: ClassVar[bool] = False
    needs_gradients: ClassVar[bool] = False
    # False when the proxy overwrites every weight itself: the scorer may then build the
    # network on the meta device and skip random initialisation.
    needs_random_init: ClassVar[bool] = True
    # True when the score depends only on the function the network computes, so cells with
    # the same canonical key share one score (computed on the class representative). False
    # for anything that counts layers a dead branch still has (parameters, FLOPs, ReLU codes).
    isomorphism_invariant: ClassVar[bool] = False
    # False when the score reads only the network's output, loss and gradients: the scorer
    # then asks the network (if it offers ``skip_dead_branches()``) not to compute branches
    # whose value is multiplied by zero before the output. True for anything that reads
    # hidden activations as they are (ReLU codes), which dead branches still produce.
    needs_dead_branches: ClassVar[bool] = True
    # True when the proxy's passes run faster on CPU with 4-D tensors in channels-last
    # layout (measured per proxy; the values change only by float rounding).
    prefers_channels_last: ClassVar[bool] = False
    Config: ClassVar[type[Config]] = Config

    def __init__(self, **config: Any) -> None:
        self.config = self.Config(**config)

    @abstractmethod
    def score(self, model: torch.nn.Module, batch: Batch) -> float: ...

    def config_dict(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config_dict().items())
        return f"{type(self).__name__}({args})"


class Benchmark(ABC):
    """The trained-architecture oracle: ``train(arch)`` looks up (or really trains) a cell."""

    name: ClassVar[str] = ""
    space_name: str
    task: Task

    @abstractmethod
    def train(self, arch: Architecture) -> TrainResult:
        """Raises KeyError naming the cell if the benchmark does not cover it."""

    def covers(self, arch: Architecture) -> bool:
        try:
            self.train(arch)
        except KeyError:
            return False
        return True


Scorer = Callable[[Architecture], float]
"""What a strategy sees of a proxy: architecture -> score (higher is better, NaN possible)."""


class Strategy(ABC):
    """Ask/tell search strategy.

    ``ask`` proposes the next architecture to train; ``tell`` reports its result. A strategy
    may call its ``scorer`` as often as it likes: those calls are zero-cost evaluations, not
    trained architectures. ``recommend`` is the final pick (by default the best validation
    accuracy told so far).
    """

    name: ClassVar[str] = ""
    needs_proxy: ClassVar[bool] = False
    Config: ClassVar[type[Config]] = Config

    def __init__(self, space: SearchSpace, seed: int = 0, scorer: Scorer | None = None, **config: Any):
        if self.needs_proxy and scorer is None:
            raise ValueError(f"strategy {self.name!r} ranks cells by a proxy: pass a scorer (--proxy NAME)")
        self.space = space
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.scorer = scorer
        self.config = self.Config(**config)
        self.history: list[tuple[Architecture, TrainResult]] = []

    @abstractmethod
    def ask(self) -> Architecture: ...

    def tell(self, arch: Architecture, result: TrainResult) -> None:
        self.history.append((arch, result))

    def recommend(self) -> Architecture | None:
        if not self.history:
            return None
        return max(self.history, key=lambda item: _nan_low(item[1].valid_accuracy))[0]

    def config_dict(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json")


def _nan_low(value: float) -> float:
    return -math.inf if math.isnan(value) else value


def rank_key(score: float) -> float:
    """Sort key under which a NaN score ranks below every number (use with max/sorted)."""
    return _nan_low(score)
