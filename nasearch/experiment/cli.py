"""The ``nasearch run`` and ``nasearch report`` subcommands (registered by ``nasearch.cli``)."""

from __future__ import annotations

import argparse

from nasearch.experiment.config import combinations, device_name, load_experiment
from nasearch.experiment.runner import run_experiment
from nasearch.scale_cli import add_backend_args, backend_from_args, check_run_args


def _cmd_run(args: argparse.Namespace) -> int:
    check_run_args(args)
    config = load_experiment(args.experiment)
    if args.device is not None:
        config = config.model_copy(update={"device": device_name(args.device)})
    backend = backend_from_args(args, len(combinations(config)) * config.rounds)  # few rounds: this process
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
    add_backend_args(run, shard=True, device=True)  # --backend --address --workers --threads --shard --device
    run.add_argument("--store", default=None, help="SQLite file for results (default: the file's 'store', "
                                                   "else the score store)")
    run.add_argument("--restart", action="store_true", help="delete this experiment's stored rounds first")
    run.add_argument("--max-rounds", type=int, default=None, help="stop after this many rounds (resume later)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=_cmd_run)

    report = subparsers.add_parser("report", help="plots and tables of stored experiment results",
                                   description="Plots (median, 25-75% band) and Markdown tables of results.")
    report.add_argument("source", help="experiment TOML file, or a results SQLite file (every experiment in it)")
    report.add_argument("--out", default="report", help="output folder (default: ./report)")
    report.add_argument("--store", default=None, help="results SQLite file when SOURCE is a TOML file")
    report.add_argument("--budgets", default=None, help="comma-separated budgets for the tables, e.g. 50,100,300")
    report.add_argument("--x-axis", choices=("trained", "seconds", "both"), default="both",
                        help="plot against trained architectures, against proxy+training seconds, or both")
    report.set_defaults(func=_cmd_report)

