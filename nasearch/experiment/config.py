"""The experiment file: its schema (pydantic), loading, checking and the combinations it runs.

An experiment file is TOML (read with the standard library, validated by pydantic)::

    name = "integration-cifar10"
    space = "nb201"         # default: nb201; benchmarks default to the space's own
    benchmarks = ["nb201-cifar10", { file = "acc.csv", valid_column = "val", test_column = "test" }]
    proxies = ["epsinas", "table:synflow"]
    rounds = 100            # round r runs with seed = seed + r (the same seeds in every combination)
    budget = 300            # trained architectures per run (a strategy may override it)
    seed = 0
    store = "results.sqlite"  # relative to the file; default: the score store
    distinct_networks = false  # true: cells of one network (same canonical key) are trained/scored once
    device = "cpu"          # where computed proxies run: cpu | cuda | cuda:N (`nasearch run --device` overrides)

    [data]                  # minibatch of computed proxies (e.g. epsinas)
    source = "grey"         # grey | uniform | normal | path of an .npz file
    batch_size = 256

    [[strategies]]
    name = "rea-warmup"
    label = "REA + warm-up"
    config = { pool = 3000 }

A strategy that needs a proxy runs once per proxy, one that does not runs once: each such
(benchmark, strategy, proxy) is a ``Combination``. A proxy is a registered proxy name, a
table preset ``table:<preset>``, or a table of its own ``{ name = "...", file = "x.csv",
key_column = "arch", value_column = "score" }``; ``file`` may map benchmark labels to files
(``file = { "nb201-cifar10" = "c10.csv", "nb201-cifar100-200ep" = "c100.csv" }``) for scores
that differ per dataset.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from nasearch.factory import BenchmarkSpec, benchmark_spec
from nasearch.messages import pydantic_message
from nasearch.registry import DEFAULT_SPACE


def device_name(value: str) -> str:
    """``value`` if it names a torch device of the form cpu, cuda or cuda:N. Only the form is
    checked here: a driver without a GPU may send rounds to GPU workers, where the device is
    resolved."""
    if re.fullmatch(r"cpu|cuda(:\d+)?", value) is None:
        raise ValueError(f"device must be cpu, cuda or cuda:N, got {value!r}")
    return value


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StrategySpec(_Spec):
    name: str
    label: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    budget: int | None = Field(None, ge=1, description="overrides the experiment's budget")

    @property
    def display(self) -> str:
        return self.label or self.name


class ProxySpec(_Spec):
    name: str
    label: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)  # registered proxies only
    table: str | None = None  # preset of nasearch.tables.presets
    file: str | dict[str, str] | None = None  # a score table of one's own, or one per benchmark label
    key_column: str = "arch"
    value_column: str | None = None
    higher_is_better: bool = True

    @model_validator(mode="after")
    def _one_source(self) -> "ProxySpec":
        if self.table is not None and self.file is not None:
            raise ValueError(f"proxy {self.name!r}: give either 'table' (a preset) or 'file', not both")
        return self

    @property
    def display(self) -> str:
        return self.label or (f"table:{self.table}" if self.table else self.name)

    def file_for(self, benchmark: str) -> str | None:
        """The score file for the benchmark labelled ``benchmark`` (None: not a file proxy)."""
        if self.file is None or isinstance(self.file, str):
            return self.file
        if benchmark not in self.file:
            raise KeyError(f"proxy {self.name!r} has no score file for benchmark {benchmark!r} "
                           f"(its files are for {', '.join(self.file)})")
        return self.file[benchmark]


@lru_cache(maxsize=64)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def file_digest(path: str) -> str:
    """Content hash of a table: a changed table makes new combinations, never stale results."""
    stat = Path(path).stat()
    return _file_digest(path, stat.st_mtime_ns, stat.st_size)


class DataSpec(_Spec):
    source: str = "grey"
    batch_size: int = Field(256, ge=1)
    seed: int = 0


class ExperimentConfig(_Spec):
    name: str = Field(min_length=1)
    description: str = ""
    space: str = DEFAULT_SPACE
    benchmarks: list[BenchmarkSpec] = Field(default_factory=list)
    strategies: list[StrategySpec] = Field(min_length=1)
    proxies: list[ProxySpec] = Field(default_factory=list)
    rounds: int = Field(ge=1)
    budget: int = Field(ge=1)
    seed: int = 0
    proxy_seed: int = 0  # random initialisation of computed proxies
    device: str = Field("cpu", description="torch device of computed proxies: cpu, cuda or cuda:N (on the workers)")
    data: DataSpec = DataSpec()
    store: str | None = None
    report_budgets: list[int] = Field(default_factory=list)
    share_isomorphic_accuracy: bool = Field(
        False, description="a cell missing from a benchmark table takes the accuracy of an isomorphic cell in it")
    distinct_networks: bool = Field(
        False, description="treat cells with the same canonical key as one network: trained and scored once")
    root: str | None = Field(None, description="folder that relative file names start from (set on load)")

    def resolve(self, name: str) -> str:
        """A file name from the experiment file, relative to that file's folder."""
        if self.root is None or Path(name).is_absolute():
            return name
        return str(Path(self.root) / name)

    @field_validator("device")
    @classmethod
    def _device_name(cls, value: str) -> str:
        return device_name(value)

    @field_validator("benchmarks", mode="before")
    @classmethod
    def _benchmark_strings(cls, value: Any) -> Any:
        return [benchmark_spec(v) if isinstance(v, str) else v for v in value]

    @field_validator("strategies", mode="before")
    @classmethod
    def _strategy_strings(cls, value: Any) -> Any:
        return [{"name": v} if isinstance(v, str) else v for v in value]

    @field_validator("proxies", mode="before")
    @classmethod
    def _proxy_strings(cls, value: Any) -> Any:
        out = []
        for v in value:
            if isinstance(v, str):
                v = {"name": v, "table": v.split(":", 1)[1]} if v.startswith("table:") else {"name": v}
            out.append(v)
        return out

    def benchmark_specs(self) -> list[BenchmarkSpec]:
        """The benchmarks listed, or the space's default benchmark when none is."""
        if self.benchmarks:
            return list(self.benchmarks)
        from nasearch.registry import spaces

        default = spaces.get_class(self.space).default_benchmark
        if default is None:
            raise ValueError(f"space {self.space!r} has no default benchmark: list one in 'benchmarks'")
        return [BenchmarkSpec(name=default)]


