"""swap and ntk after their speed-ups give the values of the straightforward computations:
swap's packed-pattern count equals the sorted count of every concatenated code under the same
initialisations (integers, so exactly), and ntk's κ equals κ of the plain per-sample loop with
torch's own pooling and one float64 product, in float64 to 1e-10."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from nasearch import registry
from nasearch.interfaces import Batch
from nasearch.proxies._grad import forward_logits
from nasearch.proxies._init import initialise
from nasearch.proxies.linear_regions import activation_codes
from nasearch.proxies.ntk import condition_number
from nasearch.proxies.swap import PatternCounter, distinct_columns
from nasearch.spaces.nb201 import NB201Network

POOLING_CELL = ("avg_pool_3x3", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "nor_conv_1x1", "avg_pool_3x3")
DEAD_NODE_CELL = ("nor_conv_1x1", "none", "avg_pool_3x3", "nor_conv_3x3", "none", "skip_connect")


def reference_swap(model: nn.Module, inputs: torch.Tensor, repeats: int) -> float:
    """SWAP as first written: a fresh copy per repeat, all codes concatenated, columns sorted."""
    counts = []
    for _ in range(repeats):
        model = initialise(model, "normal")
        model.train()
        counts.append(distinct_columns(activation_codes(model, inputs)))
    return sum(counts) / len(counts)


@pytest.mark.parametrize("ops, samples", [(POOLING_CELL, 16), (DEAD_NODE_CELL, 6),
                                          (POOLING_CELL, 30)])  # 30: above the table, the sorted count
def test_swap_equals_the_concatenated_sorted_count(ops, samples):
    net = NB201Network(ops, 10, channels=4, cells_per_stage=1)
    inputs = torch.randn(32, 3, 8, 8)
    torch.manual_seed(3)
    expected = reference_swap(net, inputs[:samples], repeats=3)
    torch.manual_seed(3)
    got = registry.proxies.get("swap", samples=samples, repeats=3).score(net, Batch(inputs))
    assert got == expected
    assert got > 0


def test_pattern_counter_by_hand_and_duplicate_inputs():
    # two ReLUs on the same tensor add its columns once; another tensor adds its new columns
    counter = PatternCounter(2, torch.device("cpu"))
    x = torch.tensor([[1.0, -1.0, 2.0], [-1.0, -1.0, 3.0]]).reshape(2, 1, 1, 3)  # columns 01, 00, 11
    counter.add(x, torch.relu(x))
    counter.add(x, torch.relu(x))
    assert counter.count() == 3
    y = torch.tensor([[-1.0, 5.0], [2.0, 1.0]]).reshape(2, 1, 1, 2)  # columns 10 (new), 11
    counter.add(y, torch.relu(y))
    assert counter.count() == 4
    assert PatternCounter(2, torch.device("cpu")).count() == 0  # no ReLU: no pattern


def reference_ntk(model: nn.Module, inputs: torch.Tensor) -> float:
    """κ of Θ from the plain loop: one backward per sample, torch's pooling, one float64 product."""
    params = [p for name, p in model.named_parameters() if "weight" in name]
    logits = forward_logits(model, inputs)
    rows = []
    for i in range(logits.shape[0]):
        grads = torch.autograd.grad(logits[i].sum(), params, retain_graph=True, allow_unused=True)
        rows.append(torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1) for p, g in zip(params, grads)]))
    g = torch.stack(rows).double()
    return condition_number(g @ g.T)


@pytest.mark.parametrize("ops", [POOLING_CELL, DEAD_NODE_CELL])
def test_ntk_equals_the_plain_loop_in_float64(ops, monkeypatch):
    monkeypatch.setattr("nasearch.proxies.ntk.GRAM_BLOCK", 37)  # several blocks, one ragged
    torch.manual_seed(0)
    net = NB201Network(ops, 10, channels=4, cells_per_stage=1).double().train()
    inputs = torch.randn(10, 3, 8, 8, dtype=torch.float64)
    expected = reference_ntk(copy.deepcopy(net), inputs)
    got = registry.proxies.get("ntk").score(net, Batch(inputs))
    assert math.isfinite(expected) and expected > 1
    assert got == pytest.approx(expected, rel=1e-10)


def test_affine_free_norms_leave_grasp_unchanged_in_float64_and_restore_the_parameters():
    from nasearch.proxies._affine_free import affine_free_norms
    from nasearch.proxies.saliency import finite_sum, grasp_per_layer

    torch.manual_seed(0)
    net = NB201Network(POOLING_CELL, 10, channels=4, cells_per_stage=1).double().train()
    moved = net.lastact[0]
    with torch.no_grad():
        moved.weight.fill_(1.5)  # not the identity: keeps its affine step
    x, y = torch.randn(8, 3, 8, 8, dtype=torch.float64), torch.randint(0, 10, (8,))
    params_before = dict(net.named_parameters())
    expected = finite_sum(grasp_per_layer(copy.deepcopy(net), x, y))
    with affine_free_norms(net):
        assert moved.weight is not None
        assert sum(m.weight is None for m in net.modules() if isinstance(m, nn.BatchNorm2d)) > 5
        got = finite_sum(grasp_per_layer(net, x, y))
    assert dict(net.named_parameters()).keys() == params_before.keys()
    assert all(p is params_before[k] for k, p in net.named_parameters())
    assert math.isfinite(expected) and expected != 0.0
    assert got == pytest.approx(expected, rel=1e-10)
    assert registry.proxies.get("grasp").score(net, Batch(x, y)) == pytest.approx(expected, rel=1e-10)
