"""Argument helpers shared by the subcommands of ``nasearch`` (``nasearch.cli``, the
experiment and scale-out subcommands): one-line errors, ``KEY=VALUE`` options and the
benchmark named by ``--benchmark`` and its table options."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Sequence

from nasearch.api import make_space
from nasearch.factory import BenchmarkSpec, is_table_path, make_benchmark
from nasearch.interfaces import Benchmark

DATA_HELP = (
    "minibatch for data-dependent proxies: grey (solid grey-scale images, the default: needs no "
    "files), uniform, normal, or the path of an .npz file with x_train (N,C,H,W) [and y_train]"
)


class CliError(Exception):
    """A bad argument: printed as one line, exit status 2."""


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _options(pairs: Sequence[str] | None, what: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(f"{what} option {pair!r} must look like KEY=VALUE (VALUE may be JSON, e.g. weights=[1e-7,1])")
        options[key.replace("-", "_")] = _parse_value(value)
    return options


def _benchmark(args: argparse.Namespace) -> Benchmark:
    """The benchmark of ``--benchmark`` (a name or a table with ``--*-column``) for ``--space``."""
    space = make_space(args.space)
    name = args.benchmark
    columns = {key: getattr(args, key, None) for key in ("arch_column", "valid_column", "test_column")}
    columns = {key: value for key, value in columns.items() if value is not None}
    lower, by_network = getattr(args, "lower_is_better", False), getattr(args, "by_network", False)
    if name is not None and (is_table_path(name) or Path(name).exists()):
        spec = BenchmarkSpec(file=name, higher_is_better=not lower, by_network=by_network, **columns)
    else:
        if columns or lower:
            raise CliError("--arch-column, --valid-column, --test-column and --lower-is-better describe a table: "
                           "use them with --benchmark PATH.csv|PATH.json")
        spec = BenchmarkSpec(name=name or space.default_benchmark or "", by_network=by_network) \
            if (name or space.default_benchmark) else None
    return make_benchmark(space, spec)
