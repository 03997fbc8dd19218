import math
import multiprocessing as mp

from nasearch.store import ScoreKey, ScoreStore

KEY = ScoreKey.make("nb201/cifar10", "epsinas", {"weights": [1e-7, 1]}, "grey-abc", 0)


def _writer(path, worker, count):
    store = ScoreStore(path)
    for i in range(count):
        store.put(KEY, f"w{worker}-arch{i}", float(worker * 1000 + i), 0.01)


def test_round_trip_and_nan(tmp_path):
    store = ScoreStore(tmp_path / "s.sqlite")
    assert store.get(KEY, "a") is None
    store.put(KEY, "a", 1.5, 0.2)
    store.put(KEY, "b", math.nan, 0.1)
    assert store.get(KEY, "a") == 1.5
    assert math.isnan(store.get(KEY, "b"))  # computed but undefined: not the same as missing
    other = ScoreKey.make("nb201/cifar10", "epsinas", {"weights": [1e-5, 1]}, "grey-abc", 0)
    assert store.get(other, "a") is None
    assert store.get_many(KEY, ["a", "b", "c"]).keys() == {"a", "b"}


def test_scores_written_by_other_processes_are_kept(tmp_path):
    path = tmp_path / "shared.sqlite"
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w, 150)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    found = ScoreStore(path).get_many(KEY, [f"w{w}-arch{i}" for w in range(4) for i in range(150)])
    assert len(found) == 600
    assert found["w3-arch149"][0] == 3149.0
