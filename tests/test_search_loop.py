import math

import numpy as np
import pytest

from nasearch import registry
from nasearch.benchmarks import FunctionBenchmark
from nasearch.interfaces import TrainResult
from nasearch.loop import run_search
from nasearch.spaces.nb201 import NB201Space
from nasearch.strategies.evolution import REA

SPACE = NB201Space()


def accuracy_of(arch):
    """A deterministic stand-in for training: more convolutions, higher accuracy."""
    return 50.0 + 5 * sum(op.startswith("nor_conv") for op in arch.ops) + 0.1 * arch.ops.count("skip_connect")


class CountingBenchmark(FunctionBenchmark):
    def __init__(self):
        super().__init__(lambda a: (accuracy_of(a), accuracy_of(a) - 1))
        self.trained = []

    def train(self, arch):
        self.trained.append(arch.text)
        return super().train(arch)


class CountingScorer:
    """Scores by the same formula (a perfect proxy), counting calls."""

    def __init__(self):
        self.calls = 0
        self.seconds = 0.0
        self.nan = 0

    def __call__(self, arch):
        self.calls += 1
        return accuracy_of(arch)


@pytest.mark.parametrize("name", ["rs", "rs-warmup", "rea", "rea-warmup"])
def test_proxy_calls_are_not_charged_to_the_training_budget(name):
    scorer = CountingScorer()
    bench = CountingBenchmark()
    options = {"pool": 200} if "warmup" in name else {}
    strategy = registry.strategies.get(name, space=SPACE, seed=0, scorer=scorer, **options)
    result = run_search(strategy, bench, budget=30)
    assert len(bench.trained) == len(set(bench.trained)) == 30  # each cell trained once
    assert len(result.trajectory) == 30
    if "warmup" in name:
        assert scorer.calls == 200
        assert result.trajectory[-1].proxy_calls == 200
    else:
        assert scorer.calls == 0


def test_warmup_trains_in_order_of_decreasing_score():
    scorer = CountingScorer()
    strategy = registry.strategies.get("rs-warmup", space=SPACE, seed=1, scorer=scorer, pool=100)
    result = run_search(strategy, CountingBenchmark(), budget=20)
    scores = [accuracy_of(SPACE.parse(p.arch)) for p in result.trajectory]
    assert scores == sorted(scores, reverse=True)


def test_nan_scores_rank_last_in_warmup():
    class NanForPools:
        calls = 0
        seconds = 0.0
        nan = 0

        def __call__(self, arch):
            return math.nan if "avg_pool_3x3" in arch.ops else accuracy_of(arch)

    strategy = registry.strategies.get("rs-warmup", space=SPACE, seed=2, scorer=NanForPools(), pool=300)
    order = [strategy.ask() for _ in range(300)]
    first_nan = next(i for i, a in enumerate(order) if "avg_pool_3x3" in a.ops)
    assert all("avg_pool_3x3" in a.ops for a in order[first_nan:])


def test_rea_removes_the_oldest_not_the_worst():
    rea = REA(SPACE, seed=0, population=3, tournament=2)
    cells = [SPACE.sample(np.random.default_rng(i)) for i in range(4)]
    accuracies = [99.0, 10.0, 20.0, 30.0]  # the oldest is the best
    for cell, acc in zip(cells, accuracies):
        rea.tell(cell, TrainResult(acc, acc))
    members = [a.text for a, _ in rea.population]
    assert members == [c.text for c in cells[1:]]
    assert cells[0].text not in members


def test_rea_children_are_one_edit_from_a_population_member():
    bench = CountingBenchmark()
    strategy = registry.strategies.get("rea", space=SPACE, seed=5, population=10, tournament=3)
    result = run_search(strategy, bench, budget=40)
    trained = [SPACE.parse(p.arch) for p in result.trajectory]
    for child in trained[10:]:
        assert any(SPACE.edit_distance(child, other) == 1 for other in trained[: trained.index(child)])


@pytest.mark.parametrize("name", ["rs", "rea", "rs-warmup", "rea-warmup"])
def test_same_seed_same_result(name):
    def once():
        strategy = registry.strategies.get(name, space=SPACE, seed=11, scorer=CountingScorer(),
                                           **({"pool": 100} if "warmup" in name else {}))
        return [p.arch for p in run_search(strategy, CountingBenchmark(), budget=25).trajectory]

    assert once() == once()


def test_repeated_proposals_are_free_and_recorded():
    class Repeating(REA):
        def ask(self):
            return SPACE.from_ops(["nor_conv_3x3"] * 6) if len(self.history) % 2 else super().ask()

    bench = CountingBenchmark()
    result = run_search(Repeating(SPACE, seed=0, population=4, tournament=2), bench, budget=6)
    assert len(bench.trained) == 6 and result.repeated_proposals > 0


def test_stuck_strategy_raises():
    class Stuck(REA):
        def ask(self):
            return SPACE.from_ops(["none"] * 6)

    with pytest.raises(RuntimeError, match="already-trained"):
        run_search(Stuck(SPACE, seed=0), CountingBenchmark(), budget=2, max_repeats=50)


def test_best_accuracy_trajectory_is_monotone_and_manifest_reproduces():
    strategy = registry.strategies.get("rea", space=SPACE, seed=3)
    result = run_search(strategy, CountingBenchmark(), budget=80)
    best = [p.best_valid for p in result.trajectory]
    assert best == sorted(best)
    m = result.manifest
    assert (m["strategy"], m["seed"], m["budget"]) == ("rea", 3, 80)
    again = registry.strategies.get(m["strategy"], space=SPACE, seed=m["seed"], **m["strategy_config"])
    assert [p.arch for p in run_search(again, CountingBenchmark(), m["budget"]).trajectory] == \
        [p.arch for p in result.trajectory]


def test_warmup_strategy_without_proxy_is_a_clear_error():
    with pytest.raises(ValueError, match="proxy"):
        registry.strategies.get("rea-warmup", space=SPACE, seed=0)


def test_scores_read_from_the_store_are_charged_at_their_stored_cost(tmp_path):
    from nasearch.data import synthetic_batch
    from nasearch.interfaces import TASKS
    from nasearch.scoring import ProxyScorer
    from nasearch.store import ScoreStore

    tiny = NB201Space(channels=4, cells_per_stage=1)
    task = TASKS["cifar10"]
    batch = synthetic_batch("normal", task, 8)
    store = ScoreStore(tmp_path / "scores.sqlite")

    def search(scorer):
        strategy = registry.strategies.get("rs-warmup", space=tiny, seed=0, scorer=scorer, pool=12)
        return run_search(strategy, CountingBenchmark(), budget=5).trajectory[-1].proxy_seconds

    cold_scorer = ProxyScorer(tiny, registry.proxies.get("naswot"), task, batch, store)
    cold = search(cold_scorer)
    assert cold == pytest.approx(cold_scorer.seconds) and cold > 0
    assert search(cold_scorer) == pytest.approx(cold)  # a second run on the same scorer pays again
    warm_scorer = ProxyScorer(tiny, registry.proxies.get("naswot"), task, batch, store)
    assert search(warm_scorer) == pytest.approx(cold)  # a fresh process reading the store pays the same
    assert warm_scorer.computed == 0
