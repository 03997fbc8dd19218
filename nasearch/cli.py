"""The nasearch command line: list the parts, score and correlate proxies, run searches."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from pydantic import ValidationError

from nasearch import progress, registry
from nasearch.api import covered_cells, make_space, run_rounds, sample_architectures, search_space_for
from nasearch.cli_args import DATA_HELP, CliError, _benchmark, _options
from nasearch.factory import make_scorer
from nasearch.interfaces import Benchmark
from nasearch.messages import config_error_line
from nasearch.metrics import correlate, monotonicity, partial_correlation
from nasearch.ensemble import EnsembleScorer
from nasearch.parallel import raw_many_on, use_backend
from nasearch.scale_cli import add_backend_args, backend_from_args
from nasearch.scoring import ProxyError, ProxyScorer
from nasearch.store import ScoreStore, default_store_path
from nasearch.tables.presets import preset_names
from nasearch.tables.scorer import TableScorer
from nasearch.report import budget_table, mean_std_at, plot_best_accuracy

DEFAULT_DATA = "grey"
PROXY_HELP = (
    "proxy name (see `nasearch list proxies`), or scores read from a table: table:PRESET "
    "(the team's reference tables in ../shared/data or $NASEARCH_DATA_DIR: {presets}) or "
    "table:PATH:COLUMN (a CSV with an architecture column, or a NASLib JSON file read for the "
    "benchmark's dataset)"
)



def _scorer(args: argparse.Namespace, space, task, proxy: str, pairs: Sequence[str] | None,
            store: ScoreStore | None, device: str | None = None) -> ProxyScorer | TableScorer:
    """``make_scorer`` with the command's options; a bad proxy option is one line naming the allowed keys."""
    try:
        scorer = make_scorer(space, task, proxy, _options(pairs, "proxy"), args.data, args.batch_size,
                             args.data_seed, args.proxy_seed, store, device)
    except ValidationError as err:
        raise CliError(config_error_line(err, f"proxy {proxy!r}", registry.proxies.get_class(proxy).Config)) from None
    if isinstance(scorer, ProxyScorer):
        scorer.progress = not args.quiet  # a strategy's pool scoring shows a bar too
    return scorer


def _warn_table_coverage(scorer, archs: Sequence, what: str, consequence: str) -> None:
    """A score table that lacks some cells gives them NaN: say how many, on stderr (also with --quiet)."""
    if not isinstance(scorer, TableScorer):
        return
    missing = sum(not scorer.covers(a) for a in archs)
    if missing:
        progress.note(f"warning: {scorer.proxy.name} has no score for {missing:,} of the {len(archs):,} {what}; "
                      f"they score NaN ({consequence})")


def _store(args: argparse.Namespace) -> ScoreStore | None:
    return None if args.no_store else ScoreStore(args.store)


def _add_scoring_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--space", default=registry.DEFAULT_SPACE, help=f"search space (default: {registry.DEFAULT_SPACE})")
    p.add_argument("--benchmark", help="benchmark name or a CSV/JSON table path (default: the space's own; "
                                       "nb201: nb201-cifar10, embedded)")
    p.add_argument("--arch-column", help="table benchmark: the architecture column (default: arch)")
    p.add_argument("--valid-column", help="table benchmark: the validation measure column (default: valid_accuracy)")
    p.add_argument("--test-column", help="table benchmark: the test measure column (default: test_accuracy)")
    p.add_argument("--lower-is-better", action="store_true",
                   help="table benchmark: its measure is lower-is-better (perplexity, error, loss)")
    p.add_argument("--by-network", action="store_true",
                   help="a cell the benchmark table lacks takes the row of a cell of the same network")
    p.add_argument("--data", default=DEFAULT_DATA, help=DATA_HELP)
    p.add_argument("--batch-size", type=int, default=256, help="minibatch size (default: 256)")
    p.add_argument("--data-seed", type=int, default=0, help="seed choosing the minibatch (default: 0)")
    p.add_argument("--proxy-seed", type=int, default=0, help="seed of random initialisation in proxies (default: 0)")
    p.add_argument("--proxy-option", action="append", metavar="KEY=VALUE",
                   help="proxy configuration, repeatable, e.g. --proxy-option weights=[1e-7,1]")
    p.add_argument("--store", type=Path, default=None, help=f"score store (default: {default_store_path()})")
    p.add_argument("--no-store", action="store_true", help="do not read or write the score store")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr (shown by default, also with --json)")