def benchmark_label(spec: BenchmarkSpec) -> str:
    """How results and per-benchmark score files name a benchmark: its name, label or file name."""
    return spec.display


@dataclass(frozen=True)
class Combination:
    """One (benchmark, strategy, proxy) of an experiment (``proxy`` None: the strategy needs none)."""

    benchmark: BenchmarkSpec
    strategy: StrategySpec
    proxy: ProxySpec | None
    budget: int

    @property
    def benchmark_label(self) -> str:
        return benchmark_label(self.benchmark)

    def spec(self, config: ExperimentConfig) -> dict[str, Any]:
        """Everything that decides a round's result (its hash is the combination's key)."""
        # a registered benchmark is stored by name alone, so keys written before table
        # benchmarks existed stay valid
        benchmark: Any = self.benchmark.name if self.benchmark.file is None and not self.benchmark.by_network \
            else self.benchmark.model_dump(exclude={"label"})
        spec: dict[str, Any] = {
            "space": config.space,
            "benchmark": benchmark,
            "strategy": self.strategy.name,
            "strategy_config": self.strategy.config,
            "budget": self.budget,
            "proxy": None if self.proxy is None else self.proxy.model_dump(exclude={"label"}),
        }
        if self.benchmark.file is not None:
            spec["benchmark_file_sha256"] = file_digest(config.resolve(self.benchmark.file))
        proxy_file = None if self.proxy is None else self.proxy.file_for(self.benchmark_label)
        if proxy_file is not None:
            spec["proxy_file_sha256"] = file_digest(config.resolve(proxy_file))
        if config.share_isomorphic_accuracy:  # only when set, so earlier keys stay valid
            spec["share_isomorphic_accuracy"] = True
        if config.distinct_networks:
            spec["distinct_networks"] = True
        if self.proxy is not None and self.proxy.table is None and self.proxy.file is None:
            spec["data"] = config.data.model_dump()
            spec["proxy_seed"] = config.proxy_seed
        return spec

    def key(self, config: ExperimentConfig) -> str:
        text = json.dumps(self.spec(config), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_experiment(path: str | Path) -> ExperimentConfig:
    """The validated experiment file; errors name the file and what is wrong, in a few lines."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"experiment file {str(path)!r} does not exist")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path} is not valid TOML: {err}") from None
    if "root" in raw:
        raise ValueError(f"{path}: 'root' is set by nasearch (the file's folder); remove it")
    try:
        # data and score files are named relative to the experiment file; they are resolved
        # only when used, so the stored keys do not depend on where the checkout lives
        config = ExperimentConfig(**raw, root=str(path.parent.resolve()))
    except ValidationError as err:
        raise ValueError(f"{path} is not a valid experiment file: {pydantic_message(err, ExperimentConfig)}") from None
    try:
        check_experiment(config)
    except (ValueError, KeyError, FileNotFoundError) as err:
        raise type(err)(f"{path}: {err.args[0] if err.args else err}") from None
    if config.store is not None:
        config = config.model_copy(update={"store": config.resolve(config.store)})
    return config


def check_experiment(config: ExperimentConfig) -> None:
    """What the command line checks, before anything runs: names that exist, benchmarks of the
    experiment's space, configs that validate, score files that exist, a proxy wherever a
    strategy needs one, and distinct labels."""
    from nasearch.factory import make_benchmark
    from nasearch.registry import proxies, spaces, strategies
    from nasearch.tables.presets import preset_names

    space = spaces.get(config.space)
    for bench in config.benchmark_specs():
        if bench.name is not None:
            from nasearch.registry import benchmarks

            benchmarks.get_class(bench.name)
        elif not Path(config.resolve(bench.file or "")).is_file():
            raise FileNotFoundError(f"benchmark table {config.resolve(bench.file or '')} does not exist")
        make_benchmark(space, bench, root=config.root)  # wrong space, bad columns: refused here
    for spec in config.strategies:
        cls = strategies.get_class(spec.name)
        try:
            cls.Config(**spec.config)
        except ValidationError as err:
            raise ValueError(f"strategy {spec.name!r}: {pydantic_message(err, cls.Config)}") from None
        if cls.needs_proxy and not config.proxies:
            raise ValueError(f"strategy {spec.name!r} ranks cells by a proxy: list at least one in 'proxies'")
    for spec in config.proxies:
        if spec.table is not None:
            if spec.table not in preset_names():
                raise ValueError(f"unknown score table {spec.table!r}; available: {', '.join(preset_names())}")
        elif spec.file is not None:
            if spec.value_column is None:
                raise ValueError(f"proxy {spec.name!r} reads {spec.file}: say which column with value_column")
            for bench in config.benchmark_specs():
                file = config.resolve(spec.file_for(benchmark_label(bench)) or "")
                if not Path(file).is_file():
                    raise FileNotFoundError(f"proxy {spec.name!r}: score table {file} does not exist")
        else:
            cls = proxies.get_class(spec.name)
            try:
                cls.Config(**spec.config)
            except ValidationError as err:
                raise ValueError(f"proxy {spec.name!r}: {pydantic_message(err, cls.Config)}") from None
    first = benchmark_label(config.benchmark_specs()[0])
    labels = [(c.strategy.display, c.proxy.display if c.proxy else "") for c in combinations(config)
              if c.benchmark_label == first]
    if len(labels) != len(set(labels)):
        raise ValueError("two strategies or proxies share a label: give them distinct 'label's")
    bench_labels = [benchmark_label(b) for b in config.benchmark_specs()]
    if len(bench_labels) != len(set(bench_labels)):
        raise ValueError("two benchmarks share a label: give table benchmarks distinct 'label's")


def combinations(config: ExperimentConfig) -> list[Combination]:
    """Every (benchmark, strategy, proxy) the experiment runs, in a fixed order."""
    from nasearch.registry import strategies

    result = []
    for benchmark in config.benchmark_specs():
        for spec in config.strategies:
            budget = spec.budget or config.budget
            if strategies.get_class(spec.name).needs_proxy:
                result.extend(Combination(benchmark, spec, proxy, budget) for proxy in config.proxies)
            else:
                result.append(Combination(benchmark, spec, None, budget))
    return result
