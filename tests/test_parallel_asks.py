"""Parallel asks: several trials in flight never train a cell twice, results reach the right
cell, and one trial at a time is exactly the plain search loop."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from nasearch.benchmarks import AnalogNB201Cifar10
from nasearch.interfaces import FunctionScorer, TrainResult
from nasearch.loop import run_search
from nasearch.registry import strategies
from nasearch.spaces.nb201 import NB201Space
from nasearch.strategies.parallel import AllPending, AskTellSession, run_parallel

SPACE = NB201Space()
BENCH = AnalogNB201Cifar10()
SMALL = {"rs": {}, "rs-warmup": {"pool": 40}, "rea": {"population": 8, "tournament": 3},
         "rea-warmup": {"population": 8, "tournament": 3, "pool": 40},
         "rea-move-parent-warmup": {"population": 8, "tournament": 3, "pool": 40},
         "rea-move-child": {"population": 8, "tournament": 3}, "pool-all": {"pool": 60}}


def fake_score(arch) -> float:
    """A deterministic score that ranks every cell differently."""
    return int(hashlib.sha256(arch.text.encode()).hexdigest()[:8], 16) / 16**8


def make(name: str, seed: int = 0):
    cls = strategies.get_class(name)
    scorer = FunctionScorer(fake_score, "fake") if cls.needs_proxy else None
    return cls(SPACE, seed=seed, scorer=scorer, **SMALL[name])


@pytest.mark.parametrize("name", sorted(SMALL))
def test_concurrent_trials_never_train_a_cell_twice(name):
    session = AskTellSession(make(name, seed=3))
    rng = np.random.default_rng(0)
    handed_out = []
    for _ in range(40):
        while len(session.pending) < 6:  # keep six trials in flight
            proposal = session.ask()
            assert proposal.arch.text not in {a.text for t, a in session.pending.items() if t != proposal.trial}
            assert proposal.arch.text not in session.trained
            handed_out.append(proposal.arch.text)
        trial = list(session.pending)[int(rng.integers(len(session.pending)))]  # any one finishes first
        session.tell(trial, BENCH.train(session.pending[trial]), session.pending[trial])
    assert len(handed_out) == len(set(handed_out)), "a cell was handed out twice"
    for arch, result in session.strategy.history:  # every result reached its own cell
        assert result == BENCH.train(arch)


@pytest.mark.parametrize("name", ["rs", "rs-warmup", "rea", "rea-warmup", "rea-move-child"])
def test_one_trial_at_a_time_is_the_search_loop(name):
    loop = run_search(make(name, seed=5), BENCH, budget=30)
    session = run_parallel(make(name, seed=5), BENCH, budget=30, workers=1)
    assert session.order == [p.arch for p in loop.trajectory]
    assert session.recommend() == loop.final
    assert session.repeated_proposals == loop.repeated_proposals


def test_threads_train_distinct_cells_and_pick_the_best_told():
    session = run_parallel(make("rea-warmup", seed=1), BENCH, budget=25, workers=4)
    assert len(session.order) == len(set(session.order)) == 25
    pick, result = session.best()
    assert result.fitness == max(BENCH.train(SPACE.parse(t)).fitness for t in session.order)


def test_a_result_told_to_the_wrong_architecture_is_refused():
    session = AskTellSession(make("rea"))
    first, second = session.ask(), session.ask()
    with pytest.raises(ValueError, match=f"trial {first.trial} trains"):
        session.tell(first.trial, BENCH.train(second.arch), second.arch)
    assert session.strategy.history == [] and len(session.pending) == 2
    with pytest.raises(KeyError, match="never handed out"):
        session.tell(99, TrainResult(1.0, 1.0))
    session.tell(first.trial, BENCH.train(first.arch), first.arch.text)
    with pytest.raises(KeyError, match="already told"):
        session.tell(first.trial, BENCH.train(first.arch))


def test_rea_holds_its_tournament_among_told_results_only():
    strategy = make("rea")
    session = AskTellSession(strategy)
    proposals = [session.ask() for _ in range(10)]  # population 8: two extra initial members
    assert len({p.arch.text for p in proposals}) == 10 and strategy.population == type(strategy.population)()
    session.tell(proposals[4].trial, BENCH.train(proposals[4].arch))
    child = session.ask().arch  # the only member as it stands is the parent
    assert SPACE.edit_distance(child, proposals[4].arch) == 1


def test_warmup_hands_out_the_scored_order_then_the_rest_of_the_pool():
    strategy = make("rea-warmup")
    session = AskTellSession(strategy)
    texts = [session.ask().arch.text for _ in range(12)]
    pool_order = sorted(texts, key=lambda t: -fake_score(SPACE.parse(t)))
    assert texts == pool_order  # population of 8 best, then the pool's 9th..12th best


def test_a_forgotten_trial_frees_its_cell_and_a_lone_pick_says_wait():
    session = AskTellSession(make("pool-all"))
    proposal = session.ask()
    assert session.forget(proposal.trial) == proposal.arch and not session.pending
    free = strategies.get_class("pool-top")(SPACE, scorer=FunctionScorer(fake_score), pool=20)
    lone = AskTellSession(free, max_tries=5)
    lone.ask()
    with pytest.raises(AllPending, match="one trial only"):
        lone.ask()
