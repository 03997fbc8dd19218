"""Strategies on a space and proxy small enough to work out by hand."""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np
import pytest
import torch

from nasearch.architecture import Architecture
from nasearch.interfaces import TASKS, Benchmark, SearchSpace, Task, TrainResult
from nasearch.loop import run_search
from nasearch.registry import strategies

OPS = ("a", "b", "c")


class PairSpace(SearchSpace):
    """Cells are two ops from {a, b, c}: 9 cells, written 'xy'; neighbours change one op."""

    name = "pair"

    def cell(self, text: str) -> Architecture:
        return Architecture.from_edges(self.name, text, ((0, 1, text[0]), (1, 2, text[1])))

    def sample(self, rng: np.random.Generator) -> Architecture:
        return self.cell(OPS[int(rng.integers(3))] + OPS[int(rng.integers(3))])

    def neighbours(self, arch: Architecture) -> list[Architecture]:
        out = []
        for position in range(2):
            for op in OPS:
                if op != arch.text[position]:
                    text = list(arch.text)
                    text[position] = op
                    out.append(self.cell("".join(text)))
        return out

    def edit_distance(self, a: Architecture, b: Architecture) -> int:
        return sum(x != y for x, y in zip(a.text, b.text))

    def parse(self, text: str) -> Architecture:
        if len(text) != 2 or any(c not in OPS for c in text):
            raise ValueError(f"not a pair cell: {text!r}")
        return self.cell(text)

    def build(self, arch: Architecture, task: Task) -> torch.nn.Module:
        return torch.nn.Identity()

    def enumerate(self) -> Iterator[Architecture]:
        for x in OPS:
            for y in OPS:
                yield self.cell(x + y)

    def __len__(self) -> int:
        return 9


class DictScorer:
    """A proxy as a dictionary; counts calls like ProxyScorer."""

    def __init__(self, scores: dict[str, float]):
        self.scores = scores
        self.calls = 0
        self.seconds = 0.0
        self.nan = 0

    def __call__(self, arch: Architecture) -> float:
        self.calls += 1
        value = self.scores[arch.text]
        self.nan += math.isnan(value)
        return value


class DictBenchmark(Benchmark):
    name = "dict"

    def __init__(self, accuracies: dict[str, float]):
        self.accuracies = accuracies
        self.space_name = "pair"
        self.task = TASKS["cifar10"]
        self.trained: list[str] = []

    def covers(self, arch: Architecture) -> bool:
        return arch.text in self.accuracies

    def train(self, arch: Architecture) -> TrainResult:
        self.trained.append(arch.text)
        value = self.accuracies[arch.text]
        return TrainResult(value, value + 0.5)


SPACE = PairSpace()
# accuracies and proxy scores disagree on purpose: 'aa' is the most accurate, 'cc' scores best
ACCURACY = {"aa": 90.0, "ab": 80.0, "ac": 70.0, "ba": 60.0, "bb": 50.0, "bc": 40.0, "ca": 30.0, "cb": 20.0,
            "cc": 10.0}
SCORES = {"aa": 1.0, "ab": -3.0, "ac": math.nan, "ba": 5.0, "bb": 2.0, "bc": 0.0, "ca": -1.0, "cb": 4.0,
          "cc": 9.0}


def make(name: str, seed: int = 0, scores: dict[str, float] | None = None, **config):
    scorer = DictScorer(scores or SCORES) if strategies.get_class(name).needs_proxy else None
    return strategies.get(name, space=SPACE, seed=seed, scorer=scorer, **config)


def result(text: str) -> TrainResult:
    return TrainResult(ACCURACY[text], ACCURACY[text])


def seed_population(strategy, texts: list[str]) -> None:
    """Fill the population as if ``texts`` had been proposed and trained, in that order."""
    strategy._initialised = True
    for text in texts:
        strategy.tell(SPACE.cell(text), result(text))


def test_rea_removes_the_oldest_member_whatever_its_accuracy():
    rea = make("rea", population=3)
    seed_population(rea, ["aa", "bb", "cc"])
    rea.tell(SPACE.cell("cb"), result("cb"))  # 'aa', the best and oldest, must leave
    assert [a.text for a, _ in rea.population] == ["bb", "cc", "cb"]
    rea.tell(SPACE.cell("ca"), result("ca"))
    assert [a.text for a, _ in rea.population] == ["cc", "cb", "ca"]


