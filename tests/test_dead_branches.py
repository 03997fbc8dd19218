"""Skipping dead branches and channels-last layout: faster passes, the same proxy values; and
gradient proxies keep nothing of a network once they have scored it."""

import math

import pytest
import torch

from nasearch import registry
from nasearch.data import synthetic_batch
from nasearch.interfaces import TASKS
from nasearch.scoring import compute_score
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


def _proxies_where(flag: str, value: bool) -> list[str]:
    return sorted(n for n in registry.proxies.available() if getattr(registry.proxies.get_class(n), flag) is value)


def _score(name, text, monkeypatch, *, dead: bool, channels_last: bool) -> float:
    proxy = registry.proxies.get(name)
    monkeypatch.setattr(type(proxy), "needs_dead_branches", dead)
    monkeypatch.setattr(type(proxy), "prefers_channels_last", channels_last)
    batch = synthetic_batch("normal", CIFAR, 16, seed=0)
    return compute_score(TINY, TINY.parse(text), CIFAR, proxy, batch, seed=0)[0]


@pytest.mark.parametrize("name", _proxies_where("needs_dead_branches", False))
def test_proxies_that_allow_it_score_the_same_without_dead_branches(name, monkeypatch):
    for text in (DEAD_1_AND_2, DEAD_1):
        with_dead = _score(name, text, monkeypatch, dead=True, channels_last=False)
        without = _score(name, text, monkeypatch, dead=False, channels_last=False)
        assert with_dead == without or (math.isnan(with_dead) and math.isnan(without))


def test_activation_proxies_keep_dead_branches(monkeypatch):
    """naswot counts the ReLU codes of dead branches too (as the reference network computes them)."""
    assert registry.proxies.get_class("naswot").needs_dead_branches
    as_written = _score("naswot", DEAD_1_AND_2, monkeypatch, dead=True, channels_last=False)
    pruned = _score("naswot", DEAD_1_AND_2, monkeypatch, dead=False, channels_last=False)
    assert as_written != pruned


@pytest.mark.parametrize("name", _proxies_where("prefers_channels_last", True))
def test_channels_last_changes_values_by_rounding_only(name, monkeypatch):
    contiguous = _score(name, DEAD_1, monkeypatch, dead=True, channels_last=False)
    channels_last = _score(name, DEAD_1, monkeypatch, dead=True, channels_last=True)
    if math.isnan(contiguous):
        assert math.isnan(channels_last)
    else:
        assert channels_last == pytest.approx(contiguous, rel=1e-3, abs=1e-6)


@pytest.mark.parametrize("name", _proxies_where("needs_gradients", True))
def test_gradient_proxies_leave_nothing_behind(name):
    """No .grad on the weights, no hook, and nothing holding the network once the score is back."""
    import gc
    import weakref

    proxy = registry.proxies.get(name)
    batch = synthetic_batch("normal", CIFAR, 16, seed=0)
    torch.manual_seed(0)
    model = TINY.build(TINY.parse(DEAD_1), CIFAR)
    proxy.score(model, batch)
    assert all(p.grad is None for p in model.parameters())
    assert not any(m._forward_hooks or m._backward_hooks for m in model.modules())
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None
