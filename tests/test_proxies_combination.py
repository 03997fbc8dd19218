"""Ensembles, partial correlation and parallel scoring."""

import itertools
import math

import numpy as np
import pytest

from nasearch import registry
from nasearch.data import synthetic_batch
from nasearch.ensemble import normalised_ranks, rank_average, weighted_combination
from nasearch.interfaces import TASKS
from nasearch.metrics import partial_correlation
from nasearch.parallel import iter_scores, score_architectures, score_key
from nasearch.scoring import ProxyScorer
from nasearch.spaces.nb201 import NB201Space
from nasearch.store import ScoreStore

TINY = NB201Space(channels=4, cells_per_stage=1)
CIFAR = TASKS["cifar10"]


# --- ensembles ------------------------------------------------------------------------------
def test_rank_average_by_hand():
    a = np.array([10.0, 30.0, 20.0])  # ranks 0, 1, .5
    b = np.array([3.0, 1.0, 2.0])  # lower is better: ranks 0, 1, .5 after negation
    c = np.array([1.0, np.nan, 5.0])  # ranks 0, nan, 1
    assert rank_average({"a": a, "b": b}, {"b": False}) == pytest.approx([0.0, 1.0, 0.5])
    out = rank_average({"a": a, "c": c})
    assert out[0] == pytest.approx(0.0) and math.isnan(out[1]) and out[2] == pytest.approx(0.75)
    assert rank_average({"a": a, "c": c}, nan="omit") == pytest.approx([0.0, 1.0, 0.75])
    assert normalised_ranks(np.array([2.0, 2.0, 5.0])) == pytest.approx([0.25, 0.25, 1.0])


def test_weighted_combination_by_hand():
    a = np.array([1.0, 2.0, 3.0])  # z: -1.2247, 0, 1.2247
    b = np.array([10.0, 10.0, 40.0])  # z: -0.7071, -0.7071, 1.4142
    za, zb = (a - a.mean()) / a.std(), (b - b.mean()) / b.std()
    out = weighted_combination({"a": a, "b": b}, {"a": 0.6, "b": 0.4})
    assert out == pytest.approx(0.6 * za + 0.4 * zb)
    raw = weighted_combination({"a": a, "b": b}, {"a": 3, "b": 1}, normalise="none")
    assert raw == pytest.approx((3 * a + b) / 4)
    with pytest.raises(KeyError, match="weights must name"):
        weighted_combination({"a": a}, {"b": 1.0})
    with pytest.raises(ValueError, match="same architectures"):
        rank_average({"a": a, "b": b[:2]})


# --- partial correlation --------------------------------------------------------------------
def kendall_by_pairs(u, v):
    concordant = discordant = 0
    for i, j in itertools.combinations(range(len(u)), 2):
        s = np.sign(u[i] - u[j]) * np.sign(v[i] - v[j])
        concordant += s > 0
        discordant += s < 0
    return (concordant - discordant) / math.comb(len(u), 2)


def test_partial_correlation_constructed_example():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    y = np.array([2.0, 1.0, 4.0, 3.0, 6.0, 5.0])
    z = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0])
    t_xy, t_xz, t_yz = kendall_by_pairs(x, y), kendall_by_pairs(x, z), kendall_by_pairs(y, z)
    assert (t_xy, t_xz, t_yz) == pytest.approx((9 / 15, 11 / 15, 5 / 15))  # counted by hand
    expected = (t_xy - t_xz * t_yz) / math.sqrt((1 - t_xz**2) * (1 - t_yz**2))
    assert partial_correlation(x, y, z) == pytest.approx(expected)
    # NaN rows are dropped from all three
    assert partial_correlation(np.append(x, np.nan), np.append(y, 1.0), np.append(z, 2.0)) == pytest.approx(expected)
    # accuracy that one proxy ranks perfectly leaves nothing to correlate: NaN
    assert math.isnan(partial_correlation(x, y, x))
    # two identical proxies stay perfectly correlated once accuracy is accounted for
    assert partial_correlation(y, y, z) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same length"):
        partial_correlation(x, y, z[:3])


# --- parallel scoring -----------------------------------------------------------------------
def test_parallel_scores_equal_sequential_and_resume(tmp_path):
    archs = [TINY.sample(np.random.default_rng(i)) for i in range(6)] * 2  # repeats are scored once
    batch = synthetic_batch("normal", CIFAR, 8)
    proxy = registry.proxies.get("snip")
    sequential = ProxyScorer(TINY, proxy, CIFAR, batch, None, seed=3).raw_many(archs)
    store = ScoreStore(tmp_path / "p.sqlite")
    # an interrupted run: the first 4 cells only, one process
    first = list(itertools.islice(iter_scores(TINY, proxy, CIFAR, batch, archs, store, seed=3, chunk=2), 4))
    assert [v for _, v in first] == pytest.approx(list(sequential[:4]))
    key = score_key(TINY, proxy, CIFAR, batch, 3)
    assert len(store.seconds(key)) == 4
    parallel = score_architectures(TINY, proxy, CIFAR, batch, archs, store, seed=3, workers=2)
    np.testing.assert_allclose(parallel, sequential, rtol=1e-6)
    distinct = len({TINY.canonical_key(a) for a in archs})
    assert len(store.seconds(key)) == distinct
    # the ProxyScorer finds the same cache
    cached = ProxyScorer(TINY, proxy, CIFAR, batch, store, seed=3)
    cached.raw_many(archs)
    assert cached.computed == 0
    with pytest.raises(ValueError, match="workers"):
        score_architectures(TINY, proxy, CIFAR, batch, archs, store, workers=0)
