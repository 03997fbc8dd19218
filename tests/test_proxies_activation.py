"""naswot / hook_logdet / lnwot: hand-worked kernels, exactness, NaN cases, NB201 smoke test."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist
from torch import nn

from nasearch.interfaces import Batch
from nasearch.proxies.naswot import code_kernel
from nasearch.registry import proxies


class TwoReLUs(nn.Module):
    """ReLU 1 sees x (3 units), ReLU 2 sees -x[:, :2] (2 units); the codes are set by x's signs."""

    def __init__(self):
        super().__init__()
        self.first, self.second = nn.ReLU(), nn.ReLU()

    def forward(self, x):
        return torch.cat([self.first(x), self.second(-x[:, :2])], dim=1)


# codes, ReLU 1: [1,0,1] [1,1,0] [0,0,0]  -> K1 = [[3,1,1],[1,3,1],[1,1,3]], det 20
# codes, ReLU 2: [0,1]   [0,0]   [1,1]    -> K2 = [[2,1,1],[1,2,0],[1,0,2]], det 4
# K = K1 + K2 = [[5,2,2],[2,5,1],[2,1,5]], det 5*24 - 2*8 + 2*(-8) = 88
X = torch.tensor([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0], [-1.0, -1.0, -1.0]])


def test_naswot_hand_worked_kernel():
    assert proxies.get("naswot").score(TwoReLUs(), Batch(X)) == pytest.approx(math.log(88), rel=1e-12)
    assert proxies.get("hook_logdet").score(TwoReLUs(), Batch(X)) == pytest.approx(math.log(88), rel=1e-12)


def test_lnwot_hand_worked_layers():
    assert proxies.get("lnwot").score(TwoReLUs(), Batch(X)) == pytest.approx(math.log(20) + math.log(4), rel=1e-12)


def test_kernel_is_units_minus_hamming_distance_exactly():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 2, size=(16, 5000)).astype(bool)
    expected = 5000 - np.rint(cdist(codes, codes, metric="hamming") * 5000)
    np.testing.assert_array_equal(code_kernel(torch.from_numpy(codes)).numpy(), expected)


def test_naswot_nan_when_two_images_share_codes():
    x = torch.cat([X[:2], X[:1]])  # image 2 == image 0: two equal rows, K singular
    assert math.isnan(proxies.get("naswot").score(TwoReLUs(), Batch(x)))


def test_naswot_nan_without_relu():
    assert math.isnan(proxies.get("naswot").score(nn.Linear(3, 2), Batch(X)))
    assert math.isnan(proxies.get("lnwot").score(nn.Linear(3, 2), Batch(X)))


def test_lnwot_singular_layer_skipped_or_nan():
    # ReLU 2 sees the same signs for images 0 and 1 (both [0, 0]) -> K2 singular; ReLU 1 does not
    x = torch.tensor([[1.0, 1.0, 1.0], [2.0, 3.0, -1.0], [-1.0, -1.0, -1.0]])
    k1 = np.array([[3, 2, 0], [2, 3, 1], [0, 1, 3]], dtype=float)  # codes [1,1,1] [1,1,0] [0,0,0]
    assert proxies.get("lnwot").score(TwoReLUs(), Batch(x)) == pytest.approx(np.linalg.slogdet(k1)[1], rel=1e-12)
    assert math.isnan(proxies.get("lnwot", singular_layers="nan").score(TwoReLUs(), Batch(x)))


def test_lnwot_rejects_unknown_option():
    with pytest.raises(Exception):
        proxies.get("lnwot", singular_layers="zero")
