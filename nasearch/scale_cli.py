"""Command-line pieces for scale-out: backend options, ``nasearch score`` and ``nasearch merge``.

``add_backend_args`` gives a subcommand ``--backend process|ray``, ``--address``,
``--workers``, ``--threads``, and optionally ``--shard i/N`` and ``--device``;
``backend_from_args`` turns them into a ``nasearch.backends`` backend.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from nasearch.backends import BACKENDS, Backend, InlineBackend, ProcessBackend, default_workers, make_backend
from nasearch.parallel import raw_many_on
from nasearch.shard import merge_stores, parse_shard

# below this many cells (or experiment rounds) a pool of processes costs more to start than it
# saves (a spawned worker imports torch: 10-30 s on a busy machine, experiments/scale/ray_speedup.md),
# so the default runs them in this process
MIN_CELLS_FOR_PROCESSES = 32


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _shard(text: str):
    try:
        return parse_shard(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_backend_args(p: argparse.ArgumentParser, shard: bool = True, device: bool = True) -> None:
    p.add_argument("--backend", choices=BACKENDS, default="process",
                   help="where the work runs: local processes (default) or a Ray cluster")
    p.add_argument("--address", default=None,
                   help="Ray cluster to join (auto, HOST:6379 or ray://HOST:10001); default: a private local one")
    p.add_argument("--workers", type=_whole, default=None,
                   help=f"parallel workers (default: one per core here, {default_workers()}, for "
                        f"{MIN_CELLS_FOR_PROCESSES} cells or more; with --address, the cluster's CPUs)")
    p.add_argument("--threads", type=_whole, default=None,
                   help="torch threads per worker (default: 1; the same count gives bit-identical scores on every backend)")
    if shard:
        p.add_argument("--shard", type=_shard, default=None, metavar="i/N",
                       help="run only part i of N (0 <= i < N), e.g. $SLURM_ARRAY_TASK_ID/N; "
                            "combine the stores with `nasearch merge`")
    if device:
        p.add_argument("--device", default=None, help="torch device for computed proxies: cpu (default), cuda, cuda:N")


def backend_from_args(args: argparse.Namespace, items: int | None = None) -> Backend:
    """The backend the options ask for; ``items`` (work size, when known) picks the default
    number of local workers."""
    if args.backend == "process" and args.address is not None:
        raise ValueError("--address names a Ray cluster: add --backend ray")
    workers = args.workers
    if args.backend == "process":
        if workers is None:
            small = items is not None and items < MIN_CELLS_FOR_PROCESSES
            workers = 1 if small else default_workers()
        if workers == 1:
            return InlineBackend(args.threads or 1)
        return ProcessBackend(workers, args.threads or 1, announce=not getattr(args, "quiet", False))
    from nasearch import progress

    where = f"joining the Ray cluster at {args.address}" if args.address else "starting a local Ray instance"
    with progress.step(where, not getattr(args, "quiet", False)):
        return make_backend("ray", workers, args.address, args.threads or 1)


def check_run_args(args: argparse.Namespace) -> None:
    if args.max_rounds is not None and args.max_rounds < 1:
        raise ValueError(f"--max-rounds must be >= 1, got {args.max_rounds}")


def cmd_score(args: argparse.Namespace) -> int:
    """Fill the store with a proxy's scores of a space's cells (all of them, or a sample)."""
    from nasearch.api import make_scorer, make_space, sample_architectures
    from nasearch.cli_args import CliError, _benchmark, _options
    from nasearch.scoring import ProxyScorer
    from nasearch.store import ScoreStore

    benchmark = _benchmark(args)
    space = make_space(args.space)
    if args.sample != "all" and (not args.sample.isdigit() or int(args.sample) < 1):
        raise CliError(f"--sample must be a number of cells >= 1 or 'all', got {args.sample!r}")
    archs = sample_architectures(space, benchmark, None if args.sample == "all" else int(args.sample), args.seed)
    if args.shard is not None:
        archs = list(args.shard.select(archs))
    store = ScoreStore(args.store)
    scorer = make_scorer(space, benchmark.task, args.proxy, _options(args.proxy_option, "proxy"), args.data,
                         args.batch_size, args.data_seed, args.proxy_seed, store, args.device)
    if not isinstance(scorer, ProxyScorer):
        raise CliError(f"{args.proxy} is a table of scores: there is nothing to compute")
    backend = backend_from_args(args, len(archs))
    start = time.perf_counter()
    try:
        values = raw_many_on(scorer, archs, backend, progress=not args.quiet)
    finally:
        backend.close()
    wall = time.perf_counter() - start
    nan = int((values != values).sum())
    shard = f" (shard {args.shard})" if args.shard else ""
    print(f"{args.proxy}: {len(archs)} {args.space} cells{shard}, {scorer.computed} computed on "
          f"{backend.name} x{backend.workers} in {wall:.1f} s, {nan} NaN -> {store.path}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    print(merge_stores(args.output, args.inputs))
    return 0


def add_cli(sub: argparse._SubParsersAction) -> None:
    """Register ``score`` and ``merge``."""
    from nasearch.cli_args import DATA_HELP
    from nasearch.store import default_store_path

    p = sub.add_parser("score", help="score a space's cells with a proxy into the store (resumable, shardable)")
    p.add_argument("--space", default="nb201", help="search space (default: nb201)")
    p.add_argument("--benchmark", help="benchmark whose cells (and task) to score (default: the space's)")
    p.add_argument("--proxy", required=True, help="registered proxy name (see `nasearch list proxies`)")
    p.add_argument("--proxy-option", action="append", metavar="KEY=VALUE", help="proxy configuration, repeatable")
    p.add_argument("--sample", default="all", help="number of random cells, or 'all' (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the cell sample (default: 0)")
    p.add_argument("--data", default="grey", help=DATA_HELP)
    p.add_argument("--batch-size", type=_whole, default=256, help="minibatch size (default: 256)")
    p.add_argument("--data-seed", type=int, default=0, help="seed choosing the minibatch (default: 0)")
    p.add_argument("--proxy-seed", type=int, default=0, help="seed of random initialisation (default: 0)")
    p.add_argument("--store", type=Path, default=None, help=f"score store (default: {default_store_path()})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_backend_args(p, shard=True, device=True)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("merge", help="merge score stores / experiment results of shards into one file")
    p.add_argument("output", type=Path, help="SQLite file to merge into (created if absent)")
    p.add_argument("inputs", nargs="+", type=Path, help="store files of the shards")
    p.set_defaults(func=cmd_merge)
