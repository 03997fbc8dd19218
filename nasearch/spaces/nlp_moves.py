"""Moves and edit distance between NAS-Bench-NLP recipes (``nasearch.spaces.nlp_recipe``).

A move swaps an activation or elementwise op for another of its kind or rewires one input;
the edit distance counts such edits (and inserted or deleted nodes) under a node
correspondence between two recipes.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from nasearch.spaces.nlp_recipe import (
    ACTIVATIONS,
    COMMUTATIVE,
    ELEMENTWISE,
    INPUTS,
    Recipe,
    canonical_text,
    generator_violations,
    is_output,
    topological_order,
)


def _label(name: str, op: str) -> str:
    return op + (f"@{name}" if is_output(name) else "")


def mapping_cost(a: Recipe, b: Recipe, mapping: Mapping[str, str]) -> int:
    """Unit-cost edits turning ``a`` into ``b`` when ``a``'s nodes correspond to ``b``'s by
    ``mapping`` (partial, one-to-one): a node label (op, output name) changed, an input slot
    rewired, or a node with its inputs inserted or deleted."""
    ops_a, ins_a, ops_b, ins_b = a.op_of(), a.inputs_of(), b.op_of(), b.inputs_of()
    image = {s: s for s in INPUTS}
    image.update(mapping)
    cost = 0
    for na, nb in mapping.items():
        cost += _label(na, ops_a[na]) != _label(nb, ops_b[nb])
        srcs = [image.get(s, "?" + s) for s in ins_a[na]]
        target = list(ins_b[nb])
        if ops_a[na] in COMMUTATIVE and ops_b[nb] in COMMUTATIVE:
            common = sum(min(srcs.count(s), target.count(s)) for s in set(srcs))
            cost += max(len(srcs), len(target)) - common
        else:
            cost += sum(1 for k in range(max(len(srcs), len(target)))
                        if k >= len(srcs) or k >= len(target) or srcs[k] != target[k])
    mapped_b = set(mapping.values())
    cost += sum(1 + len(ins_a[n]) for n in ops_a if n not in mapping)
    cost += sum(1 + len(ins_b[n]) for n in ops_b if n not in mapped_b)
    return cost


def _assignment_mapping(a: Recipe, b: Recipe) -> dict[str, str]:
    from scipy.optimize import linear_sum_assignment

    names_a, names_b = list(a.op_of()), list(b.op_of())
    ops_a, ops_b, ins_a, ins_b = a.op_of(), b.op_of(), a.inputs_of(), b.inputs_of()
    n, m = len(names_a), len(names_b)
    size = n + m
    cost = np.zeros((size, size))
    for i, na in enumerate(names_a):
        for j, nb in enumerate(names_b):
            base_a = sorted(s for s in ins_a[na] if s in INPUTS)
            base_b = sorted(s for s in ins_b[nb] if s in INPUTS)
            cost[i, j] = (_label(na, ops_a[na]) != _label(nb, ops_b[nb])) + abs(len(ins_a[na]) - len(ins_b[nb])) \
                + len(set(base_a) ^ set(base_b)) * 0.5
        cost[i, m:] = np.inf
        cost[i, m + i] = 1 + len(ins_a[na])
    for j, nb in enumerate(names_b):
        cost[n:, j] = np.inf
        cost[n + j, j] = 1 + len(ins_b[nb])
    rows, cols = linear_sum_assignment(np.where(np.isinf(cost), 1e9, cost))
    return {names_a[i]: names_b[j] for i, j in zip(rows, cols) if i < n and j < m}


def _improve(a: Recipe, b: Recipe, mapping: dict[str, str]) -> tuple[dict[str, str], int]:
    """Local search: swap the images of two nodes (or move one onto a free node) while it helps."""
    names_b = list(b.op_of())
    best = mapping_cost(a, b, mapping)
    improved = True
    while improved and best > 1:  # 1 is the least a non-isomorphic pair can cost
        improved = False
        keys = list(a.op_of())
        for i, p in enumerate(keys):
            for q in keys[i + 1:] + [None]:
                targets = [mapping.get(q)] if q is not None else [t for t in names_b if t not in mapping.values()]
                for t in targets:
                    trial = dict(mapping)
                    old = trial.get(p)
                    if q is not None:
                        if old is None and t is None:
                            continue
                        for node, image in ((p, t), (q, old)):
                            if image is None:
                                trial.pop(node, None)
                            else:
                                trial[node] = image
                    else:
                        trial[p] = t
                    c = mapping_cost(a, b, trial)
                    if c < best:
                        mapping, best, improved = trial, c, True
    return mapping, best


def quick_edit_distance(a: Recipe, b: Recipe) -> int:
    """``edit_distance`` without the local search: ~50x faster, on the benchmark's cells
    within about 10% of it (for ranking many cells by distance, e.g. ``PoolSpace``)."""
    if canonical_text(a) == canonical_text(b):
        return 0
    names_b = set(b.op_of())
    by_name = {n: n for n in a.op_of() if n in names_b}
    return max(1, min(mapping_cost(a, b, by_name), mapping_cost(a, b, _assignment_mapping(a, b))))


def edit_distance(a: Recipe, b: Recipe) -> int:
    """Cheapest edit path found between two recipes (see ``mapping_cost`` for the edits).

    0 exactly when the canonical forms agree. Otherwise the cheaper of two node
    correspondences, each improved by local search: nodes matched by name (exact for cells
    that moves of ``NLPSpace`` relate, which keep names) and an optimal assignment on node
    labels and inputs. Exact graph edit distance is NP-hard (the benchmark's own script gives
    networkx minutes per pair); this is an upper bound of it under these unit costs.
    """
    if canonical_text(a) == canonical_text(b):
        return 0
    names_b = set(b.op_of())
    by_name = {n: n for n in a.op_of() if n in names_b}
    candidates = [_improve(a, b, by_name), _improve(a, b, _assignment_mapping(a, b))]
    return max(1, min(cost for _, cost in candidates))


def rename_sources(recipe: Recipe, name: str, position: int, source: str) -> Recipe:
    """``recipe`` with input ``position`` of node ``name`` read from ``source`` instead."""
    return Recipe(tuple((n, op, tuple(source if (n == name and k == position) else s for k, s in enumerate(srcs)))
                        for n, op, srcs in recipe.nodes))


def with_op(recipe: Recipe, name: str, new_op: str) -> Recipe:
    return Recipe(tuple((n, new_op if n == name else op, srcs) for n, op, srcs in recipe.nodes))


def single_moves(recipe: Recipe) -> list[Recipe]:
    """Every recipe one move away that the generator could make: an activation or elementwise
    op swapped for another of its kind, or one input of a node read from another node."""
    ops, inputs = recipe.op_of(), recipe.inputs_of()
    descendants: dict[str, set[str]] = {n: set() for n in ops}
    for n in reversed(topological_order(recipe) or []):
        for reader, srcs in inputs.items():
            if n in srcs:
                descendants[n] |= {reader} | descendants[reader]
    result = []
    for name, op in ops.items():
        family = ACTIVATIONS if op in ACTIVATIONS else ELEMENTWISE if op in ELEMENTWISE else ()
        result += [with_op(recipe, name, other) for other in family if other != op]
    sources = list(INPUTS[: 1 + recipe.hidden]) + list(ops)
    for name, srcs in inputs.items():
        for position, current in enumerate(srcs):
            for source in sources:
                if source == name or source in srcs or source in descendants[name]:
                    continue
                result.append(rename_sources(recipe, name, position, source))
    return [r for r in result if not generator_violations(r)]
