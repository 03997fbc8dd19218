"""The contracts between the parts of nasearch: SearchSpace, Proxy, Benchmark, Strategy, the
``Scorer`` a strategy sees of a proxy, and the ``Task`` a network is built for.

Each part knows only these interfaces: a proxy sees a ``torch.nn.Module`` and a ``Batch``,
a strategy sees a ``SearchSpace`` and a ``Scorer`` (architecture -> oriented score, with
counters), and a benchmark maps an architecture to a ``TrainResult``. Everything one part
reads of another is declared here, typed, with its default; nothing is probed with
``hasattr``. The module is long on purpose: every contract lives in this one file, each with
the documentation a plug-in author needs.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterator, Protocol, Sequence, runtime_checkable

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict

from nasearch.architecture import Architecture


class Config(BaseModel):
    """Base of every configuration: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Task:
    """What a network is built for. ``kind`` says which family of inputs and outputs it has
    ("image": classify images; "language": predict the next token); spaces build and proxies
    apply to the kinds they declare."""

    name: str
    kind: ClassVar[str] = ""


@dataclass(frozen=True)
class ImageTask(Task):
    """Image classification: class count and the shape of one input image."""

    num_classes: int = 10
    input_shape: tuple[int, int, int] = (3, 32, 32)  # (channels, height, width)
    kind: ClassVar[str] = "image"


@dataclass(frozen=True)
class LanguageTask(Task):
    """Language modelling: token ids in, a next-token distribution out."""

    vocab_size: int = 10_000
    seq_len: int = 35
    kind: ClassVar[str] = "language"


TASKS: dict[str, Task] = {
    "cifar10": ImageTask("cifar10", 10, (3, 32, 32)),
    "cifar100": ImageTask("cifar100", 100, (3, 32, 32)),
    "imagenet16-120": ImageTask("imagenet16-120", 120, (3, 16, 16)),
}


def register_task(task: Task) -> Task:
    """Make ``task`` known by name (for ``get_task``, the CLI and experiment files)."""
    existing = TASKS.get(task.name)
    if existing is not None and existing != task:
        raise ValueError(f"task {task.name!r} is already registered as {existing}")
    TASKS[task.name] = task
    return task


def get_task(task: "Task | str") -> Task:
    """``task`` itself, or the registered task of that name (KeyError listing the known ones)."""
    if isinstance(task, Task):
        return task
    try:
        return TASKS[task]
    except KeyError:
        raise KeyError(f"unknown task {task!r}; known tasks: {', '.join(sorted(TASKS))}") from None


@dataclass(frozen=True)
class Batch:
    """One minibatch: inputs (N, C, H, W) and, when known, integer labels (N,); for a language
    task, token ids (N, T) and the next-token targets flattened to (N*T,) (``nasearch.language``)."""

    inputs: torch.Tensor
    labels: torch.Tensor | None = None
    fingerprint: str = ""  # identifies the data in the score store


@dataclass(frozen=True)
class TrainResult:
    """What "training" an architecture gives: the benchmark's measure on the validation and
    test splits, and the training cost it stands for.

    The measure is accuracy in percent unless ``higher_is_better`` is False (perplexity, a
    loss): then ``valid_accuracy``/``test_accuracy`` hold that lower-is-better measure, and
    everything that compares results (strategies, the loop, reports) goes through
    ``fitness``/``test_fitness``, which are oriented so that higher is better.
    """

    valid_accuracy: float
    test_accuracy: float
    cost_seconds: float = math.nan  # training time the result stands for (NaN if unknown)
    higher_is_better: bool = True

    @property
    def fitness(self) -> float:
        """The validation measure oriented so that higher is better (NaN stays NaN)."""
        return self.valid_accuracy if self.higher_is_better else -self.valid_accuracy

    @property
    def test_fitness(self) -> float:
        return self.test_accuracy if self.higher_is_better else -self.test_accuracy


class NoNetworkError(NotImplementedError):
    """The space has no network builder (or none for this task): only table proxies apply."""


class NotEnumerableError(NotImplementedError):
    """The space cannot list its cells (infinite, or too large to list)."""


def _require_name(cls: type, kind: str, decorator: str) -> None:
    if not getattr(cls, "name", ""):
        raise TypeError(
            f"{kind} class {cls.__qualname__} has no name: register it with "
            f"@{decorator}('my-name') or set the class attribute name = 'my-name'"
        )


