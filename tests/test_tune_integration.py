"""nasearch strategies as Ray Tune searchers (skipped without the ray extra)."""

from __future__ import annotations

import pytest

pytest.importorskip("ray.tune", reason="Ray Tune is an optional extra: pip install 'nasearch[ray]'")

from nasearch.integrations.tune import StrategySearcher, trainable  # noqa: E402
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


# A real Tune run whose picks must equal the plain loop's (same seed, table benchmark) is in
# the README's "In your AutoML pipeline" section, run by tests/test_readme_automl.py.
