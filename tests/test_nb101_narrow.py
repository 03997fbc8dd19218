"""The channel-group narrowed pass (concatenation, channel slicing) is exact on NAS-Bench-101
networks against the plain full-width network in float64, and refuses what it cannot follow."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nasearch.data import load_batch
from nasearch.interfaces import ImageTask
from nasearch.proxies.epsinas import constant_outputs
from nasearch.proxies.narrow import NotNarrowable, narrow_outputs
from nasearch.spaces.nb101 import NB101Space

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ImageTask("tiny-nb101", 10, (3, 8, 8))
# 2 vertices; input feeding the output; 3 output vertices (16 = 6 + 5 + 5: truncation 6 -> 5);
# a max-pool on the input; a 5-vertex chain; the full 7 vertices
SPECIAL = ["input|output~0", "input|conv1x1~0|output~0,1",
           "input|conv3x3~0|conv1x1~0|maxpool3x3~0|output~0,1,2,3",
           "input|conv3x3~0|conv1x1~1|maxpool3x3~1,2|conv1x1~0,2|output~0,3,4",
           "input|maxpool3x3~0|conv1x1~1|conv3x3~0,1|conv1x1~2,3|conv3x3~4|output~2,5"]
WEIGHTS = (1e-4, 10.0)


def _cells() -> list[str]:
    space = NB101Space()
    rng = np.random.default_rng(7)
    return SPECIAL + [space.sample(rng).text for _ in range(5)]


@pytest.mark.parametrize("train_mode", [True, False])
def test_channel_groups_match_the_plain_network_in_float64(train_mode):
    space = NB101Space(stem_channels=16, stacks=2, cells_per_stack=2)
    inputs = load_batch("normal", TINY, 4, seed=1).inputs
    for text in _cells():
        arch = space.parse(text)
        with torch.device("meta"):
            meta = space.build(arch, TINY)
        narrow = narrow_outputs(meta, inputs, WEIGHTS, train_mode, torch.float64)
        plain = constant_outputs(space.build(arch, TINY), inputs, WEIGHTS, train_mode, torch.float64)
        for ours, full in zip(narrow, plain):
            ours = ours.numpy().ravel()
            assert ours.shape == full.shape, text  # one value per sample (the 10 logits agree)
            np.testing.assert_allclose(ours, full, rtol=1e-9, atol=0, err_msg=text)


class _Concat(nn.Module):
    """conv -> (cat of two widths) -> optional extra op -> conv -> linear."""

    def __init__(self, after: str):
        super().__init__()
        self.a, self.b = nn.Conv2d(3, 3, 3, padding=1, bias=False), nn.Conv2d(3, 2, 1, bias=False)
        self.c = nn.Conv2d(5, 4, 1, bias=False)
        self.head = nn.Linear(4, 3)
        self.after = after

    def forward(self, x):
        y = torch.cat([self.a(x), self.b(x)], dim=1)
        if self.after == "channel_mean":
            y = y - y.mean(1, keepdim=True)
        elif self.after == "reindex":
            y = y[:, [0, 2, 1, 3, 4]]
        elif self.after == "width_mismatch":
            y = y + torch.cat([self.b(x), self.a(x)], dim=1)
        return self.head(self.c(y).mean((2, 3)))


@pytest.mark.parametrize("after", ["channel_mean", "reindex", "width_mismatch"])
def test_operations_that_break_the_groups_are_refused(after):
    inputs = load_batch("normal", TINY, 2, seed=0).inputs
    with pytest.raises(NotNarrowable):
        narrow_outputs(_Concat(after), inputs, WEIGHTS, True, torch.float64)


def test_plain_concat_network_is_exact():
    inputs = load_batch("normal", TINY, 3, seed=0).inputs
    model = _Concat("none")
    narrow = narrow_outputs(model, inputs, WEIGHTS, True, torch.float64)
    plain = constant_outputs(model, inputs, WEIGHTS, True, torch.float64)
    for ours, full in zip(narrow, plain):
        np.testing.assert_allclose(ours.numpy().ravel(), full, rtol=1e-10)


class _ReadAfter1x1(nn.Module):
    """A 1x1 convolution's input is read again afterwards (its window sum is a view of it)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.Conv2d(4, 4, 1, bias=False)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        h = torch.relu(self.a(x))
        return self.head((self.b(h) + h).mean((2, 3)))


def test_a_1x1_convolution_leaves_its_input_unchanged():
    inputs = load_batch("normal", TINY, 3, seed=0).inputs
    narrow = narrow_outputs(_ReadAfter1x1(), inputs, WEIGHTS, True, torch.float64)
    plain = constant_outputs(_ReadAfter1x1(), inputs, WEIGHTS, True, torch.float64)
    for ours, full in zip(narrow, plain):
        np.testing.assert_allclose(ours.numpy().ravel(), full, rtol=1e-10)
