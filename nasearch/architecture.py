"""The cell representation shared by every search space."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import networkx as nx


@dataclass(frozen=True)
class Architecture:
    """An immutable labelled DAG (a cell).

    ``space`` names the search space the cell belongs to, ``text`` is its stable string form
    in that space (for NAS-Bench-201, the official ``|op~0|+|...|`` string) and ``edges``
    lists ``(source, target, op)`` triples. Equality and hashing use ``(space, text)`` only;
    isomorphic cells with different strings are different architectures, and
    ``SearchSpace.canonical_key`` tells when two of them are the same network.
    """

    space: str
    text: str
    edges: tuple[tuple[int, int, str], ...] = field(compare=False, repr=False)
    node_ops: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        return self.text

    @property
    def ops(self) -> tuple[str, ...]:
        """Edge ops in edge order (empty for node-labelled spaces)."""
        return tuple(op for _, _, op in self.edges)

    def graph(self) -> nx.DiGraph:
        """A fresh networkx DiGraph; edge attribute ``op``, node attribute ``op`` if any."""
        g = nx.DiGraph()
        for node, op in enumerate(self.node_ops):
            g.add_node(node, op=op)
        for source, target, op in self.edges:
            g.add_edge(source, target, op=op)
        return g

    @classmethod
    def from_edges(
        cls, space: str, text: str, edges: Iterable[tuple[int, int, str]], node_ops: Iterable[str] = ()
    ) -> "Architecture":
        return cls(space=space, text=text, edges=tuple(edges), node_ops=tuple(node_ops))
