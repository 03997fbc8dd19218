"""Every registered proxy scores NAS-Bench-101 networks through the generic scorer (no
space-specific code), and epsinas with the paper's NB101 settings runs exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nasearch import registry
from nasearch.data import load_batch
from nasearch.interfaces import ImageTask
from nasearch.proxies.epsinas import constant_outputs, epsinas_outputs, epsinas_statistic
from nasearch.scoring import ProxyScorer
from nasearch.spaces.nb101 import NB101Space

TINY = ImageTask("tiny-nb101", 10, (3, 8, 8))
CELLS = ["input|conv1x1~0|conv3x3~0|conv3x3~0|conv3x3~3|maxpool3x3~0|output~1,2,4,5",
         "input|maxpool3x3~0|conv3x3~1|output~0,2"]
NB101_EPSINAS = {"weights": (1e-4, 10.0), "train_mode": True}


def _proxies() -> list[str]:
    return sorted({registry.proxies.get_class(n).name for n in registry.proxies.available()})


@pytest.mark.slow
def test_every_proxy_scores_nb101_cells(one_torch_thread):
    # narrow and small (a few seconds for all proxies); the cell has projections, truncation,
    # concatenation and the projected input added at the output
    space = NB101Space(stem_channels=4, stacks=2, cells_per_stack=1)
    batch = load_batch("normal", TINY, 8, seed=0)
    batch = type(batch)(batch.inputs, torch.arange(8) % 10, batch.fingerprint)
    archs = [space.parse(CELLS[0])]
    failures = {}
    for name in _proxies():
        cls = registry.proxies.get_class(name)
        if "image" not in cls.task_kinds or name.startswith("table"):
            continue
        try:
            config = NB101_EPSINAS if name == "epsinas" else {}
            scores = ProxyScorer(space, registry.proxies.get(name, **config), TINY, batch, store=None).raw_many(archs)
        except Exception as err:  # collect every failure, not only the first
            failures[name] = f"{type(err).__name__}: {err}"
            continue
        if not all(isinstance(s, float) for s in scores):
            failures[name] = f"non-float scores {scores}"
    assert not failures, failures


def test_epsinas_nb101_settings_take_the_exact_channel_group_path(one_torch_thread):
    space = NB101Space(stem_channels=4, stacks=2, cells_per_stack=1)
    batch = load_batch("normal", TINY, 8, seed=0)
    model = space.build(space.parse(CELLS[0]), TINY)
    outputs, method = epsinas_outputs(model, batch.inputs, (1e-4, 10.0), True, torch.float32)
    assert method == "narrow"  # concatenation and truncation are followed as channel groups
    reference = constant_outputs(model, batch.inputs, (1e-4, 10.0), True, torch.float64)
    ours, exact = epsinas_statistic(*outputs), epsinas_statistic(*reference)
    assert math.isfinite(exact) and ours == pytest.approx(exact, rel=1e-4)


def test_nb101_space_declares_the_papers_epsinas_settings():
    from nasearch.factory import make_scorer

    space = NB101Space(stem_channels=4, stacks=1, cells_per_stack=1)
    scorer = make_scorer(space, TINY, "epsinas", data="grey", batch_size=2)
    assert scorer.proxy.config.weights == (1e-4, 10.0) and scorer.proxy.config.train_mode
    mine = make_scorer(space, TINY, "epsinas", {"weights": (1e-3, 1.0)}, data="grey", batch_size=2)
    assert mine.proxy.config.weights == (1e-3, 1.0)  # the user's options win


def test_epsinas_overflowing_output_gives_nan_not_an_error(one_torch_thread):
    space = NB101Space(stem_channels=64, stacks=1, cells_per_stack=3)
    batch = load_batch("grey", TINY, 4, seed=0)
    model = space.build(space.parse(CELLS[0]), TINY)
    low, high = constant_outputs(model, batch.inputs, (1e-4, 1e30), False, torch.float32)
    assert low.shape == high.shape and not np.isfinite(high).all()