def test_rea_parent_is_the_most_accurate_of_the_tournament():
    rea = make("rea", population=3, tournament=3)
    seed_population(rea, ["cc", "aa", "bb"])
    assert rea.select_parent().text == "aa"


def test_move_parent_picks_the_parent_by_proxy_score():
    strategy = make("rea-move-parent", population=3, tournament=3)
    seed_population(strategy, ["aa", "bb", "cc"])
    # by accuracy the parent would be 'aa'; by score (9 > 2 > 1) it is 'cc'
    assert strategy.select_parent().text == "cc"
    child = strategy.ask()
    assert SPACE.edit_distance(child, SPACE.cell("cc")) == 1


def test_move_parent_ranks_nan_scores_below_negative_ones():
    strategy = make("rea-move-parent", population=2, tournament=2)
    seed_population(strategy, ["ac", "ab"])  # scores NaN and -3
    assert strategy.select_parent().text == "ab"


def test_move_child_takes_the_best_scoring_neighbour_of_the_accuracy_parent():
    strategy = make("rea-move-child", population=3, tournament=3, random_move_probability=0.0)
    seed_population(strategy, ["aa", "bb", "cc"])
    # parent by accuracy: 'aa'; its neighbours ba(5), ca(-1), ab(-3), ac(NaN): the child is 'ba'
    assert strategy.ask().text == "ba"
    assert strategy.scorer.calls == 4


def test_move_child_never_prefers_nan_and_breaks_ties_in_neighbour_order():
    scores = {t: -5.0 for t in ACCURACY} | {"ab": math.nan, "ac": math.nan, "ba": -7.0, "ca": -6.0}
    strategy = make("rea-move-child", scores=scores, population=1, tournament=1, random_move_probability=0.0)
    seed_population(strategy, ["aa"])
    # neighbours of 'aa' in order: ba(-7), ca(-6), ab(NaN), ac(NaN) -> 'ca'
    assert strategy.ask().text == "ca"
    tied = {t: 1.0 for t in ACCURACY}
    strategy = make("rea-move-child", scores=tied, population=1, tournament=1, random_move_probability=0.0)
    seed_population(strategy, ["aa"])
    assert strategy.ask().text == "ba"  # the first neighbour


def test_move_child_mutates_at_random_with_the_given_probability():
    children = []
    for seed in range(400):
        strategy = make("rea-move-child", seed=seed, population=1, tournament=1)  # default probability 0.25
        seed_population(strategy, ["aa"])
        children.append(strategy.ask().text)
    best_share = children.count("ba") / len(children)
    # best neighbour with probability 0.75, plus a random one of the 4 neighbours with 0.25 / 4
    assert abs(best_share - (0.75 + 0.25 / 4)) < 0.06
    assert set(children) == {"ba", "ca", "ab", "ac"}
    always_random = []
    for seed in range(100):
        strategy = make("rea-move-child", seed=seed, population=1, tournament=1, random_move_probability=1.0)
        seed_population(strategy, ["aa"])
        always_random.append(strategy.ask().text)
    assert 0.1 < always_random.count("ba") / 100 < 0.45


def test_warmup_variants_start_from_the_best_scored_cells():
    for name in ("rea-warmup", "rea-move-parent-warmup", "rea-move-child-warmup"):
        strategy = make(name, population=3, pool=9)  # the pool is the whole space
        initial = [strategy.ask().text for _ in range(3)]
        assert initial == ["cc", "ba", "cb"], name  # scores 9, 5, 4


def test_free_rs_picks_the_best_score_and_trains_one_cell():
    benchmark = DictBenchmark(ACCURACY)
    strategy = make("free-rs", candidates=200)  # 200 draws cover all 9 cells
    out = run_search(strategy, benchmark, budget=300)  # the loop trains only the pick, whatever the budget
    assert benchmark.trained == ["cc"]
    assert out.final.text == "cc" and out.final_test == 10.5
    assert strategy.visited == 200 and strategy.scorer.calls == 200
    with pytest.raises(RuntimeError, match="nothing more to propose"):
        strategy.ask()


