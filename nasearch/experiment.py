"""Experiment files: benchmarks x strategies x proxies x rounds, run in parallel, stored, resumable.

An experiment file is TOML (read with the standard library, validated by pydantic)::

    name = "integration-cifar10"
    space = "nb201"
    benchmarks = ["nb201-cifar10"]
    proxies = ["epsinas", "table:synflow", "table:naswot"]
    rounds = 100            # round r runs with seed = seed + r (the same seeds in every cell)
    budget = 300            # trained architectures per run (a strategy may override it)
    seed = 0
    store = "results.sqlite"  # relative to the file; default: the score store

    [data]                  # minibatch of computed proxies (e.g. epsinas)
    source = "grey"         # grey | uniform | normal | path of an .npz file
    batch_size = 256

    [[strategies]]
    name = "rs"
    [[strategies]]
    name = "rea-warmup"
    label = "REA + warm-up"
    config = { pool = 3000 }

A strategy that needs a proxy runs once per proxy, one that does not runs once. A proxy is a
registered proxy name (computed by ``ProxyScorer``, scores cached in the store), or
``table:<preset>`` (a precomputed table, see ``nasearch.proxies.table_presets``), or a table of its own
``{ name = "...", file = "x.csv", key_column = "arch", value_column = "score" }``.

Each finished round is a row of the ``experiment_results`` table of the store file, keyed by
(experiment, cell, round), where the cell key hashes everything that decides the result.
Running the file again skips finished rounds, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import multiprocessing
import time
import tomllib
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, SearchSpace, Strategy, TrainResult
from nasearch.store import SqliteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiment_results (
    experiment TEXT NOT NULL,
    cell TEXT NOT NULL,
    round INTEGER NOT NULL,
    benchmark TEXT NOT NULL,
    strategy TEXT NOT NULL,
    strategy_label TEXT NOT NULL,
    proxy TEXT NOT NULL,
    seed INTEGER NOT NULL,
    budget INTEGER NOT NULL,
    final_arch TEXT,
    final_valid REAL,
    final_test REAL,
    trained INTEGER NOT NULL,
    proxy_calls INTEGER NOT NULL,
    proxy_seconds REAL NOT NULL,
    train_seconds REAL NOT NULL,
    wall_seconds REAL NOT NULL,
    proxy_nan INTEGER NOT NULL,
    repeated_proposals INTEGER NOT NULL,
    trajectory BLOB NOT NULL,
    cell_spec TEXT NOT NULL,
    manifest TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (experiment, cell, round)
);
"""


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
    table: str | None = None  # preset of nasearch.proxies.table_presets
    file: str | None = None  # a score table of one's own (CSV, or JSON keyed by cell)
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


@lru_cache(maxsize=64)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def file_digest(path: str) -> str:
    """Content hash of a score table: a changed table makes new cells, never stale results."""
    stat = Path(path).stat()
    return _file_digest(path, stat.st_mtime_ns, stat.st_size)


class DataSpec(_Spec):
    source: str = "grey"
    batch_size: int = Field(256, ge=1)
    seed: int = 0


class ExperimentConfig(_Spec):
    name: str = Field(min_length=1)
    description: str = ""
    space: str = "nb201"
    benchmarks: list[str] = Field(min_length=1)
    strategies: list[StrategySpec] = Field(min_length=1)
    proxies: list[ProxySpec] = Field(default_factory=list)
    rounds: int = Field(ge=1)
    budget: int = Field(ge=1)
    seed: int = 0
    proxy_seed: int = 0  # random initialisation of computed proxies
    data: DataSpec = DataSpec()
    store: str | None = None
    report_budgets: list[int] = Field(default_factory=list)
    share_isomorphic_accuracy: bool = Field(
        False, description="a cell missing from a benchmark table takes the accuracy of an isomorphic cell in it")
    root: str | None = Field(None, description="folder that relative file names start from (set on load)")

    def resolve(self, name: str) -> str:
        """A file name from the experiment file, relative to that file's folder."""
        if self.root is None or Path(name).is_absolute():
            return name
        return str(Path(self.root) / name)

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


