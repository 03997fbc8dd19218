"""Contract checks for proxies: what a score is, what scoring leaves behind, and the speed and
sharing flags a proxy declares (meta-device builds, dead branches, channels-last, isomorphism).

A ``ProxyProbe`` says where a proxy is checked: ``default_probe()`` is a NAS-Bench-201
network 4 channels wide with one cell per stage (fast on a CPU); ``probe_for(space)`` uses a
space's own networks.
"""

from __future__ import annotations

import dataclasses
import gc
import math
import weakref
from typing import Callable, Sequence

import numpy as np
import torch

from nasearch.architecture import Architecture
from nasearch.data import synthetic_batch
from nasearch.interfaces import Batch, DeadBranchSkipping, Proxy, SearchSpace, Task, get_task
from nasearch.scoring import batch_for, prepare

LAYOUT_RTOL, LAYOUT_ATOL = 1e-3, 1e-6
TWIN_RTOL = 1e-4


@dataclasses.dataclass
class ProxyProbe:
    """Where a proxy is checked: small networks of ``space`` for ``task``, one minibatch, a few cells.

    ``expect_finite``: the probe's cells give every proxy a number (not NaN), so a NaN is a
    failure; leave it False for cells where NaN is a legitimate answer.
    """

    space: SearchSpace
    task: Task
    batch: Batch
    archs: Sequence[Architecture]
    seed: int = 0
    expect_finite: bool = False


# NB201 cells with dead branches: node 2 reaches the output only through `none`, so node 1
# (feeding only node 2) is dead too; and node 1 dead while node 2 lives.
NB201_DEAD_1_AND_2 = "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_3x3~0|none~1|none~2|"
NB201_DEAD_1 = "|nor_conv_1x1~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"


def default_probe(batch_size: int = 8) -> ProxyProbe:
    """A NAS-Bench-201 network 4 channels wide with one cell per stage, CIFAR-10 shaped N(0, 1)
    images with random labels, and two cells with dead branches (every built-in proxy gives
    them a finite score)."""
    from nasearch.spaces.nb201 import NB201Space

    space = NB201Space(channels=4, cells_per_stage=1)
    task = get_task("cifar10")
    return ProxyProbe(space, task, synthetic_batch("normal", task, batch_size, seed=0),
                      [space.parse(NB201_DEAD_1), space.parse(NB201_DEAD_1_AND_2)], expect_finite=True)


def probe_for(space: SearchSpace, batch_size: int = 8, cells: int = 2, task: Task | str | None = None,
              seed: int = 0) -> ProxyProbe:
    """A probe on ``space``'s own networks: ``cells`` sampled cells, synthetic N(0, 1) images."""
    task = get_task(task or space.default_task)
    rng = np.random.default_rng(seed)
    archs = [space.sample(rng) for _ in range(cells)]
    return ProxyProbe(space, task, synthetic_batch("normal", task, batch_size, seed=seed), archs, seed)


def _applies(proxy: Proxy, probe: ProxyProbe) -> bool:
    return probe.space.can_build(probe.task) and probe.task.kind in proxy.task_kinds


def _name(proxy: Proxy) -> str:
    return f"proxy {proxy.name!r}"


def _score_as(proxy: Proxy, probe: ProxyProbe, arch: Architecture, *, skip_dead: bool, channels_last: bool,
              meta: bool | None = None) -> float:
    """The score with the speed options set by hand (``compute_score`` reads them from the proxy)."""
    meta = (not proxy.needs_random_init) if meta is None else meta
    if meta:
        with torch.device("meta"):
            model = probe.space.build(arch, probe.task)
    else:
        torch.manual_seed(probe.seed)
        model = probe.space.build(arch, probe.task)
    if skip_dead and isinstance(model, DeadBranchSkipping):
        model.skip_dead_branches()
    batch = probe.batch
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        if batch.inputs.ndim == 4:
            batch = dataclasses.replace(batch, inputs=batch.inputs.contiguous(memory_format=torch.channels_last))
    if proxy.needs_random_init:
        torch.manual_seed(probe.seed)
    return float(proxy.score(model, batch))


def _scored(proxy: Proxy, probe: ProxyProbe, arch: Architecture) -> float:
    """The score exactly as the scorer computes it (``scoring.prepare``), without isomorphism sharing."""
    model, batch = prepare(probe.space, arch, probe.task, proxy, probe.batch, probe.seed)
    return proxy.score(model, batch)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def check_proxy_returns_float(proxy: Proxy, probe: ProxyProbe) -> bool:
    """``score`` returns a Python float, a number or NaN (never inf, a tensor or None), and
    the same value again for the same network, batch and seed."""
    if not _applies(proxy, probe):
        return False
    for arch in probe.archs:
        first, second = _scored(proxy, probe, arch), _scored(proxy, probe, arch)
        assert isinstance(first, float), f"{_name(proxy)} returned {type(first).__name__}, not float, on {arch}"
        assert not math.isinf(first), f"{_name(proxy)} returned {first} on {arch}: return NaN when undefined"
        if probe.expect_finite:
            assert math.isfinite(first), f"{_name(proxy)} returned NaN on {arch}, where a number is expected"
        assert _same(first, second), f"{_name(proxy)} is not deterministic under a seed on {arch}: {first} then {second}"
    return True


