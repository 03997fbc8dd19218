"""Every activation/Jacobian proxy of this family runs on a tiny NB201 network and gives a finite float."""

from __future__ import annotations

import math

import pytest
import torch

from nasearch.data import synthetic_batch
from nasearch.interfaces import TASKS
from nasearch.registry import proxies
from nasearch.spaces.nb201 import NB201Space

FAMILY = ["naswot", "hook_logdet", "lnwot", "jacov", "js", "jsc", "sns", "snsc", "lns", "lnsc", "mnjs", "mnjsc",
          "pjs", "pjsc", "wpjs", "wpjsi"]
CELL = "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|"


@pytest.fixture(scope="module")
def batch():
    return synthetic_batch("normal", TASKS["cifar10"], 8, seed=0)


@pytest.mark.parametrize("name", FAMILY)
def test_runs_on_tiny_nb201_and_is_deterministic(name, batch):
    space = NB201Space(channels=4, cells_per_stage=1)
    arch = space.parse(CELL)
    values = []
    for _ in range(2):
        torch.manual_seed(0)
        model = space.build(arch, TASKS["cifar10"])
        values.append(proxies.get(name).score(model, batch))
        assert all(p.grad is None for p in model.parameters()), "a proxy left gradients on the parameters"
    assert isinstance(values[0], float) and math.isfinite(values[0])
    assert values[0] == values[1]


def test_zero_cell_is_nan_for_input_jacobian_and_naswot(batch):
    # every edge 'none': the cells output 0, the logits do not depend on the input, codes collapse
    space = NB201Space(channels=4, cells_per_stage=1)
    arch = space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    for name in ("naswot", "jacov", "js", "jsc"):
        torch.manual_seed(0)
        assert math.isnan(proxies.get(name).score(space.build(arch, TASKS["cifar10"]), batch)), name