@dataclass(frozen=True)
class Cell:
    """One combination of benchmark, strategy and proxy (``proxy`` None: the strategy needs none)."""

    benchmark: str
    strategy: StrategySpec
    proxy: ProxySpec | None
    budget: int

    def spec(self, config: ExperimentConfig) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "space": config.space,
            "benchmark": self.benchmark,
            "strategy": self.strategy.name,
            "strategy_config": self.strategy.config,
            "budget": self.budget,
            "proxy": None if self.proxy is None else self.proxy.model_dump(exclude={"label"}),
        }
        if self.proxy is not None and self.proxy.file is not None:
            spec["proxy_file_sha256"] = file_digest(config.resolve(self.proxy.file))
        if config.share_isomorphic_accuracy:  # only when set, so earlier cell keys stay valid
            spec["share_isomorphic_accuracy"] = True
        if self.proxy is not None and self.proxy.table is None and self.proxy.file is None:
            spec["data"] = config.data.model_dump()
            spec["proxy_seed"] = config.proxy_seed
        return spec

    def key(self, config: ExperimentConfig) -> str:
        text = json.dumps(self.spec(config), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_experiment(path: str | Path) -> ExperimentConfig:
    """The validated experiment file; errors name the file and what is wrong."""
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
        # only when used, so the stored cell keys do not depend on where the checkout lives
        config = ExperimentConfig(**raw, root=str(path.parent.resolve()))
    except ValidationError as err:
        raise ValueError(f"{path} is not a valid experiment file:\n{err}") from None
    try:
        check_experiment(config)
    except (ValueError, KeyError, FileNotFoundError) as err:
        raise type(err)(f"{path}: {err.args[0] if err.args else err}") from None
    if config.store is not None:
        config = config.model_copy(update={"store": config.resolve(config.store)})
    return config


def check_experiment(config: ExperimentConfig) -> None:
    """Names that exist, configs that validate, a proxy wherever a strategy needs one."""
    from nasearch.proxies.table_presets import preset_names
    from nasearch.registry import benchmarks, proxies, spaces, strategies

    spaces.get_class(config.space)
    for name in config.benchmarks:
        benchmarks.get_class(name)
    for spec in config.strategies:
        cls = strategies.get_class(spec.name)
        try:
            cls.Config(**spec.config)
        except ValidationError as err:
            raise ValueError(f"strategy {spec.name!r}: bad config {spec.config}:\n{err}") from None
        if cls.needs_proxy and not config.proxies:
            raise ValueError(f"strategy {spec.name!r} ranks cells by a proxy: list at least one in 'proxies'")
    for spec in config.proxies:
        if spec.table is not None:
            if spec.table not in preset_names():
                raise ValueError(f"unknown score table {spec.table!r}; available: {', '.join(preset_names())}")
        elif spec.file is not None:
            if spec.value_column is None:
                raise ValueError(f"proxy {spec.name!r} reads {spec.file}: say which column with value_column")
            if not Path(config.resolve(spec.file)).is_file():
                raise FileNotFoundError(f"proxy {spec.name!r}: score table {config.resolve(spec.file)} does not exist")
        else:
            proxies.get_class(spec.name).Config(**spec.config)
    labels = [(s.display, p.display if p else "") for s, p in
              ((c.strategy, c.proxy) for c in cells(config) if c.benchmark == config.benchmarks[0])]
    if len(labels) != len(set(labels)):
        raise ValueError("two strategies or proxies share a label: give them distinct 'label's")


def cells(config: ExperimentConfig) -> list[Cell]:
    from nasearch.registry import strategies

    result = []
    for benchmark in config.benchmarks:
        for spec in config.strategies:
            budget = spec.budget or config.budget
            if strategies.get_class(spec.name).needs_proxy:
                result.extend(Cell(benchmark, spec, proxy, budget) for proxy in config.proxies)
            else:
                result.append(Cell(benchmark, spec, None, budget))
    return result


# --- the results table -------------------------------------------------------------------------

class ResultStore(SqliteFile):
    """The ``experiment_results`` table of a SQLite file (usually the score store's file)."""

    schema = _SCHEMA

    def finished_rounds(self, experiment: str, cell: str) -> set[int]:
        rows = self.conn.execute("SELECT round FROM experiment_results WHERE experiment=? AND cell=?",
                                 (experiment, cell)).fetchall()
        return {r[0] for r in rows}

    def put(self, row: dict[str, Any]) -> None:
        columns = ",".join(row)
        marks = ",".join("?" * len(row))
        self.conn.execute(f"INSERT OR REPLACE INTO experiment_results ({columns}) VALUES ({marks})",
                          tuple(row.values()))

    def delete(self, experiment: str) -> None:
        self.conn.execute("DELETE FROM experiment_results WHERE experiment=?", (experiment,))

    def rows(self, experiment: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM experiment_results"
        args: tuple = ()
        if experiment is not None:
            query += " WHERE experiment=?"
            args = (experiment,)
        cursor = self.conn.execute(query + " ORDER BY experiment, benchmark, strategy_label, proxy, round", args)
        names = [d[0] for d in cursor.description]
        result = []
        for values in cursor.fetchall():
            row = dict(zip(names, values))
            row["trajectory"] = json.loads(zlib.decompress(row["trajectory"]))
            for key in ("final_valid", "final_test"):
                if row[key] is None:
                    row[key] = math.nan
            result.append(row)
        return result

    def experiments(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT experiment FROM experiment_results")]


_TRAJECTORY_FIELDS = ("best_valid", "best_test", "valid_accuracy", "test_accuracy", "proxy_calls",
                      "proxy_seconds", "train_seconds", "wall_seconds")


def _pack_trajectory(trajectory: list) -> bytes:
    columns = {name: [getattr(p, name) for p in trajectory] for name in _TRAJECTORY_FIELDS}
    columns["arch"] = [p.arch for p in trajectory]
    return zlib.compress(json.dumps(columns).encode(), 6)


# --- running -------------------------------------------------------------------------------------

_BENCHMARKS: dict[tuple[str, bool], Any] = {}
_SCORERS: dict[str, Any] = {}


class IsomorphicFallback(Benchmark):
    """A table benchmark that answers for a cell it lacks with a cell of the same isomorphism
    class it has (``SearchSpace.canonical_key``): for tables that hold one cell per class,
    like the 9,445-cell ImageNet16-120 table. A class with no member still raises KeyError."""

    def __init__(self, base: Benchmark, space: SearchSpace):
        self.base, self.space = base, space
        self.name, self.space_name, self.task = base.name, base.space_name, base.task
        listed = base.architectures()
        if listed is None:
            raise ValueError(f"benchmark {base.name!r} cannot list its cells, so it cannot share accuracies "
                             "between isomorphic cells (share_isomorphic_accuracy needs a table benchmark)")
        self._members: dict[str, Architecture] = {}
        for arch in listed:
            self._members.setdefault(space.canonical_key(arch), arch)

    def covers(self, arch: Architecture) -> bool:
        return self.base.covers(arch) or self.space.canonical_key(arch) in self._members

    def train(self, arch: Architecture) -> TrainResult:
        if self.base.covers(arch):
            return self.base.train(arch)
        member = self._members.get(self.space.canonical_key(arch))
        if member is None:
            raise KeyError(f"{arch}: neither it nor an isomorphic cell is in benchmark {self.base.name!r}")
        return self.base.train(member)


def _benchmark(name: str, share_isomorphic: bool = False, space_name: str = "nb201"):
    from nasearch.registry import benchmarks, spaces

    key = (name, share_isomorphic)
    if key not in _BENCHMARKS:
        benchmark = benchmarks.get(name)
        if share_isomorphic:
            benchmark = IsomorphicFallback(benchmark, spaces.get(space_name))
        _BENCHMARKS[key] = benchmark
    return _BENCHMARKS[key]


def make_scorer(spec: ProxySpec, config: ExperimentConfig, benchmark, store_path: Path | None):
    """The scorer a cell's strategy sees (cached per process: its memory serves every round)."""
    from nasearch.proxies.table import TableScorer
    from nasearch.proxies.table_presets import table_scorer
    from nasearch.registry import proxies, spaces

    space = spaces.get(config.space)
    key = json.dumps([spec.model_dump(), benchmark.task.name, config.data.model_dump(), config.proxy_seed,
                      str(store_path)], sort_keys=True)
    if key in _SCORERS:
        return _SCORERS[key]
    if spec.table is not None:
        scorer = table_scorer(spec.table, space, benchmark.task)
    elif spec.file is not None:
        scorer = TableScorer(config.resolve(spec.file), spec.value_column, space=space, arch_column=spec.key_column,
                             name=spec.name, higher_is_better=spec.higher_is_better)
    else:
        from nasearch.data import load_batch
        from nasearch.scoring import ProxyScorer
        from nasearch.store import ScoreStore

        proxy = proxies.get(spec.name, **spec.config)
        source = config.data.source
        if source not in ("grey", "uniform", "normal"):
            source = config.resolve(source)
        batch = load_batch(source, benchmark.task, config.data.batch_size, config.data.seed)
        # scale hook: a worker of nasearch.runs passes its CollectingStore in place of a path
        store = store_path if hasattr(store_path, "put_many") else (
            ScoreStore(store_path) if store_path is not None else None)
        scorer = ProxyScorer(space, proxy, benchmark.task, batch, store=store, seed=config.proxy_seed)
    _SCORERS[key] = scorer
    return scorer


def run_round(config: ExperimentConfig, cell: Cell, round_index: int, store_path: Path | None) -> dict[str, Any]:
    """One search of one cell; the row to store."""
    from nasearch.loop import run_search
    from nasearch.registry import spaces, strategies

    benchmark = _benchmark(cell.benchmark, config.share_isomorphic_accuracy, config.space)
    space = spaces.get(config.space)
    scorer = None if cell.proxy is None else make_scorer(cell.proxy, config, benchmark, store_path)
    seed = config.seed + round_index
    strategy: Strategy = strategies.get(cell.strategy.name, space=space, seed=seed, scorer=scorer,
                                        **cell.strategy.config)
    result = run_search(strategy, benchmark, cell.budget,
                        manifest={"experiment": config.name, "round": round_index,
                                  "proxy": None if cell.proxy is None else cell.proxy.display})
    last = result.trajectory[-1]
    final = result.final_result
    return {
        "experiment": config.name,
        "cell": cell.key(config),
        "round": round_index,
        "benchmark": cell.benchmark,
        "strategy": cell.strategy.name,
        "strategy_label": cell.strategy.display,
        "proxy": "" if cell.proxy is None else cell.proxy.display,
        "seed": seed,
        "budget": cell.budget,
        "final_arch": None if result.final is None else result.final.text,
        "final_valid": None if final is None or math.isnan(final.valid_accuracy) else final.valid_accuracy,
        "final_test": None if final is None or math.isnan(final.test_accuracy) else final.test_accuracy,
        "trained": last.trained,
        "proxy_calls": last.proxy_calls,
        "proxy_seconds": last.proxy_seconds,
        "train_seconds": last.train_seconds,
        "wall_seconds": last.wall_seconds,
        "proxy_nan": result.proxy_nan,
        "repeated_proposals": result.repeated_proposals,
        "trajectory": _pack_trajectory(result.trajectory),
        "cell_spec": json.dumps(cell.spec(config), sort_keys=True),
        "manifest": json.dumps(result.manifest, sort_keys=True, default=str),
        "created": time.time(),
    }


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)


def _run_job(job: tuple[dict, int, list[int], str]) -> int:
    config_dict, cell_index, rounds, store_path = job
    config = ExperimentConfig(**config_dict)
    cell = cells(config)[cell_index]
    store = ResultStore(store_path)
    for round_index in rounds:
        store.put(run_round(config, cell, round_index, Path(store_path)))
    return len(rounds)


@dataclass
class RunSummary:
    experiment: str
    store: str
    cells: int
    rounds_run: int
    rounds_skipped: int
    seconds: float

    def __str__(self) -> str:
        return (f"{self.experiment}: {self.cells} cells, {self.rounds_run} rounds run, "
                f"{self.rounds_skipped} already stored, {self.seconds:.1f} s -> {self.store}")


def run_experiment(config: ExperimentConfig, workers: int = 1, store_path: str | Path | None = None,
                   resume: bool = True, max_rounds: int | None = None, progress: bool = False,
                   backend: Any = None, shard: Any = None) -> RunSummary:
    """Run every unfinished round of every cell; ``max_rounds`` stops after that many rounds
    (the rest is left for a later, resumed run). With a ``backend`` (``nasearch.backends``)
    or a ``shard`` (``nasearch.shard.Shard``) the rounds run as tasks of ``nasearch.runs``."""
    from nasearch.store import default_store_path

    store_path = Path(store_path or config.store or default_store_path())
    if backend is not None or shard is not None:  # scale hook (nasearch.runs)
        from nasearch.backends import ProcessBackend
        from nasearch.runs import run_on_backend

        return run_on_backend(config, backend or ProcessBackend(workers), store_path, resume, max_rounds,
                              progress, shard)
    store = ResultStore(store_path)
    if not resume:
        store.delete(config.name)
    all_cells = cells(config)
    jobs: list[tuple[dict, int, list[int], str]] = []
    skipped = 0
    chunk = max(1, math.ceil(config.rounds / max(1, 4 * workers)))
    for index, cell in enumerate(all_cells):
        done = store.finished_rounds(config.name, cell.key(config))
        todo = [r for r in range(config.rounds) if r not in done]
        skipped += config.rounds - len(todo)
        for start in range(0, len(todo), chunk):
            jobs.append((config.model_dump(), index, todo[start:start + chunk], str(store_path)))
    if max_rounds is not None:
        jobs = _truncate(jobs, max_rounds)
    start = time.perf_counter()
    total = sum(len(job[2]) for job in jobs)
    ran = 0
    if workers <= 1 or len(jobs) <= 1:
        import torch

        threads = torch.get_num_threads()
        _worker_init()
        try:
            for job in _progress(jobs, total, progress, config.name):
                ran += _run_job(job)
        finally:
            torch.set_num_threads(threads)  # the caller's setting, as it was
    else:
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers, initializer=_worker_init) as pool:
            for count in _progress_counts(pool.imap_unordered(_run_job, jobs), total, progress, config.name):
                ran += count
    return RunSummary(config.name, str(store_path), len(all_cells), ran, skipped, time.perf_counter() - start)


def _truncate(jobs: list, max_rounds: int) -> list:
    kept, left = [], max_rounds
    for config_dict, index, rounds, path in jobs:
        if left <= 0:
            break
        kept.append((config_dict, index, rounds[:left], path))
        left -= len(rounds[:left])
    return kept


def _progress(jobs: list, total: int, enabled: bool, name: str) -> Iterable:
    if not enabled:
        yield from jobs
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=name, unit="round") as bar:
        for job in jobs:
            yield job
            bar.update(len(job[2]))


