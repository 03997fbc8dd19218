"""Label-free choice of the epsinas weight pair."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nasearch.data import synthetic_batch
from nasearch.interfaces import TASKS
from nasearch.proxies.epsinas import Epsinas
from nasearch.proxies.epsinas_weights import GridScores, grid_scores, paper_rule, stability_rule
from nasearch.spaces.nb201 import NB201Space

GRID = (1e-7, 1e-4, 1e-2, 1.0)
CELLS = (
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|skip_connect~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|skip_connect~2|",
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|nor_conv_3x3~1|avg_pool_3x3~2|",
    "|nor_conv_1x1~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|",
)


@pytest.fixture(scope="module")
def small():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    space, task = NB201Space(channels=4, cells_per_stage=3), TASKS["cifar10"]
    batch = synthetic_batch("normal", task, 16)

    def models():
        for text in CELLS:
            with torch.device("meta"):
                yield space.build(space.parse(text), task)
    yield space, task, batch, models
    torch.set_num_threads(threads)


def test_grid_pairs_equal_separate_epsinas_runs(small):
    """Stacking the whole grid in one narrowed pass gives each pair's own score."""
    space, task, batch, models = small
    scores = grid_scores(models(), batch, GRID, dtype="float64")
    for i, j in [(0, 3), (1, 2), (2, 3)]:
        for k, model in enumerate(models()):
            single = Epsinas(weights=(GRID[i], GRID[j]), dtype="float64").score(model, batch)
            assert scores.scores(i, j)[k] == pytest.approx(single, rel=1e-12, nan_ok=True)


def test_paper_rule_takes_the_widest_pair_under_the_nan_limit(small):
    _, _, batch, models = small
    scores = grid_scores(models(), batch, GRID, dtype="float32")
    for limit in (0.0, 0.5, 1.0):
        choice = paper_rule(scores, limit)
        low, high = choice.weights
        assert choice.nan_fraction <= limit
        width = math.log(high / low)
        wider = [(i, j) for i, j in scores.pairs() if math.log(GRID[j] / GRID[i]) > width + 1e-12]
        assert all(scores.nan_fraction(i, j) > limit for i, j in wider)
    # float32 underflow: a cell whose every path passes a convolution is NaN with 1e-7
    assert math.isnan(scores.scores(0, 3)[0])
    assert not math.isnan(grid_scores(models(), batch, GRID, dtype="float64").scores(0, 3)[0])


def test_paper_rule_reports_an_impossible_limit():
    nan_only = GridScores((1.0, 2.0), "float32", [[np.zeros(4), np.zeros(4)]])
    with pytest.raises(ValueError, match="NaN"):
        paper_rule(nan_only, 0.0)


def test_stability_rule_finds_the_inner_edges_of_both_plateaus():
    rng = np.random.default_rng(0)
    grid = tuple(10.0 ** e for e in range(-6, 3))  # 9 constants
    top = len(grid) - 1
    outputs = []
    for _ in range(30):
        low_limit, high_limit = rng.random(16), rng.random(16)
        per_constant = []
        for c in range(len(grid)):
            if c <= 2:
                per_constant.append(low_limit)  # constants 0..2: the w -> 0 limit
            elif c >= top - 2:
                per_constant.append(high_limit)  # the last three: the scale-free limit
            else:
                per_constant.append(rng.random(16))
        outputs.append(per_constant)
    choice = stability_rule(GridScores(grid, "float64", outputs))
    assert choice.weights == (grid[2], grid[top - 2])
    assert choice.nan_fraction == 0


def test_stability_rule_on_networks_returns_an_ordered_pair(small):
    _, _, batch, models = small
    choice = stability_rule(grid_scores(models(), batch, GRID, dtype="float64"))
    assert choice.weights[0] < choice.weights[1]
    assert choice.weights[0] in GRID and choice.weights[1] in GRID