def test_free_rs_with_few_candidates_takes_the_best_it_saw():
    strategy = make("free-rs", seed=3, candidates=3)
    pick = strategy.ask()
    rng = np.random.default_rng(3)
    seen = [SPACE.sample(rng).text for _ in range(3)]
    best = max(seen, key=lambda t: -math.inf if math.isnan(SCORES[t]) else SCORES[t])
    assert pick.text == best


@pytest.mark.parametrize("name", ["free-rea", "free-rea-warmup"])
def test_free_rea_finds_the_top_score_visits_m_models_and_trains_one(name):
    benchmark = DictBenchmark(ACCURACY)
    config = dict(population=4, tournament=2, visited=30)
    if name == "free-rea-warmup":
        config["warmup"] = 6
    strategy = make(name, seed=1, **config)
    out = run_search(strategy, benchmark, budget=1)
    assert benchmark.trained == ["cc"] and out.final.text == "cc"
    assert strategy.visited == 30
    assert len(out.trajectory) == 1
    # the proxy-best cell after each visited model (paper 002 Figure 2): one entry per visit,
    # never getting worse, ending at the pick
    assert len(strategy.trajectory) == 30 and strategy.trajectory[-1].text == "cc"
    keys = [-math.inf if math.isnan(SCORES[a.text]) else SCORES[a.text] for a in strategy.trajectory]
    assert keys == sorted(keys)


def test_free_rs_trajectory_is_the_running_best_of_its_draws():
    strategy = make("free-rs", seed=3, candidates=6)
    strategy.ask()
    rng = np.random.default_rng(3)
    seen = [SPACE.sample(rng).text for _ in range(6)]
    key = lambda t: -math.inf if math.isnan(SCORES[t]) else SCORES[t]  # noqa: E731
    expected = [max(seen[: k + 1], key=key) for k in range(6)]  # max keeps the first of ties
    assert [a.text for a in strategy.trajectory] == expected


def test_free_rea_warmup_must_exceed_population():
    with pytest.raises(ValueError, match="must exceed the population"):
        make("free-rea", population=4, warmup=3)


def test_pool_top_and_pool_all_share_the_pool():
    top = make("pool-top", seed=5, pool=4)
    pick = top.ask()
    rng = np.random.default_rng(5)
    from nasearch.strategies._pool import sample_distinct

    pool = [a.text for a in sample_distinct(SPACE, rng, 4)]
    assert pick.text == max(pool, key=lambda t: -math.inf if math.isnan(SCORES[t]) else SCORES[t])
    benchmark = DictBenchmark(ACCURACY)
    out = run_search(make("pool-all", seed=5, pool=4), benchmark, budget=4)
    assert benchmark.trained == pool
    assert out.final.text == max(pool, key=ACCURACY.get)


def test_loop_does_not_pay_twice_for_a_repeated_proposal():
    benchmark = DictBenchmark(ACCURACY)
    strategy = make("rea-move-child", population=2, tournament=2)
    out = run_search(strategy, benchmark, budget=6)
    assert len(benchmark.trained) == 6 == len(set(benchmark.trained))
    assert out.repeated_proposals > 0  # the deterministic move proposes trained cells again
    assert len(strategy.history) == 6 + out.repeated_proposals  # repeats are told, from memory


@pytest.mark.parametrize("name", ["rea-move-parent", "rea-move-child-warmup", "free-rea", "rs-warmup"])
def test_same_seed_same_search(name):
    budget = 1 if name.startswith("free") else 7
    config = {"pool": 5} if "warmup" in name else {}
    if name != "rs-warmup":
        config["population"] = 3
    runs = [run_search(make(name, seed=11, **config), DictBenchmark(ACCURACY), budget) for _ in range(2)]
    assert [p.arch for p in runs[0].trajectory] == [p.arch for p in runs[1].trajectory]


def test_move_child_without_random_moves_can_get_stuck_and_the_loop_says_so():
    strategy = make("rea-move-child", population=2, tournament=2, random_move_probability=0.0)
    with pytest.raises(RuntimeError, match="already-trained"):
        run_search(strategy, DictBenchmark(ACCURACY), budget=6, max_repeats=50)


def test_proxy_strategies_refuse_to_run_without_a_proxy():
    for name in ("rea-move-parent", "rea-move-child", "free-rs", "free-rea", "pool-top"):
        with pytest.raises(ValueError, match="proxy"):
            strategies.get(name, space=SPACE, seed=0)