def _progress_counts(counts: Iterable[int], total: int, enabled: bool, name: str) -> Iterable[int]:
    if not enabled:
        yield from counts
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=name, unit="round") as bar:
        for count in counts:
            bar.update(count)
            yield count


def run_experiment_file(path: str | Path, workers: int = 1, store_path: str | Path | None = None,
                        resume: bool = True, max_rounds: int | None = None, progress: bool = False,
                        backend: Any = None, shard: Any = None) -> RunSummary:
    """Load, check and run an experiment file (see module docstring)."""
    return run_experiment(load_experiment(path), workers, store_path, resume, max_rounds, progress, backend, shard)


# --- command line ------------------------------------------------------------------------------

def _cmd_run(args: argparse.Namespace) -> int:
    from nasearch.scale_cli import backend_from_args, check_run_args  # scale hook

    check_run_args(args)
    config = load_experiment(args.experiment)
    backend = backend_from_args(args, len(cells(config)) * config.rounds)  # few rounds: this process
    try:
        summary = run_experiment(config, store_path=args.store, resume=not args.restart, max_rounds=args.max_rounds,
                                 progress=not args.quiet, backend=backend, shard=args.shard)
    finally:
        backend.close()
    print(summary)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from nasearch.report import write_report

    budgets = [int(b) for b in args.budgets.split(",")] if args.budgets else None
    written = write_report(args.source, args.out, store_path=args.store, budgets=budgets, x_axis=args.x_axis)
    for path in written:
        print(path)
    return 0


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register ``run`` and ``report`` on an argparse subparsers object; each sets ``func``
    (``args.func(args)`` returns the exit status)."""
    run = subparsers.add_parser("run", help="run an experiment file (resumes unfinished rounds)",
                                description="Run every unfinished round of an experiment TOML file.")
    run.add_argument("experiment", help="experiment TOML file")
    from nasearch.scale_cli import add_backend_args  # scale hook: --backend --address --workers --shard

    add_backend_args(run, shard=True, device=False)
    run.add_argument("--store", default=None, help="SQLite file for results (default: the file's 'store', "
                                                   "else the score store)")
    run.add_argument("--restart", action="store_true", help="delete this experiment's stored rounds first")
    run.add_argument("--max-rounds", type=int, default=None, help="stop after this many rounds (resume later)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=_cmd_run)

    report = subparsers.add_parser("report", help="plots and tables of stored experiment results",
                                   description="Plots (median, 25-75%% band) and Markdown tables of results.")
    report.add_argument("source", help="experiment TOML file, or a results SQLite file (every experiment in it)")
    report.add_argument("--out", default="report", help="output folder (default: ./report)")
    report.add_argument("--store", default=None, help="results SQLite file when SOURCE is a TOML file")
    report.add_argument("--budgets", default=None, help="comma-separated budgets for the tables, e.g. 50,100,300")
    report.add_argument("--x-axis", choices=("trained", "seconds", "both"), default="both",
                        help="plot against trained architectures, against proxy+training seconds, or both")
    report.set_defaults(func=_cmd_report)


def write_report(results_source: str | Path, out_dir: str | Path, **kwargs: Any) -> list[Path]:
    """See ``nasearch.report.write_report``."""
    from nasearch.report import write_report as _write

    return _write(results_source, out_dir, **kwargs)


__all__ = ["ExperimentConfig", "ResultStore", "RunSummary", "add_cli", "cells", "load_experiment",
           "run_experiment", "run_experiment_file", "write_report"]
