"""Activation and input-Jacobian proxies on a cell whose output does not depend on its input.

That every proxy runs on a tiny NB201 network, gives a float and is deterministic is checked for
all registered proxies by the contract kit (tests/test_contracts.py)."""

from __future__ import annotations

import math

import pytest
import torch

from nasearch.data import synthetic_batch
from nasearch.interfaces import TASKS
from nasearch.registry import proxies
from nasearch.spaces.nb201 import NB201Space

@pytest.fixture(scope="module")
def batch():
    return synthetic_batch("normal", TASKS["cifar10"], 8, seed=0)


def test_zero_cell_is_nan_for_input_jacobian_and_naswot(batch):
    # every edge 'none': the cells output 0, the logits do not depend on the input, codes collapse
    space = NB201Space(channels=4, cells_per_stage=1)
    arch = space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    for name in ("naswot", "jacov", "js", "jsc"):
        torch.manual_seed(0)
        assert math.isnan(proxies.get(name).score(space.build(arch, TASKS["cifar10"]), batch)), name
