"""Any nasearch strategy as an Optuna sampler (``pip install 'nasearch[optuna]'``).

``StrategySampler(strategy)`` proposes one architecture per Optuna trial: before the trial
starts it asks the strategy (through an ``AskTellSession``, so several trials may be pending
and none trains a cell twice) and writes the cell's string form to the trial's user
attribute ``nasearch.arch``; the objective reads the cell with ``sampler.architecture(trial)``,
trains it and returns the validation measure; after the trial the sampler tells the
strategy. Trials, their architectures and values live in Optuna's storage, so dashboards,
pruners and ``study.optimize(n_jobs=...)`` work as for any sampler::

    sampler = StrategySampler(REAWarmup(space, seed=0, scorer=epsinas_scorer))
    study = optuna.create_study(direction="maximize", sampler=sampler, storage="sqlite:///nas.db")
    study.optimize(sampler.objective(benchmark), n_trials=50)
    best = sampler.recommend()

Conventions:
- the study direction must match the benchmark (maximize accuracy, minimize perplexity);
- a pruned or failed trial is dropped: the strategy never hears of it, its cell may come again;
- other parameters the objective suggests (a learning rate...) go to ``independent_sampler``
  (Optuna's ``RandomSampler`` with the strategy's seed by default);
- several processes sharing one storage (multi-worker studies) each run their own strategy
  and session; before each trial a sampler tells its strategy the results other workers
  stored, and treats the cells of their running trials as pending.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Callable, Sequence

try:
    import optuna
    from optuna.distributions import BaseDistribution
    from optuna.samplers import BaseSampler, RandomSampler
    from optuna.study import Study, StudyDirection
    from optuna.trial import FrozenTrial, TrialState
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("nasearch.integrations.optuna needs Optuna: pip install 'nasearch[optuna]'") from error

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, Strategy, TrainResult
from nasearch.strategies.parallel import AskTellSession

ARCH_ATTR = "nasearch.arch"
TEST_ATTR = "nasearch.test"
COST_ATTR = "nasearch.cost_seconds"


def report_result(trial: optuna.trial.BaseTrial, result: TrainResult) -> float:
    """Store ``result``'s test measure and cost on ``trial``; returns the value to return
    from the objective (the validation measure)."""
    trial.set_user_attr(TEST_ATTR, float(result.test_accuracy))
    trial.set_user_attr(COST_ATTR, float(result.cost_seconds))
    return float(result.valid_accuracy)


class StrategySampler(BaseSampler):
    """An Optuna sampler whose proposals are a nasearch strategy's (see the module docstring)."""

    def __init__(self, strategy: Strategy, independent_sampler: BaseSampler | None = None):
        self.session = AskTellSession(strategy)
        self.strategy = strategy
        self.independent_sampler = independent_sampler or RandomSampler(seed=strategy.seed)
        self._session_trial: dict[int, int] = {}  # Optuna trial id -> session trial
        self._own: set[int] = set()  # Optuna trial ids this sampler proposed
        self._seen_elsewhere: set[int] = set()  # Optuna trial ids of other workers already told
        self._lock = threading.RLock()

    # --- the sampler contract: architectures are chosen in before_trial ------------------------
    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(self, study: Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        return {}

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        return self.independent_sampler.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._check_direction(study)
        with self._lock:
            running_elsewhere = self._sync(study, trial._trial_id)
            proposal = self.session.ask(also_pending=running_elsewhere)
            self._session_trial[trial._trial_id] = proposal.trial
            self._own.add(trial._trial_id)
        study._storage.set_trial_user_attr(trial._trial_id, ARCH_ATTR, proposal.arch.text)
        trial.set_user_attr(ARCH_ATTR, proposal.arch.text)  # the running Trial reads this cached copy

    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        with self._lock:
            session_trial = self._session_trial.pop(trial._trial_id, None)
            if session_trial is None:
                return  # not proposed by this sampler
            if state != TrialState.COMPLETE or values is None:
                self.session.forget(session_trial)
                return
            self.session.tell(session_trial, self._result(study, trial, values[0]), trial.user_attrs.get(ARCH_ATTR))

    def reseed_rng(self) -> None:
        self.independent_sampler.reseed_rng()  # the strategy keeps its own seeded stream

    # --- for objectives -----------------------------------------------------------------------
    def architecture(self, trial: optuna.trial.BaseTrial) -> Architecture:
        """The cell this sampler proposed for ``trial``."""
        with self._lock:
            session_trial = self._session_trial.get(trial._trial_id)
            if session_trial is None:
                raise KeyError(f"trial {trial.number} was not proposed by this sampler; create the study "
                               "with sampler=StrategySampler(...) and call this inside its objective")
            return self.session.pending[session_trial]

    def objective(self, benchmark: Benchmark) -> Callable[[optuna.trial.Trial], float]:
        """An objective that trains the proposed cell on ``benchmark`` and reports its result."""

        def train_proposed(trial: optuna.trial.Trial) -> float:
            return report_result(trial, benchmark.train(self.architecture(trial)))

        return train_proposed

    def recommend(self) -> Architecture | None:
        """The strategy's pick: the best validation measure told so far."""
        return self.session.recommend()

    # --- internals ----------------------------------------------------------------------------
    def _check_direction(self, study: Study) -> None:
        if len(study.directions) != 1:
            raise ValueError("StrategySampler drives single-objective studies; create the study with one direction")

    def _result(self, study: Study, trial: FrozenTrial, value: float) -> TrainResult:
        attrs = trial.user_attrs
        return TrainResult(float(value), float(attrs.get(TEST_ATTR, math.nan)), float(attrs.get(COST_ATTR, math.nan)),
                           higher_is_better=study.direction == StudyDirection.MAXIMIZE)

    def _sync(self, study: Study, own_trial_id: int) -> set[str]:
        """Tell the strategy the results other workers stored; the cells they are training."""
        running: set[str] = set()
        space = self.strategy.space
        for other in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.RUNNING)):
            text = other.user_attrs.get(ARCH_ATTR)
            if text is None or other._trial_id == own_trial_id or other._trial_id in self._own:
                continue
            if other.state == TrialState.RUNNING:
                running.add(text)
            elif other._trial_id not in self._seen_elsewhere:
                self._seen_elsewhere.add(other._trial_id)
                self.session.observe(space.parse(text), self._result(study, other, other.values[0]))
        return running