def check_proxy_leaves_nothing_behind(proxy: Proxy, probe: ProxyProbe) -> bool:
    """After ``score``: no ``.grad`` on a weight, no hook on a module, weights and their
    ``requires_grad`` as they were, and nothing still holding the network once the caller
    drops it."""
    if not _applies(proxy, probe):
        return False
    arch = probe.archs[0]
    model, batch = prepare(probe.space, arch, probe.task, proxy, probe.batch, probe.seed)
    params = list(model.parameters())
    before = [(p.requires_grad, None if p.is_meta else p.detach().clone()) for p in params]
    proxy.score(model, batch)
    where = f"{_name(proxy)} on {arch}"
    assert all(p.grad is None for p in params), f"{where} left .grad on the network's weights"
    hooked = [name or "<root>" for name, m in model.named_modules()
              if m._forward_hooks or m._forward_pre_hooks or m._backward_hooks
              or getattr(m, "_backward_pre_hooks", None)]
    assert not hooked, f"{where} left hooks on {', '.join(hooked[:5])}"
    for (requires_grad, value), p in zip(before, params):
        assert p.requires_grad == requires_grad, f"{where} changed requires_grad of a weight"
        assert value is None or torch.equal(value, p.detach()), f"{where} changed the network's weights"
    del params, before
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None, f"{where} keeps a reference to the network after scoring it"
    return True


def check_proxy_labels(proxy: Proxy, probe: ProxyProbe) -> bool:
    """``needs_labels`` is true to the proxy: with it, a batch without labels is refused with
    a ValueError that says labels are needed; without it, such a batch scores as usual."""
    if not _applies(proxy, probe) or probe.batch.labels is None:
        return False
    unlabelled = dataclasses.replace(probe.batch, labels=None)
    arch = probe.archs[0]
    model, batch = prepare(probe.space, arch, probe.task, proxy, unlabelled, probe.seed)
    if proxy.needs_labels:
        try:
            proxy.score(model, batch)
        except ValueError as err:
            assert "label" in str(err).lower(), f"{_name(proxy)}'s error for a batch without labels: {err}"
            return True
        raise AssertionError(f"{_name(proxy)} declares needs_labels but scored a batch without labels")
    try:
        value = proxy.score(model, batch)
    except Exception as err:
        raise AssertionError(f"{_name(proxy)} does not declare needs_labels but fails without them: {err!r}") from err
    assert isinstance(value, float), f"{_name(proxy)} returned {type(value).__name__} for a batch without labels"
    return True


def check_proxy_meta_build(proxy: Proxy, probe: ProxyProbe) -> bool:
    """A proxy with ``needs_random_init = False`` overwrites every weight it reads, so a
    network built on the meta device gives the same score as randomly initialised ones."""
    if proxy.needs_random_init or not _applies(proxy, probe):
        return False
    for arch in probe.archs:
        try:
            on_meta = _score_as(proxy, probe, arch, skip_dead=False, channels_last=False, meta=True)
        except Exception as err:
            raise AssertionError(f"{_name(proxy)} declares needs_random_init=False but fails on a network "
                                 f"built on the meta device: {err!r}") from err
        for seed in (probe.seed, probe.seed + 1):
            materialised = _score_as(proxy, dataclasses.replace(probe, seed=seed), arch, skip_dead=False,
                                     channels_last=False, meta=False)
            assert _same(on_meta, materialised), (
                f"{_name(proxy)} declares needs_random_init=False but scores {arch} {on_meta} on the meta "
                f"device and {materialised} when initialised with seed {seed}")
    return True


def check_proxy_dead_branch_invariance(proxy: Proxy, probe: ProxyProbe) -> bool:
    """A proxy with ``needs_dead_branches = False`` scores a network exactly the same whether
    or not it computes its dead branches (networks that offer ``skip_dead_branches``)."""
    if proxy.needs_dead_branches or not _applies(proxy, probe):
        return False
    checked = False
    for arch in probe.archs:
        with torch.device("meta"):
            skipping = isinstance(probe.space.build(arch, probe.task), DeadBranchSkipping)
        if not skipping:
            continue
        full = _score_as(proxy, probe, arch, skip_dead=False, channels_last=False)
        pruned = _score_as(proxy, probe, arch, skip_dead=True, channels_last=False)
        assert _same(full, pruned), (f"{_name(proxy)} declares needs_dead_branches=False but scores {arch} "
                                     f"{full} with its dead branches and {pruned} without")
        checked = True
    return checked


