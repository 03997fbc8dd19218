"""Bad input is refused with a short, specific message (or gives NaN where that is defined):
property-based tests (hypothesis) on the parsers and the space laws, and the catalogue of
issue 13 through the CLI, which must never print a traceback."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
import torch

hypothesis = pytest.importorskip("hypothesis", reason="property tests need hypothesis (pip install 'nasearch[test]')")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nasearch import registry  # noqa: E402
from nasearch.benchmarks.table import TableBenchmark  # noqa: E402
from nasearch.cli import main  # noqa: E402
from nasearch.cli_args import CliError, _options  # noqa: E402
from nasearch.data import synthetic_batch  # noqa: E402
from nasearch.experiment import load_experiment  # noqa: E402
from nasearch.interfaces import TASKS, Batch, Proxy  # noqa: E402
from nasearch.tables.scorer import TableScorer  # noqa: E402
from nasearch.scoring import ProxyError, ProxyScorer, check_batch, compute_score  # noqa: E402
from nasearch.shard import parse_shard  # noqa: E402
from nasearch.spaces.nb201 import OPS, NB201Space, ops_to_string  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SPACE = NB201Space()
TINY = NB201Space(channels=4, cells_per_stage=1)
CIFAR = TASKS["cifar10"]
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOWER = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
needs_table = pytest.mark.skipif(importlib.util.find_spec("analognasbench") is None, reason="needs analog-nasbench")

cells = st.lists(st.sampled_from(OPS), min_size=6, max_size=6).map(SPACE.from_ops)
op_names = st.sampled_from(OPS) | st.text(min_size=0, max_size=14)


def _short(message: str, limit: int = 400) -> None:
    assert message and "Traceback" not in message and len(message) <= limit, message


# --- parsers ---------------------------------------------------------------------------------------
@FAST
@given(st.text(max_size=120))
def test_any_text_parses_to_a_cell_or_a_clear_value_error(text):
    try:
        arch = SPACE.parse(text)
    except ValueError as err:
        _short(str(err))
    else:
        assert SPACE.parse(arch.text) == arch and len(arch.ops) == 6


@FAST
@given(st.lists(op_names, min_size=6, max_size=6), st.sampled_from(["", " ", "~9", "|"]))
def test_cell_strings_with_unknown_or_misplaced_ops_name_the_problem(ops, junk):
    text = ops_to_string(ops)
    if junk:
        text = text.replace("~1|", f"~1{junk}|", 1)
    try:
        arch = SPACE.parse(text)
    except ValueError as err:
        _short(str(err), 600)
        assert any(word in str(err) for word in ("unknown op", "must", "expected"))
    else:
        assert all(op in OPS for op in ops) and arch.ops == tuple(ops)


@FAST
@given(st.lists(st.integers(-3, 9), min_size=0, max_size=9))
def test_tuples_in_range_parse_and_others_are_refused(codes):
    try:
        arch = SPACE.from_tuple(codes)
    except ValueError as err:
        _short(str(err))
        assert len(codes) != 6 or any(not 0 <= c <= 4 for c in codes)
    else:
        assert SPACE.to_tuple(arch) == tuple(codes)


@FAST
@given(st.text(max_size=12))
def test_shard_text(text):
    try:
        shard = parse_shard(text)
    except ValueError as err:
        _short(str(err))
    else:
        assert 0 <= shard.index < shard.count and str(shard) == text.replace(" ", "")


@FAST
@given(st.lists(st.text(max_size=20), max_size=4))
def test_cli_key_value_options(pairs):
    try:
        options = _options(pairs, "proxy")
    except CliError as err:
        _short(str(err))
    else:
        assert len(options) <= len(pairs)


@SLOWER
@given(st.text(max_size=300))
def test_experiment_files_of_any_text_are_refused_clearly(tmp_path, text):
    path = tmp_path / "fuzz.toml"
    path.write_text(text)
    try:
        load_experiment(path)
    except (ValueError, KeyError, FileNotFoundError) as err:
        message = err.args[0] if err.args else str(err)
        assert str(path) in message and "Traceback" not in message


@SLOWER
@given(st.binary(max_size=400), st.sampled_from([".csv", ".json"]))
def test_table_files_of_any_bytes_are_refused_clearly(tmp_path, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    for reader in (lambda: TableBenchmark(path, arch_column="arch", valid_column="acc", test_column=None),
                   lambda: TableScorer(path, "score")):
        try:
            reader()
        except (ValueError, KeyError) as err:
            message = err.args[0] if err.args else str(err)
            assert str(path) in message, message


# --- space laws ------------------------------------------------------------------------------------
@FAST
@given(cells, st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_mutating_at_distance_d_lands_at_distance_d(arch, distance, seed):
    child = SPACE.mutate(arch, np.random.default_rng(seed), distance)
    assert SPACE.edit_distance(arch, child) == distance


@FAST
@given(cells)
def test_neighbours_are_exactly_the_cells_at_distance_one(arch):
    neighbours = SPACE.neighbours(arch)
    assert len(neighbours) == len(set(neighbours)) == 6 * (len(OPS) - 1)
    assert all(SPACE.edit_distance(arch, n) == 1 for n in neighbours)
    # and nothing at distance one is missing: change each edge to each other op
    expected = {SPACE.from_ops(arch.ops[:i] + (op,) + arch.ops[i + 1:])
                for i in range(6) for op in OPS if op != arch.ops[i]}
    assert set(neighbours) == expected


@FAST
@given(cells, cells, cells)
def test_edit_distance_is_a_metric(a, b, c):
    d = SPACE.edit_distance
    assert d(a, a) == 0 and (d(a, b) == 0) == (a == b)
    assert d(a, b) == d(b, a) >= 0
    assert d(a, c) <= d(a, b) + d(b, c)


def test_mutation_outside_the_space_is_refused():
    with pytest.raises(ValueError, match="1..6"):
        SPACE.mutate(SPACE.sample(np.random.default_rng(0)), np.random.default_rng(0), 7)


# --- batches and proxies ---------------------------------------------------------------------------
@pytest.mark.parametrize("inputs, message", [
    (torch.zeros(0, 3, 32, 32), "empty"),
    (torch.full((2, 3, 32, 32), math.nan), "NaN"),
    (torch.zeros(2, 3, 16, 16), r"\(N, 3, 32, 32\)"),
    (torch.zeros(2, 32, 32), r"\(N, 3, 32, 32\)"),
    (torch.zeros(2, 3, 32, 32, dtype=torch.int64), "floating point"),
])
def test_unusable_batches_are_refused(inputs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        check_batch(Batch(inputs), CIFAR)
    with pytest.raises((ValueError, TypeError), match=message):
        ProxyScorer(TINY, registry.proxies.get("naswot"), CIFAR, Batch(inputs))


def test_a_constant_batch_gives_nan_not_a_number_for_naswot():
    constant = Batch(torch.ones(4, 3, 32, 32), fingerprint="ones")
    value, _ = compute_score(TINY, TINY.sample(np.random.default_rng(0)), CIFAR, registry.proxies.get("naswot"),
                             constant, 0)
    assert math.isnan(value)  # identical inputs give a singular kernel: undefined, by the proxy's definition


class _Raises(Proxy):
    name = "raises"

    def score(self, model, batch):
        raise ZeroDivisionError("boom")


class _Infinite(Proxy):
    name = "infinite"

    def score(self, model, batch):
        return math.inf


class _NotANumber(Proxy):
    name = "tensor"

    def score(self, model, batch):
        return torch.ones(3)


def test_proxies_that_raise_or_return_inf_or_nonsense():
    arch = TINY.sample(np.random.default_rng(1))
    batch = synthetic_batch("grey", CIFAR, 2)
    with pytest.raises(ProxyError, match=r"proxy 'raises' failed on \|.*ZeroDivisionError: boom"):
        compute_score(TINY, arch, CIFAR, _Raises(), batch, 0)
    with pytest.raises(ProxyError, match="not one number"):
        compute_score(TINY, arch, CIFAR, _NotANumber(), batch, 0)
    assert math.isnan(compute_score(TINY, arch, CIFAR, _Infinite(), batch, 0)[0])


def test_a_table_lacking_a_queried_cell(tmp_path):
    path = tmp_path / "t.csv"
    cell = SPACE.sample(np.random.default_rng(0))
    path.write_text(f"arch,acc\n{cell.text},91.5\n")
    table = TableBenchmark(path, arch_column="arch", valid_column="acc", test_column=None)
    other = SPACE.mutate(cell, np.random.default_rng(0), 1)
    with pytest.raises(KeyError, match="is not in the benchmark table"):
        table.train(other)
    assert table.train(cell).valid_accuracy == 91.5


# --- the command line ------------------------------------------------------------------------------
BAD_COMMANDS = [
    (["search", "--strategy", "rs", "--budget", "-5", "--rounds", "1"], "budget"),
    (["search", "--strategy", "rs", "--budget", "5", "--rounds", "0"], "--rounds must be at least 1"),
    (["search", "--strategy", "rs-warmup", "--budget", "5", "--rounds", "1", "--pool", "-1"], "--pool"),
    (["search", "--strategy", "nope", "--budget", "5"], "unknown strategy 'nope'"),
    (["correlate", "--proxy", "nope", "--sample", "5"], "unknown proxy 'nope'"),
    (["correlate", "--proxy", "naswot", "--sample", "5", "--proxy-option", "foo=1"], "proxy 'naswot': unknown option 'foo' (allowed options: train_mode)"),
    (["correlate", "--proxy", "nparams", "--sample", "-3"], "--sample"),
    (["correlate", "--proxy", "nparams", "--sample", "5", "--batch-size", "0"], "batch size"),
    (["correlate", "--proxy", "nparams", "--sample", "5", "--space", "nope"], "unknown space"),
    (["correlate", "--proxy", "nparams", "--sample", "5", "--data", "nothere.npz"], "does not exist"),
    (["correlate", "--proxy", "nparams", "--sample", "5", "--data", "purple"], "unknown data 'purple'"),
    (["correlate", "--proxy", "nparams", "--sample", "5", "--device", "cuda:7"], "device"),
    (["correlate", "--proxy", "nparams", "--sample", "5", "--backend", "process", "--address", "auto"],
     "--backend ray"),
    (["run", "missing.toml"], "does not exist"),
    (["merge", "out.sqlite", "missing.sqlite"], "does not exist"),
]


@needs_table
@pytest.mark.parametrize("args, message", BAD_COMMANDS, ids=[" ".join(a[:3]) for a, _ in BAD_COMMANDS])
def test_nonsense_cli_values_give_one_short_line(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    quiet = ["--quiet"] if args[0] in ("correlate", "search") else []  # progress notes off: the error alone
    code = main(args + (["--store", "s.sqlite"] if args[0] == "correlate" else []) + quiet)
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and len(err) < 600, err


@pytest.mark.parametrize("args", [["run", "x.toml", "--workers", "0"], ["run", "x.toml", "--shard", "4/4"],
                                  ["score", "--proxy", "nparams", "--workers", "-1"],
                                  ["correlate", "--proxy", "x", "--backend", "spark"]])
def test_argument_types_are_checked_by_the_parser(capsys, args):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "Traceback" not in err and "error:" in err


def test_bad_experiment_values_name_the_field(tmp_path):
    base = 'name = "x"\nbenchmarks = ["nb201-cifar10"]\nrounds = 1\nbudget = 3\n[[strategies]]\nname = "rs"\n'
    for old, new, message in (("rounds = 1", "rounds = 0", "rounds"), ("budget = 3", "budget = -1", "budget"),
                              ('name = "rs"', 'name = "nope"', "unknown strategy")):
        path = tmp_path / "e.toml"
        path.write_text(base.replace(old, new))
        with pytest.raises((ValueError, KeyError), match=message):
            load_experiment(path)