class SearchSpace(ABC):
    """A space of cells: sampling, edit-distance moves, string forms and network building.

    Required: ``sample``, ``neighbours``, ``edit_distance``, ``parse``. Optional:
    ``build`` (without it only table proxies apply, and asking for a network proxy says so),
    ``enumerate``/``__len__`` (finite spaces), ``canonical_key``/``canonical`` (spaces with
    isomorphic cells). ``default_task`` and ``default_benchmark`` are what the CLI and
    experiment files use when a user names none.
    """

    name: ClassVar[str] = ""
    # False when ``edit_distance`` is an upper bound (e.g. the best node matching found for
    # graphs where the exact distance is NP-hard), so it need not satisfy the triangle inequality.
    exact_edit_distance: ClassVar[bool] = True
    default_task: ClassVar[str] = "cifar10"
    default_benchmark: ClassVar[str | None] = None
    task_kinds: ClassVar[frozenset[str]] = frozenset({"image"})
    # proxy options a paper fixes per space (e.g. epsinas's weight pair), applied by
    # ``make_scorer`` under the user's own options: {proxy name: {option: value}}
    proxy_defaults: ClassVar[dict[str, dict[str, Any]]] = {}

    def __new__(cls, *args: Any, **kwargs: Any) -> "SearchSpace":
        _require_name(cls, "search space", "register_space")
        return super().__new__(cls)

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

    def build(self, arch: Architecture, task: Task) -> torch.nn.Module:
        """The PyTorch network of the cell for ``task`` (random initialisation)."""
        raise NoNetworkError(self._no_network_message(task))

    @property
    def has_network(self) -> bool:
        """Whether the space builds networks at all (it overrides ``build``)."""
        return type(self).build is not SearchSpace.build

    def can_build(self, task: Task) -> bool:
        """Whether ``build`` gives a network for ``task``."""
        return self.has_network and task.kind in self.task_kinds

    def _no_network_message(self, task: Task) -> str:
        if not self.has_network:
            return (f"search space {self.name!r} has no network builder, so proxies that run a network "
                    f"cannot score it; use a score table (--proxy table:PATH:COLUMN) or add a build() method")
        return (f"search space {self.name!r} builds networks for {', '.join(sorted(self.task_kinds))} tasks, "
                f"not for {task.kind} task {task.name!r}")

    def benchmark_from_path(self, path: str) -> "Benchmark | None":
        """A benchmark read from a file or folder in the space's own official format (e.g. a
        benchmark's released logs or records); None when the space reads no such format.
        CSV/JSON tables are read by ``TableBenchmark`` for every space."""
        return None

    def pool_distance(self, a: Architecture, b: Architecture) -> int:
        """The distance a search restricted to a pool of cells ranks neighbours by (default:
        ``edit_distance``; a space whose exact distance is costly may give a cheaper one)."""
        return self.edit_distance(a, b)

    @property
    def is_finite(self) -> bool:
        """Whether ``enumerate`` lists every cell."""
        return type(self).enumerate is not SearchSpace.enumerate

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
        raise NotEnumerableError(
            f"search space {self.name!r} cannot list its cells; sample a number of them instead (--sample N)")

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
    # True when the proxy returns -inf/+inf on purpose, as a value that ranks below/above every
    # number (e.g. epsinas's whole-space option for cells with no path); otherwise an infinite
    # result is undefined and the scorer stores NaN.
    infinite_values: ClassVar[bool] = False
    # The task kinds whose networks the proxy can score ("image", "language").
    task_kinds: ClassVar[frozenset[str]] = frozenset({"image"})
    Config: ClassVar[type[Config]] = Config

    def __new__(cls, *args: Any, **kwargs: Any) -> "Proxy":
        _require_name(cls, "proxy", "register_proxy")
        return super().__new__(cls)

    def __init__(self, **config: Any) -> None:
        self.config = self.Config(**config)

    def check_task(self, task: Task) -> None:
        """Raise ValueError when the proxy does not apply to ``task``'s kind of network."""
        if task.kind not in self.task_kinds:
            raise ValueError(f"proxy {self.name!r} applies to {', '.join(sorted(self.task_kinds))} tasks, "
                             f"not to the {task.kind} task {task.name!r}")

    @abstractmethod
    def score(self, model: torch.nn.Module, batch: Batch) -> float: ...

    def config_dict(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config_dict().items())
        return f"{type(self).__name__}({args})"


class Benchmark(ABC):
    """The trained-architecture oracle: ``train(arch)`` looks up (or really trains) a cell.

    ``covers(arch)`` answers without training; ``higher_is_better`` says how the benchmark's
    measure is oriented (False for perplexity), and the results it returns carry it.
    """

    name: str = ""
    space_name: str
    task: Task
    higher_is_better: ClassVar[bool] = True

    @abstractmethod
    def train(self, arch: Architecture) -> TrainResult:
        """Raises KeyError naming the cell if the benchmark does not cover it."""

    @abstractmethod
    def covers(self, arch: Architecture) -> bool:
        """Whether ``train`` has a result for ``arch``; never trains (a training function
        covers every cell)."""

    def architectures(self) -> list[Architecture] | None:
        """The cells the benchmark holds, where it is a finite table (None: it cannot list them)."""
        return None


@runtime_checkable
class Scorer(Protocol):
    """What strategies and the search loop read of a proxy.

    ``scorer(arch)`` and ``oriented_many(archs)`` give scores oriented so that higher is better
    (NaN possible, ranked below every number). ``calls`` counts scores handed out, ``nan`` the
    NaNs among them, ``charged_seconds`` what the distinct scores handed out since the last
    ``begin_run()`` cost to compute. ``manifest()`` names the proxy, its config, data and seed
    for a search result's manifest.
    """

    calls: int
    nan: int
    charged_seconds: float

    def __call__(self, arch: Architecture) -> float: ...

    def oriented_many(self, archs: Sequence[Architecture], progress: bool = False) -> np.ndarray: ...

    def begin_run(self) -> None: ...

    def manifest(self) -> dict[str, Any]: ...