def check_proxy_layout_invariance(proxy: Proxy, probe: ProxyProbe) -> bool:
    """A proxy with ``prefers_channels_last = True`` gives the same score in channels-last
    layout up to float32 rounding."""
    if not proxy.prefers_channels_last or not _applies(proxy, probe):
        return False
    for arch in probe.archs:
        contiguous = _score_as(proxy, probe, arch, skip_dead=False, channels_last=False)
        last = _score_as(proxy, probe, arch, skip_dead=False, channels_last=True)
        if math.isnan(contiguous) or math.isnan(last):
            assert _same(contiguous, last), f"{_name(proxy)}: {contiguous} contiguous, {last} channels-last on {arch}"
        else:
            assert math.isclose(last, contiguous, rel_tol=LAYOUT_RTOL, abs_tol=LAYOUT_ATOL), (
                f"{_name(proxy)} scores {arch} {contiguous} contiguous and {last} channels-last")
    return True


def twin_pairs(space: SearchSpace, rng: np.random.Generator, cells: int = 200, limit: int = 8
               ) -> list[tuple[Architecture, Architecture]]:
    """Up to ``limit`` pairs of distinct cells with the same ``canonical_key``: each sampled
    cell with its class representative, and sampled cells that share a key."""
    pairs: dict[tuple[str, str], tuple[Architecture, Architecture]] = {}
    by_key: dict[str, Architecture] = {}
    for _ in range(cells):
        arch = space.sample(rng)
        key = space.canonical_key(arch)
        for other in (space.canonical(arch), by_key.setdefault(key, arch)):
            if other.text != arch.text:
                pairs.setdefault(tuple(sorted((arch.text, other.text))), (arch, other))
        if len(pairs) >= limit:
            break
    return list(pairs.values())[:limit]


def _matched_weights(proxy: Proxy, probe: ProxyProbe, a: Architecture, b: Architecture
                     ) -> tuple[torch.nn.Module, torch.nn.Module] | None:
    """Networks of twins ``a`` and ``b`` with the same weights where their parameters and
    buffers match one to one in order and shape (None where they do not)."""
    model_a, _ = prepare(probe.space, a, probe.task, proxy, probe.batch, probe.seed)
    model_b, _ = prepare(probe.space, b, probe.task, proxy, probe.batch, probe.seed)
    if not proxy.needs_random_init:
        return model_a, model_b  # the proxy sets every weight itself
    state_a, state_b = list(model_a.state_dict().values()), list(model_b.state_dict().values())
    if [t.shape for t in state_a] != [t.shape for t in state_b]:
        return None
    with torch.no_grad():
        for source, target in zip(state_a, state_b):
            target.copy_(source)
    return model_a, model_b


def check_proxy_isomorphism_invariance(proxy: Proxy, probe: ProxyProbe, pairs: int = 4) -> bool:
    """A proxy with ``isomorphism_invariant = True`` gives twin cells (equal canonical key)
    the same score when their networks carry the same weights; it is what lets the scorer
    compute one score per class. Twins are scored directly, not through the class
    representative. Random-init proxies are checked on twins whose weights match one to one."""
    if not proxy.isomorphism_invariant or not _applies(proxy, probe):
        return False
    checked = 0
    for a, b in twin_pairs(probe.space, np.random.default_rng(probe.seed), limit=8 * pairs):
        models = _matched_weights(proxy, probe, a, b)
        if models is None:
            continue
        batch = batch_for(proxy, probe.batch)
        if proxy.needs_random_init:
            torch.manual_seed(probe.seed)
        value_a = float(proxy.score(models[0], batch))
        if proxy.needs_random_init:
            torch.manual_seed(probe.seed)
        value_b = float(proxy.score(models[1], batch))
        same = _same(value_a, value_b) or math.isclose(value_a, value_b, rel_tol=TWIN_RTOL, abs_tol=1e-12)
        assert same, (f"{_name(proxy)} declares isomorphism_invariant=True but scores twins {a} and {b} "
                      f"(canonical key {probe.space.canonical_key(a)!r}) {value_a} and {value_b}")
        if math.isnan(value_a):
            continue  # agreeing on NaN says little: look for twins with a number
        checked += 1
        if checked >= pairs:
            break
    return checked > 0


PROXY_CHECKS: dict[str, Callable[[Proxy, ProxyProbe], bool]] = {
    "returns_float": check_proxy_returns_float,
    "leaves_nothing_behind": check_proxy_leaves_nothing_behind,
    "labels": check_proxy_labels,
    "meta_build": check_proxy_meta_build,
    "dead_branch_invariance": check_proxy_dead_branch_invariance,
    "layout_invariance": check_proxy_layout_invariance,
    "isomorphism_invariance": check_proxy_isomorphism_invariance,
}


def check_proxy(proxy: Proxy, probe: ProxyProbe | None = None) -> list[str]:
    """Every proxy check; returns the names of those that applied."""
    probe = probe or default_probe()
    return [name for name, check in PROXY_CHECKS.items() if check(proxy, probe)]
