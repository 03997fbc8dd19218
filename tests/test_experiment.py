"""Experiment files: validation, storage, resumption, determinism and reports."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nasearch.experiment import ResultStore, load_experiment, run_experiment_file
from nasearch.report import write_report
from nasearch.spaces.nb201 import NB201Space


EXPERIMENT = """
name = "tiny"
description = "test experiment"
benchmarks = ["nb201-cifar10"]
rounds = 3
budget = 12
seed = 7
store = "results.sqlite"
report_budgets = [5, 12]

[[proxies]]
name = "convs"
file = "convs.csv"
value_column = "score"

[[strategies]]
name = "rs"

[[strategies]]
name = "rea-move-child"
config = { population = 4, tournament = 2 }

[[strategies]]
name = "free-rea-warmup"
label = "free REA + warm-up"
budget = 1
config = { population = 8, tournament = 3, visited = 40, warmup = 16 }
"""


def write_experiment(folder: Path, text: str = EXPERIMENT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    space = NB201Space()
    lines = ["arch,score"]
    for arch in space.enumerate():  # a made-up proxy: convolutions, 3x3 counting double
        lines.append(f"{arch.text},{2 * arch.ops.count('nor_conv_3x3') + arch.ops.count('nor_conv_1x1')}")
    (folder / "convs.csv").write_text("\n".join(lines) + "\n")
    path = folder / "experiment.toml"
    path.write_text(text)  # convs.csv is named relative to the experiment file
    return path


def stored(path: Path) -> list[tuple]:
    rows = ResultStore(path).rows("tiny")
    return [(r["strategy_label"], r["proxy"], r["round"], r["seed"], r["final_arch"], r["final_test"],
             tuple(r["trajectory"]["arch"]), tuple(r["trajectory"]["best_test"])) for r in rows]


def test_runs_every_cell_and_round_and_skips_them_when_run_again(tmp_path):
    path = write_experiment(tmp_path)
    first = run_experiment_file(path)
    assert (first.combinations, first.rounds_run, first.rounds_skipped) == (3, 9, 0)
    again = run_experiment_file(path)
    assert (again.rounds_run, again.rounds_skipped) == (0, 9)
    rows = ResultStore(tmp_path / "results.sqlite").rows("tiny")
    free = [r for r in rows if r["strategy"] == "free-rea-warmup"]
    assert all(r["trained"] == 1 and len(r["trajectory"]["arch"]) == 1 for r in free)
    assert all(r["trained"] == 12 for r in rows if r["strategy"] != "free-rea-warmup")
    assert {r["seed"] for r in rows} == {7, 8, 9}


def test_interrupted_then_resumed_equals_uninterrupted(tmp_path):
    whole = write_experiment(tmp_path / "whole")
    run_experiment_file(whole)
    parts = write_experiment(tmp_path / "parts")
    partial = run_experiment_file(parts, max_rounds=4)  # "interrupted" after 4 rounds
    assert partial.rounds_run == 4
    rest = run_experiment_file(parts)
    assert (rest.rounds_run, rest.rounds_skipped) == (5, 4)
    assert stored(tmp_path / "whole/results.sqlite") == stored(tmp_path / "parts/results.sqlite")


def test_parallel_workers_give_the_same_results(tmp_path):
    serial = write_experiment(tmp_path / "serial")
    run_experiment_file(serial, workers=1)
    parallel = write_experiment(tmp_path / "parallel")
    run_experiment_file(parallel, workers=2)
    assert stored(tmp_path / "serial/results.sqlite") == stored(tmp_path / "parallel/results.sqlite")


def test_restart_recomputes(tmp_path):
    path = write_experiment(tmp_path)
    run_experiment_file(path, max_rounds=2)
    summary = run_experiment_file(path, resume=False)
    assert (summary.rounds_run, summary.rounds_skipped) == (9, 0)
    with sqlite3.connect(tmp_path / "results.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM experiment_results").fetchone()[0] == 9


def test_report_writes_tables_plots_and_csv(tmp_path):
    path = write_experiment(tmp_path)
    run_experiment_file(path)
    written = write_report(path, tmp_path / "report")
    names = {p.name for p in written}
    assert {"tiny.md", "tiny_runs.csv", "tiny_nb201-cifar10_trained.png"} <= names
    text = (tmp_path / "report/tiny.md").read_text()
    assert "free REA + warm-up" in text and "test @ 5" in text and "test @ 12" in text
    assert len((tmp_path / "report/tiny_runs.csv").read_text().splitlines()) == 1 + 9


@pytest.mark.parametrize("change, message", [
    (("name = \"rs\"", "name = \"rss\""), "unknown strateg.*'rss'.*Did you mean rs"),
    (("population = 4", "populaton = 4"), r"unknown key 'populaton' \(allowed: population, tournament"),
    (("rounds = 3", "rounds = 3\nbudgett = 4"), r"unknown key 'budgett' \(allowed: name, description, space"),
    (("label = \"free REA + warm-up\"", "lable = \"x\""), r"unknown key 'strategies.2.lable' \(allowed: name, label"),
    (("rounds = 3", "rounds = 0"), "rounds"),
    (("budget = 12", "budget = \"x\""), "budget"),
    (("convs.csv", "missing.csv"), "missing.csv does not exist"),
])
def test_bad_experiment_files_are_explained(tmp_path, change, message):
    path = write_experiment(tmp_path, EXPERIMENT.replace(*change))
    with pytest.raises((ValueError, KeyError, FileNotFoundError), match=message) as caught:
        load_experiment(path)
    text = str(caught.value)
    assert "http" not in text and len(text.splitlines()) <= 3 and len(text) < 600  # a few lines, no URLs


def test_a_proxy_strategy_needs_a_proxy(tmp_path):
    text = EXPERIMENT.split("[[proxies]]")[0] + "[[strategies]]\nname = \"pool-top\"\n"
    path = write_experiment(tmp_path, text)
    with pytest.raises(ValueError, match="list at least one in 'proxies'"):
        load_experiment(path)


def test_a_training_free_strategy_runs_without_a_budget_of_its_own(tmp_path):
    path = write_experiment(tmp_path, EXPERIMENT.replace("budget = 1\n", "").replace("rounds = 3", "rounds = 1"))
    load_experiment(path)  # the experiment's budget of 12 is fine: a free strategy trains its pick only
    run_experiment_file(path, workers=1)
    free = [row for row in stored(tmp_path / "results.sqlite") if "free" in str(row)]
    assert free, "the training-free strategy ran"


def test_curves_against_seconds_step_at_each_trained_cell():
    import numpy as np

    from nasearch.report import _curves_seconds

    row = {"trajectory": {"best_test": [80.0, 85.0, 90.0], "proxy_seconds": [0.5, 1.0, 1.0],
                          "train_seconds": [0.5, 2.0, 5.0]}}  # elapsed: 1, 3, 6 s
    values = _curves_seconds([row], np.array([0.5, 1.0, 2.0, 3.0, 10.0]))
    np.testing.assert_array_equal(values[0], [np.nan, 80.0, 80.0, 85.0, 90.0])


def test_cli_run_and_report_subcommands(tmp_path, capsys):
    import argparse

    from nasearch.experiment.cli import add_cli

    parser = argparse.ArgumentParser(prog="nasearch")
    add_cli(parser.add_subparsers(dest="command", required=True))
    path = write_experiment(tmp_path)
    args = parser.parse_args(["run", str(path), "--workers", "1", "--quiet", "--max-rounds", "2"])
    assert args.func(args) == 0
    assert "2 rounds run" in capsys.readouterr().out
    args = parser.parse_args(["run", str(path), "--workers", "1", "--quiet"])
    assert args.func(args) == 0
    assert "7 rounds run, 2 already stored" in capsys.readouterr().out
    args = parser.parse_args(["report", str(path), "--out", str(tmp_path / "out"), "--budgets", "3,12",
                              "--x-axis", "trained"])
    assert args.func(args) == 0
    assert "test @ 3" in (tmp_path / "out/tiny.md").read_text()


def test_by_network_answers_for_a_missing_twin(tmp_path):
    from nasearch.benchmarks.isomorphic import ByNetwork
    from nasearch.benchmarks.table import TableBenchmark

    space = NB201Space()
    one = "|skip_connect~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|"
    twin = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"  # the same identity network
    table = tmp_path / "acc.csv"
    table.write_text(f"arch,valid_accuracy,test_accuracy\n{one},50.0,49.0\n")
    for benchmark in (ByNetwork(TableBenchmark(table), space), TableBenchmark(table, by_network=True)):
        assert benchmark.covers(space.parse(twin))
        assert benchmark.train(space.parse(twin)).test_accuracy == 49.0
        with pytest.raises(KeyError, match="same network"):
            benchmark.train(space.parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|"))


def test_a_changed_score_table_is_a_new_combination(tmp_path):
    path = write_experiment(tmp_path)
    run_experiment_file(path)
    table = tmp_path / "convs.csv"
    table.write_text(table.read_text().replace(",0\n", ",0.5\n", 1))
    summary = run_experiment_file(path)
    # rs needs no proxy: its 3 rounds stand; the 6 rounds scored with the old table are redone
    assert (summary.rounds_run, summary.rounds_skipped) == (6, 3)


COMPUTED = """
name = "on-a-device"
rounds = 1
budget = 3
device = "{device}"