class FunctionScorer:
    """A plain function ``arch -> score`` (higher is better) as a ``Scorer``; calls are timed."""

    def __init__(self, fn: Callable[[Architecture], float], name: str = "function"):
        self.fn = fn
        self.name = name
        self.calls = 0
        self.nan = 0
        self.charged_seconds = 0.0

    def __call__(self, arch: Architecture) -> float:
        return float(self.oriented_many([arch])[0])

    def oriented_many(self, archs: Sequence[Architecture], progress: bool = False) -> np.ndarray:
        import time

        start = time.perf_counter()
        values = np.array([float(self.fn(a)) for a in archs], dtype=float)
        self.charged_seconds += time.perf_counter() - start
        self.calls += len(values)
        self.nan += int(np.isnan(values).sum())
        return values

    def begin_run(self) -> None:
        pass

    def manifest(self) -> dict[str, Any]:
        return {"proxy": self.name}


def as_scorer(scorer: "Scorer | Callable[[Architecture], float] | None") -> "Scorer | None":
    """``scorer`` itself when it keeps the Scorer contract; a plain function wrapped."""
    if scorer is None or isinstance(scorer, Scorer):
        return scorer
    if callable(scorer):
        return FunctionScorer(scorer, getattr(scorer, "__name__", "function"))
    raise TypeError(f"a scorer must be callable (architecture -> float), got {type(scorer).__name__}")


@runtime_checkable
class DeadBranchSkipping(Protocol):
    """A network that can stop computing branches whose value is multiplied by zero before
    the output (bit-identical output and gradients); scorers ask it to for proxies with
    ``needs_dead_branches = False``."""

    def skip_dead_branches(self) -> None: ...


class Strategy(ABC):
    """Ask/tell search strategy.

    ``ask`` proposes the next architecture to train; ``tell`` reports its result. A strategy
    may call its ``scorer`` as often as it likes: those calls are zero-cost evaluations, not
    trained architectures. ``recommend`` is the final pick (by default the best validation
    accuracy told so far).

    Parallel asks: ``ask`` may be called again before earlier proposals are told (they are
    pending, e.g. trials running on other workers). It must then still return a cell, by the
    rule the strategy states in ``parallel_rule``; it may return a pending or trained cell,
    which the driver (``nasearch.strategies.parallel.AskTellSession``) never hands out again:
    it answers a trained one from memory and asks anew for a pending one.
    """

    name: ClassVar[str] = ""
    needs_proxy: ClassVar[bool] = False
    # True for training-free strategies: they train exactly one architecture, their final
    # pick, so a search with them always has a budget of 1.
    trains_only_pick: ClassVar[bool] = False
    # What ``ask`` proposes while earlier proposals are pending (one sentence, for users).
    parallel_rule: ClassVar[str] = "ask() is called anew; pending and trained cells are never handed out twice"
    Config: ClassVar[type[Config]] = Config

    def __new__(cls, *args: Any, **kwargs: Any) -> "Strategy":
        _require_name(cls, "strategy", "register_strategy")
        return super().__new__(cls)

    def __init__(self, space: SearchSpace, seed: int = 0,
                 scorer: Scorer | Callable[[Architecture], float] | None = None,
                 distinct_networks: bool = False, **config: Any):
        if self.needs_proxy and scorer is None:
            raise ValueError(f"strategy {self.name!r} ranks cells by a proxy: pass a scorer (--proxy NAME)")
        self.space = space
        # False by default: the published NAS-Bench-201 protocols count isomorphic cells as
        # separate architectures (their tables hold one row per cell string). True treats
        # cells with one canonical key as one network: pools hold each network once, and the
        # search loop trains it once.
        self.distinct_networks = distinct_networks
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.scorer: Scorer | None = as_scorer(scorer)
        self.config = self.Config(**config)
        self.history: list[tuple[Architecture, TrainResult]] = []

    def identity(self, arch: Architecture) -> str:
        """What makes two proposals the same: the network (canonical key) with
        ``distinct_networks``, else the cell string."""
        return self.space.canonical_key(arch) if self.distinct_networks else arch.text

    @abstractmethod
    def ask(self) -> Architecture: ...

    def tell(self, arch: Architecture, result: TrainResult) -> None:
        self.history.append((arch, result))

    def recommend(self) -> Architecture | None:
        if not self.history:
            return None
        return max(self.history, key=lambda item: _nan_low(item[1].fitness))[0]

    def config_dict(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json")


def _nan_low(value: float) -> float:
    return -math.inf if math.isnan(value) else value


def rank_key(score: float) -> float:
    """Sort key under which a NaN score ranks below every number (use with max/sorted)."""
    return _nan_low(score)