def _first_sentence(doc: str | None) -> str:
    """The docstring's first paragraph up to its first full stop, on one line."""
    paragraph = " ".join((doc or "").strip().split("\n\n")[0].split())
    head, dot, _ = paragraph.partition(". ")
    return head + "." if dot else paragraph


# "(higher is better)", "; lower is better", ", higher is better as published" in docstrings
_ORIENTATION = re.compile(r"[;,]?\s*\b(?:higher|lower) is better(?: as published)?")


def cmd_list(args: argparse.Namespace) -> int:
    kinds = [args.kind] if args.kind else ["spaces", "proxies", "strategies", "benchmarks"]
    for kind in kinds:
        reg = getattr(registry, kind)
        print(f"{kind}:")
        for name in reg.available():
            cls = reg.get_class(name)
            extra = ""
            summary = _first_sentence(cls.__doc__).replace("``", "")
            if kind == "proxies":  # the orientation once, as a tag, whatever the docstring says
                summary = _ORIENTATION.sub("", summary).replace("()", "").replace(" .", ".").rstrip()
                extra = " [higher is better]" if cls.higher_is_better else " [lower is better]"
            print(f"  {name:28s} {summary}{extra}")
    return 0


def cmd_correlate(args: argparse.Namespace) -> int:
    verbose = not args.quiet
    with progress.step(f"loading benchmark {args.benchmark or 'of space ' + args.space}", verbose):
        benchmark = _benchmark(args)
    space = make_space(args.space)
    if args.sample != "all" and (not args.sample.isdigit() or int(args.sample) < 2):
        raise CliError(f"--sample must be a number of cells >= 2 or 'all', got {args.sample!r}")
    with progress.step(f"listing the cells {benchmark.name} covers", verbose):
        archs = sample_architectures(space, benchmark, None if args.sample == "all" else int(args.sample), args.seed)
    store = _store(args)
    backend = backend_from_args(args, len(archs))  # scale: --backend/--workers/--device (nasearch.scale_cli)

    def scorer_for(proxy: str, options: Sequence[str] | None):
        scorer = _scorer(args, space, benchmark.task, proxy, options, store, args.device)
        _warn_table_coverage(scorer, archs, "sampled cells", "omitted from the correlation")
        return scorer

    def stored(scorer) -> int:
        return len(store.seconds(scorer.key)) if store is not None and isinstance(scorer, ProxyScorer) else 0

    def scores_of(scorer) -> tuple[np.ndarray, str]:
        """The scores of ``archs`` and a note of where they came from and how long they took."""
        stored_before = stored(scorer)
        start = time.perf_counter()
        if isinstance(scorer, ProxyScorer):  # workers compute, this process keeps and stores the scores
            values = raw_many_on(scorer, archs, backend, progress=verbose)
        else:
            values = scorer.raw_many(archs, progress=verbose)
        wall = time.perf_counter() - start
        if isinstance(scorer, TableScorer):
            return values, f"{scorer.proxy.name}: read from the table, {wall:.1f} s"
        computed = stored(scorer) - stored_before if store is not None else scorer.computed
        return values, f"{scorer.proxy.name}: {computed} newly scored, {wall:.1f} s"

    start = time.perf_counter()
    scorer = scorer_for(args.proxy, args.proxy_option)
    try:
        scores, origin = scores_of(scorer)
    except BaseException:
        backend.close()
        raise
    with progress.step(f"looking up {len(archs):,} accuracies in {benchmark.name}", verbose):
        accuracy = np.array([benchmark.train(a).test_fitness for a in archs])  # higher is better, always
    corr = correlate(scores, accuracy, higher_is_better=scorer.proxy.higher_is_better)
    oriented = scores if scorer.proxy.higher_is_better else -scores
    out = {**corr.as_dict(), "seconds_per_arch": scorer.seconds_per_arch(archs),
           "monotonicity": monotonicity(oriented, accuracy)}
    if args.versus:
        other = scorer_for(args.versus, args.versus_option)
        other_scores, other_origin = scores_of(other)
        origin += f"; {other_origin}"
        other_oriented = other_scores if other.proxy.higher_is_better else -other_scores
        out["versus"] = args.versus
        out["partial_correlation"] = partial_correlation(oriented, other_oriented, accuracy)
    backend.close()
    wall = time.perf_counter() - start
    if args.json:
        print(json.dumps(out))
        return 0
    if not isinstance(scorer, TableScorer):
        origin = f"data {args.data}, batch {args.batch_size}; {origin}"
    wall = time.perf_counter() - start
    target = "test accuracy" if benchmark.higher_is_better else "-(test measure: lower is better, negated)"
    print(f"{args.proxy} on {len(archs)} {args.space} cells vs {benchmark.name} {target} "
          f"({origin}; {wall:.1f} s in all)")
    print(f"  NaN scores (omitted)     {corr.nan}")
    print(f"  Spearman  global/top-10% {corr.spearman:.3f} / {corr.spearman_top10:.3f}")
    print(f"  Kendall   global/top-10% {corr.kendall:.3f} / {corr.kendall_top10:.3f}")
    print(f"  top-10%/top-10%          {corr.top10_top10:.2f} %")
    print(f"  top-64/top-5%            {corr.top64_top5:.0f}")
    print(f"  monotonicity (|tau_a|)   {out['monotonicity']:.3f}")
    print(f"  seconds per architecture {out['seconds_per_arch']:.4f}")
    if args.versus:
        print(f"  partial correlation with {args.versus} given accuracy (Kendall) {out['partial_correlation']:.3f}")
    return 0