[data]
batch_size = 4

[[proxies]]
name = "nparams"

[[strategies]]
name = "pool-top"
config = {{ pool = 3 }}
"""


def test_the_device_is_an_experiment_setting_that_the_cli_overrides(tmp_path, capsys):
    from nasearch.cli import main

    with pytest.raises(ValueError, match="device must be cpu, cuda or cuda:N, got 'gpu'"):
        load_experiment(write_experiment(tmp_path / "bad", COMPUTED.format(device="gpu")))
    path = write_experiment(tmp_path / "cpu", COMPUTED.format(device="cpu"))
    assert load_experiment(path).device == "cpu"
    assert main(["run", str(path), "--quiet", "--store", str(tmp_path / "r.sqlite"), "--device", "cpu"]) == 0
    assert main(["run", str(path), "--quiet", "--restart", "--store", str(tmp_path / "r.sqlite"),
                 "--device", "tpu"]) == 2
    assert "device must be cpu, cuda or cuda:N, got 'tpu'" in capsys.readouterr().err


def test_a_cuda_experiment_on_a_machine_without_one_says_so(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU: the refusal is for machines without one")
    path = write_experiment(tmp_path, COMPUTED.format(device="cuda"))
    with pytest.raises(ValueError, match="sees no CUDA GPU"):
        run_experiment_file(path, store_path=tmp_path / "r.sqlite")
