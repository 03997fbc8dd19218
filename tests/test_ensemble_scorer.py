"""Rank ensembles as scorers (issue 14): ``--proxy a+b+c``, ``az_nas``, values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nasearch.api import make_scorer
from nasearch.ensemble import (EnsembleScorer, ecdf_positions, parse_ensemble, rank_ensemble)
from nasearch.interfaces import TASKS
from nasearch.tables.scorer import TableScorer
from nasearch.spaces.nb201 import NB201Space


def test_parse_ensemble():
    assert parse_ensemble("synflow+naswot") == (["synflow", "naswot"], "mean")
    assert parse_ensemble("az_nas") == (["az_expressivity", "az_progressivity", "az_trainability", "flops"], "log")
    assert parse_ensemble("synflow") is None
    with pytest.raises(ValueError, match="each once"):
        parse_ensemble("synflow+synflow")
    with pytest.raises(ValueError, match="joined by"):
        parse_ensemble("synflow+")


def test_ecdf_positions_by_hand():
    ref = np.array([1.0, 2.0, 2.0, np.nan])  # NaN counts as the lowest value
    # 0.5: below = 1 (the NaN) -> (1 + 0.5)/5; 2.0: below 2, equal 2 -> (2 + 1 + 0.5)/5; NaN: equal 1 -> 1/5
    assert ecdf_positions(np.array([0.5, 2.0, np.nan, 9.0]), ref) == pytest.approx([0.3, 0.7, 0.2, 0.9])


def test_rank_ensemble_mean_and_log_by_hand():
    a = np.array([3.0, 1.0, 2.0])  # ranks 3, 1, 2 -> positions r/4
    b = np.array([1.0, 2.0, np.nan])  # NaN last: ranks 2, 3, 1
    mean = rank_ensemble({"a": a, "b": b})
    assert mean == pytest.approx([(3 + 2) / 8, (1 + 3) / 8, (2 + 1) / 8])
    log = rank_ensemble({"a": a, "b": b}, aggregation="log")
    assert log == pytest.approx([math.log(3 / 4 * 2 / 4), math.log(1 / 4 * 3 / 4), math.log(2 / 4 * 1 / 4)])
    lower = rank_ensemble({"a": a, "b": b}, higher_is_better={"a": False})
    assert lower == pytest.approx([(1 + 2) / 8, (3 + 3) / 8, (2 + 1) / 8])


def _tables(space):
    cells = [space.from_ops(ops) for ops in (
        ("nor_conv_3x3",) * 6, ("nor_conv_1x1",) * 6, ("avg_pool_3x3",) * 6, ("skip_connect",) * 6)]
    a = TableScorer.from_values(space, {c.text: v for c, v in zip(cells, [4.0, 3.0, 2.0, 1.0])}, "a")
    b = TableScorer.from_values(space, {c.text: v for c, v in zip(cells, [1.0, 4.0, 3.0, 2.0])}, "b",
                                higher_is_better=False)
    return cells, a, b


def test_ensemble_scorer_against_fixed_reference():
    space = NB201Space()
    cells, a, b = _tables(space)
    scorer = EnsembleScorer({"a": a, "b": b}, space, reference=cells)
    # oriented: a = [4,3,2,1] -> ranks 4,3,2,1; b = -[1,4,3,2] -> ranks 4,1,2,3; positions r/5
    expected = np.array([(4 + 4) / 10, (3 + 1) / 10, (2 + 2) / 10, (1 + 3) / 10])
    assert scorer.oriented_many(cells) == pytest.approx(expected)
    assert scorer(cells[1]) == pytest.approx(expected[1])  # the same value one cell at a time
    assert scorer.proxy.name == "a+b" and scorer.manifest()["proxy_config"]["aggregation"] == "mean"
    # over the reference population itself: the population's own ranks
    assert rank_ensemble({"a": a.oriented_many(cells), "b": b.oriented_many(cells)}) == pytest.approx(expected)


def test_make_scorer_builds_ensembles():
    space = NB201Space()
    scorer = make_scorer(space, TASKS["cifar10"], "nparams+l2_norm", data="grey", batch_size=2)
    assert isinstance(scorer, EnsembleScorer)
    scorer.proxy.reference_size = 20  # keep the test small: 20 reference cells
    scorer._reference_archs = None
    big = space.from_ops(("nor_conv_3x3",) * 6)
    small = space.from_ops(("skip_connect",) * 6)
    values = scorer.oriented_many([big, small])
    assert values[0] > values[1]  # more parameters and more conv layers
    with pytest.raises(ValueError, match="ensemble"):
        make_scorer(space, TASKS["cifar10"], "nparams+l2_norm", {"log": True})