def _search_rounds(args: argparse.Namespace, strategy: str, benchmark: Benchmark, scorer) -> list:
    options = _options(args.strategy_option, "strategy")
    strategy_cls = registry.strategies.get_class(strategy)
    names = [s.strip() for s in args.strategy.split(",") if s.strip()]
    if len(names) > 1:  # with several strategies, each takes the options it knows
        known = {k for n in names for k in registry.strategies.get_class(n).Config.model_fields}
        unknown = sorted(set(options) - known)
        if unknown:
            raise CliError(f"strategy option(s) {', '.join(unknown)} belong to none of {', '.join(names)}")
        options = {k: v for k, v in options.items() if k in strategy_cls.Config.model_fields}
    if "pool" in strategy_cls.Config.model_fields and args.pool is not None:
        options.setdefault("pool", args.pool)
    if strategy_cls.needs_proxy and scorer is None:
        raise CliError(f"strategy {strategy!r} ranks cells by a proxy: pass --proxy NAME (e.g. --proxy epsinas)")
    try:
        strategy_cls.Config(**options)
    except ValidationError as err:
        raise CliError(config_error_line(err, f"strategy {strategy!r}", strategy_cls.Config)) from None
    return run_rounds(search_space_for(make_space(args.space), benchmark), strategy, benchmark, args.budget,
                      args.rounds, args.seed, scorer, options, progress=not args.quiet,
                      distinct_networks=args.distinct_networks)


