"""A newcomer's first hour (issue 10): messages that say what is wrong, progress on stderr
with a total and an ETA (never minutes of silence, also with --json), true times, and
documented commands that leave the committed results alone."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nasearch import registry
from nasearch.cli import main

ROOT = Path(__file__).resolve().parents[1]
SILENCE_LIMIT_S = 10.0  # "a few seconds", with room for a loaded 2-core machine
CELLS = [
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|none~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|",
    "|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|avg_pool_3x3~2|",
]


def _error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    return err[-1] if err else ""


# --- messages ---------------------------------------------------------------------------------

def test_zero_rounds_refused(capsys):
    assert main(["search", "--strategy", "rs", "--rounds", "0", "--quiet"]) == 2
    assert "--rounds must be at least 1" in _error(capsys)


def test_unknown_space_suggests_the_close_name(capsys):
    assert main(["correlate", "--space", "nb2O1", "--proxy", "nparams", "--quiet"]) == 2
    line = _error(capsys)
    assert "unknown space 'nb2O1'" in line and "Did you mean nb201" in line
    assert "default benchmark" not in line


def test_data_file_that_is_not_npz_is_named(tmp_path, capsys):
    bad = tmp_path / "images.csv"
    bad.write_text("1,2,3\n")
    single = tmp_path / "images.npy"
    np.save(single, np.zeros((2, 3)))
    for path in (bad, single):
        assert main(["correlate", "--proxy", "epsinas", "--sample", "5", "--data", str(path), "--quiet"]) == 2
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and ".npz" in lines[0]


@pytest.mark.parametrize("option", ["wieghts=[1e-7,1]", "dtype=float16"])
def test_bad_proxy_option_is_one_line_listing_the_allowed_keys(option, capsys):
    assert main(["correlate", "--proxy", "epsinas", "--sample", "5", "--proxy-option", option, "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "http" not in err[0]
    allowed = sorted(registry.proxies.get_class("epsinas").Config.model_fields)
    assert f"allowed options: {', '.join(allowed)}" in err[0]
    assert option.split("=")[0] in err[0]


def test_bad_strategy_option_is_one_line(capsys):
    assert main(["search", "--strategy", "rea", "--strategy-option", "populaton=10", "--rounds", "1",
                 "--budget", "5", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown option 'populaton'" in err[0] and "population" in err[0]


def test_list_says_each_orientation_once(capsys):
    assert main(["list", "proxies"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert lines
    for line in lines:
        assert line.count("is better") == 1, line
        assert "``" not in line


@pytest.mark.parametrize("command", [[], ["list"], ["correlate"], ["search"], ["run"], ["report"]])
def test_help_is_plain_text(command, capsys):
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert "usage: nasearch" in out
    assert "``" not in out and "%%" not in out


def test_score_table_covering_some_cells_warns_how_many_are_nan(tmp_path, capsys):
    table = tmp_path / "scores.csv"
    table.write_text("arch,mine\n" + "".join(f"{cell},{i}\n" for i, cell in enumerate(CELLS)))
    assert main(["correlate", "--proxy", f"table:{table}:mine", "--sample", "40", "--quiet", "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert f"has no score for {result['nan']} of the 40 sampled cells" in captured.err
    assert main(["search", "--strategy", "rea-warmup", "--proxy", f"table:{table}:mine", "--rounds", "1",
                 "--budget", "5", "--pool", "20", "--quiet"]) == 0
    assert re.search(r"of the 15,625 cells of nb201-cifar10(-200ep)?; they score NaN", capsys.readouterr().err)


def test_missing_reference_data_says_where_it_looked_and_what_to_do(tmp_path, monkeypatch):
    import nasearch.benchmarks.table as table

    monkeypatch.delenv("NASEARCH_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(table, "__file__", str(tmp_path / "pkg" / "nasearch" / "benchmarks" / "table.py"))
    with pytest.raises(FileNotFoundError) as err:
        table.find_data_dir()
    message = str(err.value)
    assert "NASEARCH_DATA_DIR" in message and "does not ship" in message and "nb201-cifar10" in message
    assert str(tmp_path) in message


# --- progress and timings -----------------------------------------------------------------------

def _watch(args: list[str], tmp_path: Path) -> tuple[int, str, str, float]:
    """Run ``nasearch ARGS``; (exit status, stdout, stderr, longest silence after the first output)."""
    env = {**os.environ, "NASEARCH_CACHE_DIR": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "nasearch.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}
    stamps: list[float] = []

    def pump(stream, name: str) -> None:
        while chunk := os.read(stream.fileno(), 65536):
            stamps.append(time.perf_counter())
            chunks[name].append(chunk)

    threads = [threading.Thread(target=pump, args=(proc.stdout, "out")),
               threading.Thread(target=pump, args=(proc.stderr, "err"))]
    for t in threads:
        t.start()
    rc = proc.wait(timeout=600)
    end = time.perf_counter()
    for t in threads:
        t.join()
    times = sorted(stamps) + [end]
    silence = max((b - a for a, b in zip(times, times[1:])), default=0.0)
    return rc, b"".join(chunks["out"]).decode(), b"".join(chunks["err"]).decode(), silence


@pytest.mark.slow
def test_correlate_json_shows_progress_with_total_and_is_never_silent(tmp_path):
    rc, out, err, silence = _watch(["correlate", "--proxy", "nparams", "--sample", "60", "--json", "--no-store"],
                                   tmp_path)
    assert rc == 0
    assert json.loads(out)["n"] == 60  # stdout: one clean JSON object
    assert "60/60" in err and "loading benchmark" in err
    assert re.search(r"\d\d:\d\d<\d\d:\d\d", err)  # elapsed<remaining: the ETA
    assert silence < SILENCE_LIMIT_S, f"nothing printed for {silence:.1f} s"


@pytest.mark.slow
def test_search_json_shows_the_pool_scoring(tmp_path):
    rc, out, err, silence = _watch(["search", "--strategy", "rs-warmup", "--proxy", "nparams", "--rounds", "1",
                                    "--budget", "5", "--pool", "40", "--json", "--no-store"], tmp_path)
    assert rc == 0 and json.loads(out)["rounds"]
    assert "nparams" in err and "/40" in err  # the warm-up pool's bar, with its total
    assert silence < SILENCE_LIMIT_S, f"nothing printed for {silence:.1f} s"


def test_versus_reports_each_proxys_own_time(capsys):
    assert main(["correlate", "--proxy", "nparams", "--versus", "flops", "--sample", "12", "--no-store",
                 "--quiet"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "nparams: 12 newly scored" in first and "flops: 12 newly scored" in first and "in all" in first


def test_parallel_scoring_of_a_generator_shows_its_total(capsys):
    from nasearch.api import make_scorer
    from nasearch.parallel import score_architectures

    space = registry.spaces.get("nb201")
    task = registry.benchmarks.get("nb201-cifar10").task
    scorer = make_scorer(space, task, "nparams")
    cells = (space.sample(np.random.default_rng(i)) for i in range(6))
    score_architectures(space, scorer.proxy, task, scorer.batch, cells, progress=True, total=6)
    assert "6/6" in capsys.readouterr().err


def test_progress_bar_needs_a_total():
    from nasearch.progress import bar

    with pytest.raises(ValueError, match="total"):
        bar(iter(range(3)))


# --- committed results stay as they are ---------------------------------------------------------

def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.slow
def test_main_job_writes_to_the_working_directory_not_the_committed_folder(tmp_path):
    committed = ROOT / "experiments" / "main_job"
    before = _digest(committed)
    env = {**os.environ, "NASEARCH_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, str(committed / "main_job.py"), "--rounds", "1", "--budget", "5",
                          "--pool", "40", "--workers", "1"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    assert _digest(committed) == before
    written = tmp_path / "nasearch-main-job"
    assert {"results.md", "results.json", "best_accuracy.png"} <= set(_digest(written))
    assert "epsinas" in run.stderr  # the pool scoring was shown
    refused = subprocess.run([sys.executable, str(committed / "main_job.py"), "--rounds", "0"], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "--rounds must be at least 1" in refused.stderr


def test_plot_keeps_coinciding_curves_visible(tmp_path, monkeypatch):
    import matplotlib.figure

    from nasearch.benchmarks import FunctionBenchmark
    from nasearch.interfaces import TrainResult
    from nasearch.loop import run_search
    from nasearch.report import plot_best_accuracy

    space = registry.spaces.get("nb201")
    bench = FunctionBenchmark(lambda a: TrainResult(float(len(a.text) % 7), float(len(a.text) % 7)))
    rounds = [run_search(registry.strategies.get("rs", space=space, seed=s), bench, 30) for s in range(3)]
    saved = []
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", lambda fig, *a, **k: saved.append(fig))
    plot_best_accuracy({"a": rounds, "b": rounds}, tmp_path / "p.png")  # two identical curves
    ax = saved[0].axes[0]
    lines = [line for line in ax.get_lines() if line.get_label() in ("a", "b")]
    assert len(lines) == 2
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert lines[0].get_marker() != lines[1].get_marker()
    assert not set(lines[0].get_markevery()) & set(lines[1].get_markevery())
    assert "25–75%" in ax.get_legend().get_title().get_text()
