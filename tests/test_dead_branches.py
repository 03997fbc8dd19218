"""Skipping dead branches: the NB201 network computes the same output and gradients without them.

That proxies declaring ``needs_dead_branches = False`` or ``prefers_channels_last = True`` score
the same either way, and that proxies leave nothing behind, is checked for every registered
proxy by the contract kit (tests/test_contracts.py)."""

import pytest
import torch

from nasearch.interfaces import TASKS
from nasearch.spaces.nb201 import NB201Space, live_nodes

TINY = NB201Space(channels=4, cells_per_stage=1)
CIFAR = TASKS["cifar10"]
# node 2 reaches the output only through `none`, so node 1 (feeding only node 2) is dead too
DEAD_1_AND_2 = "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_3x3~0|none~1|none~2|"
# node 1 dead (its only way out is `none`), node 2 live
DEAD_1 = "|nor_conv_1x1~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"


@pytest.mark.parametrize("text, expected", [
    ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", (True, False, False, True)),
    (DEAD_1_AND_2, (True, False, False, True)),
    (DEAD_1, (True, False, True, True)),
    ("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|", (True, True, True, True)),
    ("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|", (True, True, False, True)),
])
def test_live_nodes_by_hand(text, expected):
    assert live_nodes(TINY.parse(text).ops) == expected


def _output_and_grads(model, x):
    out = model(x)
    grads = torch.autograd.grad(out.square().sum(), list(model.parameters()), allow_unused=True)
    return out, [torch.zeros_like(p) if g is None else g for p, g in zip(model.parameters(), grads)]


@pytest.mark.parametrize("text", [DEAD_1_AND_2, DEAD_1])
def test_skipping_dead_branches_keeps_output_and_every_gradient(text):
    x = torch.randn(6, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(1)
    full = TINY.build(TINY.parse(text), CIFAR)
    torch.manual_seed(1)
    pruned = TINY.build(TINY.parse(text), CIFAR)
    pruned.skip_dead_branches()
    calls = []
    for name, module in pruned.named_modules():
        if isinstance(module, torch.nn.Conv2d):
            module.register_forward_hook(lambda m, a, o, name=name: calls.append(name))
    out_full, grads_full = _output_and_grads(full, x)
    out_pruned, grads_pruned = _output_and_grads(pruned, x)
    assert torch.equal(out_full, out_pruned)
    for g_full, g_pruned in zip(grads_full, grads_pruned):
        assert torch.equal(g_full, g_pruned)
    n_convs = sum(isinstance(m, torch.nn.Conv2d) for m in full.modules())
    assert len(calls) < n_convs  # dead convolutions were not run
