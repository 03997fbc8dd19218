"""Benchmarks and scorers from names and specs: the one factory that the command line, the
Python API and experiment files share, so each accepts the same names, tables and options and
refuses bad ones with the same messages.

- ``make_benchmark(space, spec)``: ``None`` (the space's default benchmark), a registered name,
  the path of a CSV/JSON table, or a ``BenchmarkSpec`` naming the table's columns.
- ``make_scorer(space, task, proxy, ...)``: a registered proxy (computed by ``ProxyScorer``,
  cached in the score store), ``table:PRESET`` or ``table:PATH:COLUMN`` (a ``TableScorer``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from nasearch import registry
from nasearch.interfaces import Benchmark, Config, SearchSpace, Task
from nasearch.scoring import ProxyScorer
from nasearch.store import ScoreStore
from nasearch.tables.scorer import TableScorer

if TYPE_CHECKING:
    from nasearch.ensemble import EnsembleScorer

TABLE_SUFFIXES = (".csv", ".json")


class BenchmarkSpec(Config):
    """A benchmark by registered ``name``, or a table ``file`` with its column names."""

    name: str | None = None
    file: str | None = None
    arch_column: str = "arch"
    valid_column: str = "valid_accuracy"
    test_column: str | None = "test_accuracy"
    cost_column: str | None = None
    higher_is_better: bool = Field(True, description="False for perplexity, error or loss columns")
    by_network: bool = Field(False, description="cells missing from the table take the row of the same network")
    task: str | None = Field(None, description="the task its networks are built for (default: the space's)")
    label: str | None = None

    @property
    def display(self) -> str:
        return self.label or self.name or Path(self.file or "").name

    def model_post_init(self, __context: Any) -> None:
        if (self.name is None) == (self.file is None):
            raise ValueError("a benchmark is either a registered 'name' or a table 'file', exactly one of them")


def is_table_path(text: str) -> bool:
    return text.lower().endswith(TABLE_SUFFIXES)


def benchmark_spec(value: "str | BenchmarkSpec | dict[str, Any]") -> BenchmarkSpec:
    """A spec from a name, a table path or a mapping of spec fields."""
    if isinstance(value, BenchmarkSpec):
        return value
    if isinstance(value, dict):
        return BenchmarkSpec(**value)
    return BenchmarkSpec(file=value) if is_table_path(value) else BenchmarkSpec(name=value)


_CACHE: dict[tuple, Benchmark] = {}


def make_benchmark(space: SearchSpace, spec: "str | BenchmarkSpec | dict[str, Any] | None" = None,
                   root: str | Path | None = None) -> Benchmark:
    """The benchmark ``spec`` names for ``space`` (cached per process; tables are read once).

    ``root`` is the folder a relative table path starts from (an experiment file's folder).
    Raises ValueError when the benchmark belongs to another space, KeyError for unknown names.
    """
    if spec is None:
        if space.default_benchmark is None:
            raise ValueError(f"space {space.name!r} has no default benchmark: name one (--benchmark NAME or a "
                             f"CSV/JSON table)")
        spec = space.default_benchmark
    spec = benchmark_spec(spec)
    file = spec.file
    if file is not None and root is not None and not Path(file).is_absolute():
        file = str(Path(root) / file)
    key = (space.name, type(space), spec.model_dump_json(), file)
    if key in _CACHE:
        return _CACHE[key]
    if file is not None and not is_table_path(file):
        found = space.benchmark_from_path(file)
        if found is None:
            raise ValueError(f"{file} is not a CSV or JSON table, and space {space.name!r} reads no other "
                             f"benchmark format")
        benchmark: Benchmark = found
    elif file is not None:
        from nasearch.benchmarks.table import TableBenchmark

        benchmark = TableBenchmark(
            file, space=space, task=spec.task, arch_column=spec.arch_column, valid_column=spec.valid_column,
            test_column=spec.test_column, cost_column=spec.cost_column, name=spec.label,
            higher_is_better=spec.higher_is_better, by_network=spec.by_network)
    else:
        assert spec.name is not None
        benchmark = registry.benchmarks.get(spec.name)
        if spec.by_network:
            from nasearch.benchmarks.isomorphic import ByNetwork

            benchmark = ByNetwork(benchmark, space)
    if benchmark.space_name != space.name:
        raise ValueError(f"benchmark {benchmark.name!r} holds cells of space {benchmark.space_name!r}, "
                         f"not {space.name!r}: pick a benchmark of {space.name!r} or change the space")
    _CACHE[key] = benchmark
    return benchmark


def make_scorer(space: SearchSpace, task: Task, proxy: str, proxy_config: dict[str, Any] | None = None,
                data: str = "grey", batch_size: int = 256, data_seed: int = 0, proxy_seed: int = 0,
                store: ScoreStore | None = None, device: str | None = None) -> "ProxyScorer | TableScorer | EnsembleScorer":
    """A ProxyScorer for ``proxy`` with a minibatch from ``data`` (grey|uniform|normal|path.npz), or,
    for ``table:PRESET`` / ``table:PATH:COLUMN``, the TableScorer of that table (see
    ``nasearch.tables.presets.table_from_spec``; the data and seed options are then unused), or,
    for ``a+b+c`` or a preset such as ``az_nas``, the ``EnsembleScorer`` of those proxies (rank-combined).
    ``device`` (cpu, cuda, cuda:N; default the CPU) is where computed proxies run."""
    from nasearch.data import load_batch
    from nasearch.ensemble import ensemble_scorer
    from nasearch.tables.presets import table_from_spec

    ensemble = ensemble_scorer(proxy, lambda name: make_scorer(space, task, name, None, data, batch_size, data_seed,
                                                               proxy_seed, store, device), space)
    if ensemble is not None:
        if proxy_config:
            raise ValueError(f"{proxy} is an ensemble: set its components' options through the Python API "
                             "(nasearch.ensemble.EnsembleScorer), not --proxy-option")
        return ensemble

    if proxy.startswith("table:"):
        if proxy_config:
            raise ValueError(f"{proxy} reads its scores from a table: it takes no proxy options")
        return table_from_spec(proxy.removeprefix("table:"), space, task)
    if batch_size < 1:
        raise ValueError(f"batch size must be positive, got {batch_size}")
    proxy_obj = registry.proxies.get(proxy, **{**space.proxy_defaults.get(proxy, {}), **(proxy_config or {})})
    batch = load_batch(data, task, batch_size, seed=data_seed)
    return ProxyScorer(space, proxy_obj, task, batch, store=store, seed=proxy_seed, device=device)


def table_file_scorer(space: SearchSpace, path: str, column: str, key_column: str | None = None,
                      higher_is_better: bool = True, name: str | None = None) -> TableScorer:
    """A user's own score table (CSV or JSON) read for ``space``."""
    return TableScorer(path, column, space=space, arch_column=key_column, name=name,
                       higher_is_better=higher_is_better)
