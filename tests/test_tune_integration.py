"""nasearch strategies as Ray Tune searchers (skipped without the ray extra)."""

from __future__ import annotations

import pytest

pytest.importorskip("ray.tune", reason="Ray Tune is an optional extra: pip install 'nasearch[ray]'")

from nasearch.integrations.tune import StrategySearcher, trainable  # noqa: E402
from nasearch.loop import run_search  # noqa: E402
from test_parallel_asks import BENCH, make  # noqa: E402


def report(arch_text: str) -> dict:
    result = BENCH.train(BENCH_SPACE.parse(arch_text))
    return {"valid_accuracy": result.valid_accuracy, "test_accuracy": result.test_accuracy, "arch": arch_text}


from test_parallel_asks import SPACE as BENCH_SPACE  # noqa: E402


def test_concurrency_limit_and_distinct_cells_without_a_cluster():
    searcher = StrategySearcher(make("rea-warmup", seed=2), max_concurrent=3)
    configs = {f"t{i}": searcher.suggest(f"t{i}") for i in range(5)}
    assert [c is None for c in configs.values()] == [False, False, False, True, True]  # the limit holds
    searcher.on_trial_complete("t1", report(configs["t1"]["arch"]))
    searcher.on_trial_complete("t0", None, error=True)  # an error frees its slot, the strategy hears nothing
    more = [searcher.suggest(f"u{i}") for i in range(3)]
    assert more[2] is None and None not in more[:2]
    texts = [c["arch"] for c in configs.values() if c] + [c["arch"] for c in more if c]
    assert len(texts) == len(set(texts)) == 5
    assert [a.text for a, _ in searcher.strategy.history] == [configs["t1"]["arch"]]


def test_a_result_reporting_another_cell_is_refused():
    searcher = StrategySearcher(make("rea", seed=2), max_concurrent=2)
    a, b = searcher.suggest("a"), searcher.suggest("b")
    with pytest.raises(ValueError, match="trains"):
        searcher.on_trial_complete("a", report(b["arch"]))
    assert searcher.strategy.history == []


@pytest.mark.slow
def test_a_tune_run_makes_the_plain_loops_search(tmp_path):
    import ray
    from ray import tune

    budget = 8
    loop = run_search(make("rea-warmup", seed=4), BENCH, budget=budget)
    searcher = StrategySearcher(make("rea-warmup", seed=4), max_concurrent=1)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        tuner = tune.Tuner(trainable(BENCH), tune_config=tune.TuneConfig(
            search_alg=searcher, metric="valid_accuracy", mode="max", num_samples=budget, reuse_actors=True),
            run_config=tune.RunConfig(storage_path=str(tmp_path), verbose=0))
        results = tuner.fit()
    finally:
        ray.shutdown()
    assert results.num_errors == 0 and len(results) == budget
    assert searcher.session.order == [p.arch for p in loop.trajectory]
    assert searcher.recommend() == loop.final
    assert results.get_best_result().metrics["arch"] == loop.final.text
