"""Backends (inline, processes, Ray), sharding and merging: every way of running gives the same results."""

from __future__ import annotations

import importlib.util
import sqlite3

import numpy as np
import pytest

from nasearch import registry
from nasearch.backends import InlineBackend, ProcessBackend, _bounded, make_backend
from nasearch.cli import main
from nasearch.data import synthetic_batch
from nasearch.experiment import ResultStore, load_experiment, run_experiment
from nasearch.interfaces import TASKS
from nasearch.parallel import iter_scores, score_architectures, score_key
from nasearch.experiment.runner import plan
from nasearch.shard import Shard, merge_stores, parse_shard
from nasearch.spaces.nb201 import NB201Space
from nasearch.store import ScoreStore

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = NB201Space(channels=4, cells_per_stage=1)
CIFAR = TASKS["cifar10"]
ARCHS = [TINY.sample(np.random.default_rng(i)) for i in range(24)]
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray is not installed (pip install 'nasearch[ray]')")
needs_table = pytest.mark.skipif(importlib.util.find_spec("analognasbench") is None,
                                 reason="the embedded nb201-cifar10 benchmark needs analog-nasbench")


EXPERIMENT = """
name = "scale"
benchmarks = ["nb201-cifar10"]
proxies = ["nparams"]
rounds = 4
budget = 6
seed = 3
[data]
batch_size = 4
[[strategies]]
name = "rs"
[[strategies]]
name = "rs-warmup"
config = { pool = 8 }
"""


def _scores(backend, store=None, archs=ARCHS, per_task=None):
    proxy = registry.proxies.get("naswot")
    batch = synthetic_batch("normal", CIFAR, 8)
    return np.array([v for _, v in iter_scores(TINY, proxy, CIFAR, batch, archs, store, seed=1, backend=backend,
                                               cells_per_task=per_task)])


def _rows(path):
    return sorted((r["combination"], r["round"], r["final_arch"], r["final_test"], r["trained"],
                   tuple(r["trajectory"]["arch"]), tuple(r["trajectory"]["best_test"]))
                  for r in ResultStore(path).rows())


def test_process_backend_scores_equal_inline_and_only_the_driver_writes(tmp_path):
    inline = _scores(InlineBackend())
    store = ScoreStore(tmp_path / "s.sqlite")
    processes = _scores(ProcessBackend(2), store, per_task=3)
    np.testing.assert_array_equal(processes, inline)
    key = score_key(TINY, registry.proxies.get("naswot"), CIFAR, synthetic_batch("normal", CIFAR, 8), 1)
    assert len(store.seconds(key)) == len({a.text for a in ARCHS})  # naswot is not isomorphism-invariant


def _tagged(shared, item):
    import os

    return shared, item, os.getpid()


def _fail_on_three(shared, item):
    if item == 3:
        raise ValueError("item three")
    return item


def test_one_process_pool_serves_every_map_each_with_its_own_shared_value():
    with ProcessBackend(2) as backend:
        first = list(backend.map(_tagged, "a", range(6)))
        abandoned = backend.map(_tagged, "b", range(50))
        assert next(abandoned)[:2] == ("b", 0)
        abandoned.close()  # a caller that stops early: what is queued is cancelled, the pool stays
        with pytest.raises(ValueError, match="item three"):
            list(backend.map(_fail_on_three, None, range(6)))
        second = list(backend.map(_tagged, {"c": 1}, range(6)))
        assert backend.pools_started == 1
        workers = set(backend._pool._processes)
    assert [(s, i) for s, i, _ in first] == [("a", i) for i in range(6)]
    assert [(s, i) for s, i, _ in second] == [({"c": 1}, i) for i in range(6)]
    assert {pid for *_, pid in first + second} <= workers and len(workers) == 2  # the same two processes
    assert backend._pool is None  # the with block closed it


def test_a_killed_worker_is_replaced_by_a_fresh_pool():
    import os
    import signal

    backend = ProcessBackend(2)
    try:
        pids = {pid for *_, pid in backend.map(_tagged, 0, range(4))}
        os.kill(next(iter(pids)), signal.SIGKILL)
        results = list(backend.map(_tagged, 1, range(4)))
        assert [(s, i) for s, i, _ in results] == [(1, i) for i in range(4)]
        assert backend.pools_started == 2
    finally:
        backend.close()


def test_bounded_in_flight_keeps_order_and_laziness():
    pulled, submitted = [], []

    def items():
        for i in range(100):
            pulled.append(i)
            yield i

    def submit(item):
        submitted.append(item)
        return item

    results = _bounded(submit, lambda item: 10 * item, items(), in_flight=3)
    assert next(results) == 0 and len(pulled) == 3  # nothing beyond the bound is submitted
    assert list(results) == [10 * i for i in range(1, 100)] and submitted == list(range(100))


