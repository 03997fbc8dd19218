"""Contract checks for search spaces: string forms, moves, distances, isomorphism, listing, networks.

Each check samples its own cells from ``np.random.default_rng(seed)`` and raises
``AssertionError`` naming the space, the cells and the law that broke; it returns False when
the law does not apply (a space without a network builder has no build law).
"""

from __future__ import annotations

import itertools
from typing import Callable

import numpy as np
import torch

from nasearch.architecture import Architecture
from nasearch.interfaces import ImageTask, LanguageTask, NoNetworkError, NotEnumerableError, SearchSpace, get_task

ENUMERATION_LIMIT = 100_000  # larger finite spaces are listed only partly (see check_space_enumeration)


def _cells(space: SearchSpace, seed: int, n: int) -> list[Architecture]:
    rng = np.random.default_rng(seed)
    return [space.sample(rng) for _ in range(n)]


def _where(space: SearchSpace) -> str:
    return f"space {space.name!r}"


def check_space_round_trip(space: SearchSpace, seed: int = 0, cells: int = 20) -> bool:
    """Sampled cells belong to the space, and ``parse(format(cell))`` gives the cell back
    (equal, same string, same edges and node labels); sampling is reproducible by seed."""
    archs = _cells(space, seed, cells)
    assert [a.text for a in archs] == [a.text for a in _cells(space, seed, cells)], (
        f"{_where(space)}: sample() gives other cells for the same seed")
    for arch in archs:
        assert isinstance(arch, Architecture), f"{_where(space)}: sample() returned {type(arch).__name__}"
        assert arch.space == space.name, f"{_where(space)}: sampled {arch} says it belongs to space {arch.space!r}"
        text = space.format(arch)
        back = space.parse(text)
        assert back == arch and back.text == arch.text, f"{_where(space)}: parse(format({arch})) gave {back}"
        assert back.edges == arch.edges and back.node_ops == arch.node_ops, (
            f"{_where(space)}: parse(format({arch})) has other edges or node labels")
    return True


def check_space_mutation_distance(space: SearchSpace, seed: int = 0, cells: int = 8, max_distance: int = 3) -> bool:
    """``mutate(cell, rng, d)`` lands at edit distance exactly d (for d up to ``max_distance``,
    or until the space answers ValueError: no cell that far), and is reproducible by seed."""
    rng = np.random.default_rng(seed + 1)
    for arch in _cells(space, seed, cells):
        for distance in range(1, max_distance + 1):
            try:
                child = space.mutate(arch, rng, distance=distance)
            except ValueError:
                break  # the space is not that wide around this cell
            assert child.space == space.name, f"{_where(space)}: mutate({arch}) left the space: {child}"
            got = space.edit_distance(arch, child)
            assert got == distance, f"{_where(space)}: mutate({arch}, distance={distance}) gave {child} at distance {got}"
    first = [space.mutate(a, np.random.default_rng(seed), 1).text for a in _cells(space, seed, 3)]
    again = [space.mutate(a, np.random.default_rng(seed), 1).text for a in _cells(space, seed, 3)]
    assert first == again, f"{_where(space)}: mutate() gives other cells for the same seed"
    return True


def check_space_neighbours(space: SearchSpace, seed: int = 0, cells: int = 4) -> bool:
    """``neighbours(cell)`` are distinct cells at edit distance exactly 1, in a fixed order;
    where the space can be listed (up to ``ENUMERATION_LIMIT`` cells), they are all of them."""
    listed = _listing(space)
    for arch in _cells(space, seed, cells):
        neighbours = space.neighbours(arch)
        texts = [n.text for n in neighbours]
        assert neighbours, f"{_where(space)}: {arch} has no neighbours"
        assert len(set(texts)) == len(texts), f"{_where(space)}: neighbours of {arch} repeat a cell"
        assert texts == [n.text for n in space.neighbours(arch)], f"{_where(space)}: neighbours of {arch} change order"
        for n in neighbours:
            assert n.space == space.name, f"{_where(space)}: neighbour {n} of {arch} is not in the space"
            d = space.edit_distance(arch, n)
            assert d == 1, f"{_where(space)}: neighbour {n} of {arch} is at edit distance {d}"
        if listed is not None:
            expected = {c.text for c in listed if space.edit_distance(arch, c) == 1}
            missing = expected - set(texts)
            assert not missing, f"{_where(space)}: neighbours of {arch} miss {len(missing)} cells at distance 1, e.g. {min(missing)}"
    return True


def check_space_edit_distance(space: SearchSpace, seed: int = 0, cells: int = 8) -> bool:
    """``edit_distance`` is a metric on sampled cells and their neighbours: a non-negative
    integer, zero exactly between equal cells, symmetric, with the triangle inequality (unless
    the space declares ``exact_edit_distance = False``: an upper bound need not satisfy it)."""
    archs = _cells(space, seed, cells)
    archs += space.neighbours(archs[0])[:3]
    for a in archs:
        assert space.edit_distance(a, a) == 0, f"{_where(space)}: edit_distance({a}, itself) is not 0"
    for a, b in itertools.combinations(archs, 2):
        d = space.edit_distance(a, b)
        assert isinstance(d, (int, np.integer)) and d >= 0, f"{_where(space)}: edit_distance({a}, {b}) = {d!r}"
        assert (d == 0) == (a == b), f"{_where(space)}: edit_distance({a}, {b}) = {d}"
        assert d == space.edit_distance(b, a), f"{_where(space)}: edit_distance is not symmetric on {a}, {b}"
    for a, b, c in itertools.permutations(archs[:6] if space.exact_edit_distance else [], 3):
        ab, bc, ac = space.edit_distance(a, b), space.edit_distance(b, c), space.edit_distance(a, c)
        assert ac <= ab + bc, f"{_where(space)}: triangle inequality fails: d({a},{c})={ac} > {ab}+{bc}"
    return True


