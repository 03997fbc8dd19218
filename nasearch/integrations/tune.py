"""Any nasearch strategy as a Ray Tune searcher (``pip install 'nasearch[ray]'``).

``StrategySearcher(strategy, max_concurrent=4)`` maps Tune's ``suggest(trial_id)`` to the
strategy's ask and ``on_trial_complete`` to its tell, through an ``AskTellSession``: up to
``max_concurrent`` trials run at once, none trains a cell that is pending or trained, and a
result must name the cell it trained (the ``arch`` key ``trainable`` reports), or it is
refused. ``trainable(benchmark)`` is a Tune function trainable that trains the suggested
cell on any nasearch benchmark (a table, or real training)::

    searcher = StrategySearcher(REAWarmup(space, seed=0, scorer=scorer), max_concurrent=4)
    tuner = tune.Tuner(trainable(benchmark), tune_config=tune.TuneConfig(
        search_alg=searcher, metric="valid_accuracy", mode="max", num_samples=50))
    tuner.fit()
    best = searcher.recommend()

A trial that errors is dropped (the strategy never hears of it). With ``max_concurrent=1``
the trials are the plain search loop's, in the same order.
"""

from __future__ import annotations

import math
from typing import Any, Callable

try:
    from ray import tune
    from ray.tune.search import Searcher
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("nasearch.integrations.tune needs Ray Tune: pip install 'nasearch[ray]'") from error

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, Strategy, TrainResult
from nasearch.registry import spaces
from nasearch.strategies.parallel import AllPending, AskTellSession

VALID, TEST, COST, ARCH = "valid_accuracy", "test_accuracy", "train_seconds", "arch"


class StrategySearcher(Searcher):
    """A Tune searcher whose suggestions are a nasearch strategy's (see the module docstring)."""

    def __init__(self, strategy: Strategy, max_concurrent: int = 4, metric: str = VALID, mode: str = "max"):
        super().__init__(metric=metric, mode=mode)
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be at least 1, got {max_concurrent}")
        self.strategy = strategy
        self.session = AskTellSession(strategy)
        self.max_concurrent = max_concurrent
        self._session_trial: dict[str, int] = {}  # Tune trial id -> session trial

    def set_search_properties(self, metric: str | None, mode: str | None, config: dict, **spec: Any) -> bool:
        self._metric = metric or self._metric
        self._mode = mode or self._mode
        return True

    def set_max_concurrency(self, max_concurrent: int) -> bool:
        self.max_concurrent = max_concurrent
        return True

    def suggest(self, trial_id: str) -> dict[str, str] | None:
        """``{"arch": string form}``, or None while ``max_concurrent`` trials run (or the
        strategy has only pending cells to offer): Tune asks again later."""
        if len(self.session.pending) >= self.max_concurrent:
            return None
        try:
            proposal = self.session.ask()
        except AllPending:
            return None
        self._session_trial[trial_id] = proposal.trial
        return {ARCH: proposal.arch.text}

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        session_trial = self._session_trial.pop(trial_id, None)
        if session_trial is None:
            return  # not suggested by this searcher
        if error or result is None or self._metric not in result:
            self.session.forget(session_trial)
            return
        told = TrainResult(float(result[self._metric]), float(result.get(TEST, math.nan)),
                           float(result.get(COST, math.nan)), higher_is_better=self._mode == "max")
        self.session.tell(session_trial, told, result.get(ARCH))

    def recommend(self) -> Architecture | None:
        """The strategy's pick: the best validation measure told so far."""
        return self.session.recommend()


def trainable(benchmark: Benchmark, space_name: str | None = None) -> Callable[[dict], None]:
    """A Tune function trainable: trains ``config["arch"]`` on ``benchmark`` and reports
    ``valid_accuracy``, ``test_accuracy``, ``train_seconds`` and ``arch``."""
    name = space_name or benchmark.space_name

    def train_suggested(config: dict, benchmark: Benchmark) -> None:
        arch = spaces.get(name).parse(config[ARCH])
        result = benchmark.train(arch)
        tune.report({VALID: result.valid_accuracy, TEST: result.test_accuracy, COST: result.cost_seconds,
                     ARCH: arch.text})

    return tune.with_parameters(train_suggested, benchmark=benchmark)