@needs_ray
@pytest.mark.slow
def test_ray_scores_and_experiment_rounds_equal_local_ones(tmp_path):
    backend = make_backend("ray", workers=2)
    try:
        assert backend.workers == 2
        store = ScoreStore(tmp_path / "ray.sqlite")
        np.testing.assert_array_equal(_scores(backend, store, per_task=5), _scores(InlineBackend()))
        if importlib.util.find_spec("analognasbench") is None:
            return
        path = tmp_path / "e.toml"
        path.write_text(EXPERIMENT)
        config = load_experiment(path)
        ray_run = run_experiment(config, store_path=tmp_path / "ray-e.sqlite", backend=backend)
        local = run_experiment(config, store_path=tmp_path / "local-e.sqlite", workers=1)
    finally:
        backend.close()
    assert ray_run.rounds_run == local.rounds_run == 8
    assert _rows(tmp_path / "ray-e.sqlite") == _rows(tmp_path / "local-e.sqlite")
    # the workers' proxy scores reached the store through the driver
    nparams = sqlite3.connect(tmp_path / "ray-e.sqlite").execute(
        "SELECT COUNT(*) FROM scores WHERE proxy='nparams'").fetchone()[0]
    assert nparams > 0


def test_shard_parsing_and_selection():
    assert parse_shard("1/3") == Shard(1, 3) and parse_shard(None) is None
    for bad in ("3/3", "-1/2", "1/0", "a/b", "1", "1/2/3"):
        with pytest.raises(ValueError, match="i/N|does not exist"):
            parse_shard(bad)
    parts = [list(Shard(i, 3).select(range(10))) for i in range(3)]
    assert sorted(sum(parts, [])) == list(range(10)) and parts[1] == [1, 4, 7]


def test_sharded_scores_merge_to_the_unsharded_store(tmp_path):
    whole = ScoreStore(tmp_path / "whole.sqlite")
    _scores(InlineBackend(), whole)
    shards = []
    for i in range(3):
        shard_store = ScoreStore(tmp_path / f"shard{i}.sqlite")
        _scores(InlineBackend(), shard_store, archs=list(Shard(i, 3).select(ARCHS)))
        shards.append(shard_store.path)
    summary = merge_stores(tmp_path / "merged.sqlite", shards)
    assert summary.scores_added == len({a.text for a in ARCHS})

    def values(path):
        return sorted(sqlite3.connect(path).execute("SELECT space, arch, proxy, config, data, seed, value "
                                                    "FROM scores").fetchall())

    assert values(tmp_path / "merged.sqlite") == values(whole.path)
    again = merge_stores(tmp_path / "merged.sqlite", shards)  # idempotent
    assert again.scores_added == 0 and again.scores_present == summary.scores_added


def test_merge_refuses_disagreeing_stores_and_bad_files(tmp_path):
    a, b = ScoreStore(tmp_path / "a.sqlite"), ScoreStore(tmp_path / "b.sqlite")
    key = score_key(TINY, registry.proxies.get("nparams"), CIFAR, synthetic_batch("grey", CIFAR, 2), 0)
    a.put(key, "cell", 1.0, 0.1)
    b.put(key, "cell", 2.0, 0.1)
    merge_stores(tmp_path / "m.sqlite", [a.path])
    with pytest.raises(ValueError, match="computed differently"):
        merge_stores(tmp_path / "m.sqlite", [b.path])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        merge_stores(tmp_path / "m.sqlite", [tmp_path / "nope.sqlite"])
    with pytest.raises(ValueError, match="output as well as an input"):
        merge_stores(a.path, [a.path])


@needs_table
def test_sharded_experiment_merges_to_the_unsharded_run(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT)
    config = load_experiment(path)
    run_experiment(config, store_path=tmp_path / "whole.sqlite", backend=InlineBackend())
    for i in range(2):
        assert main(["run", str(path), "--shard", f"{i}/2", "--workers", "1", "--quiet",
                     "--store", str(tmp_path / f"part{i}.sqlite")]) == 0
    assert main(["merge", str(tmp_path / "merged.sqlite"), str(tmp_path / "part0.sqlite"),
                 str(tmp_path / "part1.sqlite")]) == 0
    assert "8 experiment rounds added" in capsys.readouterr().out
    assert _rows(tmp_path / "merged.sqlite") == _rows(tmp_path / "whole.sqlite")
    # the plan of shard i holds every N-th (cell, round) pair
    tasks = plan(config, {}, workers=1, shard=Shard(1, 2))
    assert sorted((c, r) for c, rounds in tasks for r in rounds) == [(0, 1), (0, 3), (1, 1), (1, 3)]


def test_score_command_shards_and_cli_backend_errors(tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    common = ["score", "--proxy", "nparams", "--sample", "6", "--quiet", "--store", str(store)]
    if importlib.util.find_spec("analognasbench") is None:
        pytest.skip("needs the embedded benchmark")
    assert main(common + ["--shard", "0/2"]) == 0
    assert "3 nb201 cells (shard 0/2), 3 computed" in capsys.readouterr().out
    assert main(common) == 0
    assert "6 nb201 cells, 3 computed" in capsys.readouterr().out
    for args, message in ((["--address", "auto"], "--backend ray"), (["--device", "tpu"], "device")):
        assert main(common + args) == 2
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(common + ["--shard", "2/2"])
    assert "does not exist" in capsys.readouterr().err
