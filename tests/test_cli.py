import json

import pytest

from nasearch.cli import main


def run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list(capsys):
    code, out, _ = run(capsys, "list", "proxies")
    assert code == 0 and "epsinas" in out and "nparams" in out


def test_correlate_json_keys(capsys):
    code, out, _ = run(capsys, "correlate", "--proxy", "nparams", "--sample", "80", "--seed", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"n", "nan", "spearman", "kendall", "spearman_top10", "kendall_top10", "top10_top10",
                         "top64_top5", "seconds_per_arch", "monotonicity"}
    assert data["n"] == 80 and data["nan"] == 0 and 0.5 < data["spearman"] < 0.95


def test_search_json(capsys):
    code, out, _ = run(capsys, "search", "--strategy", "rea", "--budget", "40", "--rounds", "3", "--json")
    assert code == 0
    data = json.loads(out)
    assert len(data["rounds"]) == 3 and data["mean"] == pytest.approx(sum(data["rounds"]) / 3)


def test_search_warmup_with_proxy_and_plot(capsys, tmp_path):
    plot = tmp_path / "p.png"
    code, out, _ = run(capsys, "search", "--strategy", "rs,rs-warmup", "--proxy", "nparams", "--pool", "50",
                       "--budget", "20", "--rounds", "2", "--plot", str(plot))
    assert code == 0 and plot.stat().st_size > 1000
    assert "rs-warmup" in out and "± " in out


@pytest.mark.parametrize("args, message", [
    (["search", "--strategy", "rea-warmup", "--budget", "5", "--rounds", "1"], "pass --proxy"),
    (["correlate", "--proxy", "nparams", "--sample", "x"], "--sample"),
    (["correlate", "--proxy", "nparams", "--sample", "5", "--data", "nowhere.npz"], "does not exist"),
    (["correlate", "--proxy", "epsinas", "--sample", "5", "--proxy-option", "weights"], "KEY=VALUE"),
    (["correlate", "--proxy", "nparams", "--sample", "5", "--benchmark", "nb201-cifar1O"], "Did you mean"),
    (["correlate", "--proxy", "table:synflw", "--sample", "5"], "unknown score table 'synflw'"),
    (["correlate", "--proxy", "table:nowhere.csv:synflow", "--sample", "5"], "does not exist"),
    (["correlate", "--proxy", "table:synflow", "--sample", "5", "--proxy-option", "a=1"], "no proxy options"),
])
def test_bad_arguments_give_one_line_errors(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_correlate_workers_versus_and_monotonicity(capsys, tmp_path):
    common = ["correlate", "--proxy", "nparams", "--sample", "40", "--seed", "2", "--json", "--batch-size", "8"]
    _, serial, _ = run(capsys, *common, "--store", str(tmp_path / "a.sqlite"), "--workers", "1")
    code, parallel, _ = run(capsys, *common, "--store", str(tmp_path / "b.sqlite"), "--workers", "2",
                            "--versus", "flops")
    assert code == 0
    serial, parallel = json.loads(serial), json.loads(parallel)
    for key in ("spearman", "kendall", "monotonicity"):
        assert parallel[key] == pytest.approx(serial[key])
    # monotonicity is |Kendall tau_a|; without ties in the accuracies it is close to tau_b
    assert parallel["monotonicity"] == pytest.approx(abs(serial["kendall"]), abs=0.05)
    assert parallel["versus"] == "flops" and -1 <= parallel["partial_correlation"] <= 1
    # workers return scores to this process, so parallel scoring needs no store
    code, unstored, _ = run(capsys, *common, "--no-store", "--workers", "2")
    assert code == 0 and json.loads(unstored)["spearman"] == pytest.approx(serial["spearman"])


def test_search_scores_its_pools_on_workers(capsys, tmp_path):
    common = ["search", "--strategy", "rea-warmup", "--proxy", "nparams", "--pool", "60", "--budget", "15",
              "--rounds", "2", "--batch-size", "8"]
    _, serial, _ = run(capsys, *common, "--store", str(tmp_path / "a.sqlite"))
    code, parallel, _ = run(capsys, *common, "--store", str(tmp_path / "b.sqlite"), "--workers", "2")
    assert code == 0
    table = lambda out: out.splitlines()[1:4]  # noqa: E731  (the budget table, not the timings)
    assert table(parallel) == table(serial)
    scored = [line for line in parallel.splitlines() if line.startswith("proxy:")][0]
    assert not scored.startswith("proxy: 0 cells")
    # the workers' scores reached this process's store: a rerun computes none
    _, again, _ = run(capsys, *common, "--store", str(tmp_path / "b.sqlite"))
    assert "proxy: 0 cells scored" in again and table(again) == table(serial)


def test_table_proxy_from_a_csv_and_a_preset(capsys, tmp_path, monkeypatch, shared_data):
    from nasearch.spaces.nb201 import NB201Space

    # a table of one's own over the whole space: the number of convolutions of each cell
    path = tmp_path / "convs.csv"
    rows = [f"{a.text},{a.text.count('conv')}" for a in NB201Space().enumerate()]
    path.write_text("arch,convs\n" + "\n".join(rows) + "\n")
    code, out, _ = run(capsys, "correlate", "--proxy", f"table:{path}:convs", "--sample", "200", "--json")
    data = json.loads(out)
    assert code == 0 and data["n"] == 200 and data["nan"] == 0 and data["spearman"] > 0.3
    monkeypatch.setenv("NASEARCH_DATA_DIR", str(shared_data))
    code, out, _ = run(capsys, "search", "--strategy", "rs-warmup", "--proxy", "table:synflow", "--pool", "100",
                       "--budget", "10", "--rounds", "2")
    assert code == 0 and "scores read from the table" in out


@pytest.mark.parametrize("command", ["correlate", "search"])
def test_help_explains_table_proxies(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "table:PRESET" in text and "table:PATH:COLUMN" in text and "synflow" in text


def test_correlate_rank_ensemble_of_tables(capsys, shared_data):
    # issue 14: --proxy a+b is the rank average of the two proxies (here NASLib's stored scores)
    code, out, _ = run(capsys, "correlate", "--proxy", "table:synflow+table:naswot", "--sample", "300", "--seed", "1",
                       "--json")
    assert code == 0
    both = json.loads(out)
    singles = {}
    for name in ("table:synflow", "table:naswot"):
        code, out, _ = run(capsys, "correlate", "--proxy", name, "--sample", "300", "--seed", "1", "--json")
        singles[name] = json.loads(out)
    assert both["n"] + both["nan"] == 300
    assert both["spearman"] > min(s["spearman"] for s in singles.values())
