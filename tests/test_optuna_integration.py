"""nasearch strategies inside Optuna studies (skipped without the optuna extra)."""

from __future__ import annotations

import pytest

optuna = pytest.importorskip("optuna", reason="Optuna is an optional extra: pip install 'nasearch[optuna]'")

from nasearch.integrations.optuna import ARCH_ATTR, StrategySampler  # noqa: E402
from nasearch.loop import run_search  # noqa: E402
from test_parallel_asks import BENCH, SPACE, make  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.mark.parametrize("name", ["rea-warmup", "rs-warmup", "rea"])
def test_a_study_makes_the_plain_loops_search(name):
    loop = run_search(make(name, seed=7), BENCH, budget=25)
    sampler = StrategySampler(make(name, seed=7))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(sampler.objective(BENCH), n_trials=25)
    trials = sorted(study.trials, key=lambda t: t.number)
    assert [t.user_attrs[ARCH_ATTR] for t in trials] == [p.arch for p in loop.trajectory]
    assert sampler.recommend() == loop.final
    assert study.best_value == loop.final_result.valid_accuracy


def test_parallel_workers_in_a_shared_storage_never_train_a_cell_twice(tmp_path):
    storage = f"sqlite:///{tmp_path / 'nas.db'}"
    study = optuna.create_study(direction="maximize", storage=storage, study_name="nas")
    samplers = [StrategySampler(make("rea-warmup", seed=s)) for s in (1, 2)]
    workers = [optuna.load_study(study_name="nas", storage=storage, sampler=s) for s in samplers]
    for _ in range(12):  # two workers taking turns, each with one trial in flight
        asked = [(w, s, w.ask()) for w, s in zip(workers, samplers)]
        for worker, sampler, trial in asked:
            arch = sampler.architecture(trial)
            assert trial.user_attrs[ARCH_ATTR] == arch.text
            worker.tell(trial, BENCH.train(arch).valid_accuracy)
    texts = [t.user_attrs[ARCH_ATTR] for t in study.trials]
    assert len(texts) == len(set(texts)) == 24
    for me, sampler in enumerate(samplers):
        # each strategy heard every result, its own and the other's, except the other's last
        # one (it arrived after this worker's last ask)
        others_last = texts[-2 + (1 - me)]
        assert {a.text for a, _ in sampler.strategy.history} == set(texts) - {others_last}
        for arch, result in sampler.strategy.history:
            assert result.valid_accuracy == BENCH.train(arch).valid_accuracy


def test_threads_a_pruned_trial_and_a_wrong_report():
    sampler = StrategySampler(make("rea", seed=3))
    study = optuna.create_study(direction="maximize", sampler=sampler)

    def objective(trial):
        arch = sampler.architecture(trial)
        lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)  # other parameters: the independent sampler
        assert 1e-3 <= lr <= 1e-1
        if trial.number == 3:
            raise optuna.TrialPruned()
        return BENCH.train(arch).valid_accuracy

    study.optimize(objective, n_trials=20, n_jobs=3)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(done) == 19 and not sampler.session.pending
    assert len({t.user_attrs[ARCH_ATTR] for t in done}) == 19  # a pruned trial's cell may come again
    for arch, result in sampler.strategy.history:
        assert result.valid_accuracy == BENCH.train(arch).valid_accuracy
    trial = study.ask()
    trial.set_user_attr(ARCH_ATTR, SPACE.sample(__import__("numpy").random.default_rng(0)).text)
    with pytest.raises(ValueError, match="trains"):
        study.tell(trial, 50.0)