def cmd_search(args: argparse.Namespace) -> int:
    for option in ("rounds", "budget", "pool"):
        value = getattr(args, option)
        if value is not None and value < 1:
            raise CliError(f"--{option} must be at least 1, got {value}")
    strategies = [s.strip() for s in args.strategy.split(",") if s.strip()]
    for name in strategies:
        registry.strategies.get_class(name)
    with progress.step(f"loading benchmark {args.benchmark or 'of space ' + args.space}", not args.quiet):
        benchmark = _benchmark(args)
    scorer = None
    start = time.perf_counter()
    backend = None
    try:
        if args.proxy:
            space = make_space(args.space)
            scorer = _scorer(args, space, benchmark.task, args.proxy, args.proxy_option, _store(args), args.device)
            if isinstance(scorer, TableScorer):
                cells = covered_cells(space, benchmark)
                if cells is not None:
                    _warn_table_coverage(scorer, cells, f"cells of {benchmark.name}", "ranked below every scored cell")
            else:
                backend = backend_from_args(args, 0)  # 0 cells: one worker unless --workers or Ray asks for more
                if backend.workers > 1:
                    for part in (scorer.components.values() if isinstance(scorer, EnsembleScorer) else [scorer]):
                        if isinstance(part, ProxyScorer):
                            use_backend(part, backend)
        results = {name: _search_rounds(args, name, benchmark, scorer) for name in strategies}
    finally:
        if backend is not None:
            backend.close()
    wall = time.perf_counter() - start
    budgets = sorted({b for b in (10, 50, 100, 300, args.budget) if b <= args.budget})
    if args.plot:
        plot_best_accuracy(results, args.plot, title=f"{args.space} / {benchmark.name}"
                           + (f" / {args.proxy}" if args.proxy else ""))
    if args.json:
        out: dict[str, Any] = {}
        for name, rounds in results.items():
            finals = [r.final_test for r in rounds]
            out[name] = {"rounds": finals, "mean": float(np.mean(finals)), "std": float(np.std(finals)),
                         "at_budget": {str(b): dict(zip(("mean", "std"), mean_std_at(rounds, b))) for b in budgets}}
        print(json.dumps(out[strategies[0]] if len(strategies) == 1 else out))
        return 0
    measure = "test accuracy" if benchmark.higher_is_better else "test measure (lower is better)"
    print(f"best {measure} (mean ± std over {args.rounds} rounds) on {benchmark.name}"
          + (f", proxy {args.proxy}" if args.proxy else "") + f"; {wall:.1f} s")
    print(budget_table(results, budgets))
    if isinstance(scorer, TableScorer):
        print(f"proxy: {scorer.calls} scores read from the table ({scorer.nan} NaN)")
    elif scorer is not None:
        print(f"proxy: {scorer.computed} cells scored, {scorer.seconds:.1f} s computing, "
              f"{scorer.calls - scorer.computed} answered from the cache")
    if args.plot:
        print(f"plot written to {args.plot}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nasearch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list registered spaces, proxies, strategies and benchmarks")
    p.add_argument("kind", nargs="?", choices=["spaces", "proxies", "strategies", "benchmarks"])
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("correlate", help="score random cells with a proxy and correlate with trained accuracy")
    _add_scoring_args(p)
    p.add_argument("--proxy", required=True, help=PROXY_HELP.format(presets=", ".join(preset_names())))
    p.add_argument("--sample", default="1000", help="number of random cells, or 'all' (default: 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the cell sample (default: 0)")
    add_backend_args(p, shard=False, device=True)
    p.add_argument("--versus", metavar="PROXY",
                   help="a second proxy: also print paper 004's partial correlation of the two given accuracy")
    p.add_argument("--versus-option", action="append", metavar="KEY=VALUE", help="configuration of --versus")
    p.set_defaults(func=cmd_correlate)

    p = sub.add_parser("search", help="run search rounds and report the best test accuracy at several budgets")
    _add_scoring_args(p)
    p.add_argument("--strategy", required=True, help="strategy name, or several separated by commas")
    p.add_argument("--strategy-option", action="append", metavar="KEY=VALUE", help="strategy configuration, repeatable")
    p.add_argument("--proxy", help="for strategies that use one: "
                   + PROXY_HELP.format(presets=", ".join(preset_names())))
    p.add_argument("--budget", type=int, default=300, help="trained architectures per round (default: 300)")
    p.add_argument("--rounds", type=int, default=10, help="independent rounds (default: 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the first round; round r uses seed+r (default: 0)")
    p.add_argument("--pool", type=int, default=None, help="warm-up pool size (default: 3000)")
    p.add_argument("--distinct-networks", action="store_true",
                   help="treat cells of one network (same canonical key) as one: pools hold it once and it is "
                        "trained once (default: off, as the published NAS-Bench-201 protocols count them apart)")
    p.add_argument("--plot", type=Path, help="write a PNG of best accuracy against trained architectures")
    add_backend_args(p, shard=False, device=True)
    p.set_defaults(func=cmd_search)

    from nasearch.scale_cli import add_cli as add_scale_cli

    add_scale_cli(sub)  # score, merge
    try:  # experiment files (run / report), when that module is present
        from nasearch.experiment.cli import add_cli
    except ImportError:
        pass
    else:
        add_cli(sub)
    for subparser in sub.choices.values():
        _plain_help(subparser)
    return parser


def _plain_help(parser: argparse.ArgumentParser) -> None:
    """Help as plain text: no reST ``literals``, and no %% (argparse escapes '%' only in option help)."""
    if parser.description and "%(" not in parser.description:
        parser.description = parser.description.replace("%%", "%")
    if parser.description:
        parser.description = parser.description.replace("``", "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CliError, KeyError, ValueError, FileNotFoundError, ModuleNotFoundError, NotImplementedError,
            ProxyError, ConnectionError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"nasearch {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; scores computed so far are in the store", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