def check_space_canonical(space: SearchSpace, seed: int = 0, cells: int = 200) -> bool:
    """``canonical(cell)`` is a cell of the space with the same ``canonical_key``, the same for
    every twin (cells with equal keys), and its own representative; keys are strings that
    survive a round trip through the string form."""
    by_key: dict[str, Architecture] = {}
    for arch in _cells(space, seed, cells):
        key = space.canonical_key(arch)
        assert isinstance(key, str), f"{_where(space)}: canonical_key({arch}) is {type(key).__name__}, not str"
        assert space.canonical_key(space.parse(space.format(arch))) == key, (
            f"{_where(space)}: canonical_key of {arch} changes through its string form")
        rep = space.canonical(arch)
        assert rep.space == space.name and space.parse(space.format(rep)) == rep, (
            f"{_where(space)}: canonical({arch}) = {rep} is not a cell of the space")
        assert space.canonical_key(rep) == key, f"{_where(space)}: canonical({arch}) = {rep} has another key"
        assert space.canonical(rep) == rep, f"{_where(space)}: canonical() is not idempotent on {rep}"
        twin = by_key.setdefault(key, arch)
        assert space.canonical(twin) == rep, (
            f"{_where(space)}: twins {twin} and {arch} (key {key!r}) have different representatives")
    return True


def _listing(space: SearchSpace) -> list[Architecture] | None:
    if not space.is_finite or len(space) > ENUMERATION_LIMIT:
        return None
    return list(space.enumerate())


def check_space_enumeration(space: SearchSpace, seed: int = 0, cells: int = 20) -> bool:
    """A finite space lists ``len(space)`` distinct cells, every sampled cell among them; an
    infinite one raises ``NotEnumerableError`` from ``enumerate`` and TypeError from ``len``.
    Spaces over ``ENUMERATION_LIMIT`` cells are checked on their first cells only."""
    if not space.is_finite:
        try:
            next(iter(space.enumerate()))
        except NotEnumerableError:
            pass
        else:
            raise AssertionError(f"{_where(space)} says it is not finite but enumerate() lists cells")
        return True
    size = len(space)
    assert isinstance(size, int) and size > 0, f"{_where(space)}: len() = {size!r}"
    if size > ENUMERATION_LIMIT:
        head = list(itertools.islice(space.enumerate(), 1000))
        assert len({a.text for a in head}) == len(head), f"{_where(space)}: enumerate() repeats a cell"
        return True
    listed = [a.text for a in space.enumerate()]
    assert len(listed) == size, f"{_where(space)}: enumerate() lists {len(listed)} cells, len() says {size}"
    assert len(set(listed)) == size, f"{_where(space)}: enumerate() repeats cells"
    missing = [a.text for a in _cells(space, seed, cells) if a.text not in set(listed)]
    assert not missing, f"{_where(space)}: sampled {missing[0]} is not among the enumerated cells"
    return True


def _inputs(task, n: int) -> torch.Tensor:
    if isinstance(task, ImageTask):
        return torch.randn(n, *task.input_shape)
    if isinstance(task, LanguageTask):
        return torch.randint(task.vocab_size, (n, task.seq_len))
    raise NotImplementedError(f"no check input for {task.kind} tasks")


def check_space_build(space: SearchSpace, seed: int = 0, cells: int = 2) -> bool:
    """Where the space has a network builder: ``build(cell, default_task)`` is a module that
    also builds on the meta device (what proxies with ``needs_random_init = False`` get) and,
    for an image task, maps a batch of 2 images to (2, classes) logits. Without one, ``build``
    raises ``NoNetworkError``."""
    task = get_task(space.default_task)
    arch = _cells(space, seed, 1)[0]
    if not space.has_network:
        try:
            space.build(arch, task)
        except NoNetworkError:
            return True
        raise AssertionError(f"{_where(space)} has no network builder but build() did not raise NoNetworkError")
    assert space.can_build(task), f"{_where(space)} cannot build its own default task {task.name!r}"
    for arch in _cells(space, seed, cells):
        with torch.device("meta"):
            meta = space.build(arch, task)
        assert isinstance(meta, torch.nn.Module), f"{_where(space)}: build({arch}) gave {type(meta).__name__}"
        torch.manual_seed(seed)
        model = space.build(arch, task)
        if isinstance(task, ImageTask):
            with torch.no_grad():
                out = model.eval()(_inputs(task, 2))
            assert tuple(out.shape) == (2, task.num_classes), (
                f"{_where(space)}: the network of {arch} maps 2 {task.name} images to shape {tuple(out.shape)}")
    return True


SPACE_CHECKS: dict[str, Callable[[SearchSpace], bool]] = {
    "round_trip": check_space_round_trip,
    "mutation_distance": check_space_mutation_distance,
    "neighbours": check_space_neighbours,
    "edit_distance": check_space_edit_distance,
    "canonical": check_space_canonical,
    "enumeration": check_space_enumeration,
    "build": check_space_build,
}


def check_space(space: SearchSpace) -> list[str]:
    """Every space check; returns the names of those that applied."""
    return [name for name, check in SPACE_CHECKS.items() if check(space)]
