"""NAS-Bench-NLP (Klyuchnikov et al. 2022): recurrent cells in the benchmark's recipe format.

The string form of a cell is its recipe as JSON, exactly as the benchmark's logs write it
(``format(parse(text)) == text``). Sampling follows the benchmark's generator; validity is
what that generator can produce (``nlp_recipe.generator_violations``); moves swap an
activation or elementwise op for another of its kind or rewire one input; cells related by
renaming nodes, reordering the inputs of sums and products or renumbering hidden slots 1 and
2 share a canonical key. The network is the benchmark's language model (``nlp_network``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

import nasearch.language  # noqa: F401  (registers the ptb and wikitext2 tasks)
from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, LanguageTask, SearchSpace, Task
from nasearch.registry import register_space
from nasearch.spaces import nlp_moves, nlp_recipe
from nasearch.spaces.nlp_network import NLPNetwork
from nasearch.spaces.nlp_recipe import INPUTS, Recipe


@lru_cache(maxsize=65_536)
def _recipe(text: str) -> Recipe:
    return nlp_recipe.parse_recipe(text)


@lru_cache(maxsize=65_536)
def _canonical(text: str) -> str:
    return nlp_recipe.canonical_text(_recipe(text))


@register_space("nlp")
class NLPSpace(SearchSpace):
    """NAS-Bench-NLP recurrent cells (recipe JSON); networks for language tasks."""

    default_task = "ptb"
    exact_edit_distance = False  # the cheapest node correspondence found: an upper bound
    default_benchmark = "nlp-ptb"
    task_kinds = frozenset({"language"})

    def __init__(self, embedding_size: int = 400, hidden_size: int = 600, layers: int = 3, tied: bool = True,
                 dropout: float = 0.1, dropouth: float = 0.25, dropouti: float = 0.4, dropoute: float = 0.0,
                 wdrop: float = 0.1):
        self.network_options: dict[str, Any] = dict(
            embedding_size=embedding_size, hidden_size=hidden_size, layers=layers, tied=tied, dropout=dropout,
            dropouth=dropouth, dropouti=dropouti, dropoute=dropoute, wdrop=wdrop)

    def benchmark_from_path(self, path: str) -> "Benchmark | None":
        """The official NAS-Bench-NLP training logs: a folder or zip of JSON logs."""
        if path.lower().endswith(".zip") or Path(path).is_dir():
            from nasearch.benchmarks.nlp import NLPBenchmark

            return NLPBenchmark.from_logs(path, self.default_task)
        return None

    # --- string forms -------------------------------------------------------------------------
    def from_recipe(self, recipe: "Recipe | Mapping[str, Any]") -> Architecture:
        if not isinstance(recipe, Recipe):
            recipe = nlp_recipe.parse_recipe(recipe)
        index = {name: i for i, name in enumerate(INPUTS)}
        index.update({name: len(INPUTS) + i for i, (name, _, _) in enumerate(recipe.nodes)})
        edges = []
        for name, op, srcs in recipe.nodes:
            for k, source in enumerate(srcs):
                edges.append((index[source], index[name], "" if op in nlp_recipe.COMMUTATIVE else f"in{k}"))
        node_ops = (*INPUTS, *(op + (f"@{name}" if nlp_recipe.is_output(name) else "") for name, op, _ in recipe.nodes))
        return Architecture.from_edges(self.name, recipe.text(), edges, node_ops)

    def parse(self, text: str) -> Architecture:
        """A cell from its recipe JSON (runnable cells; see ``is_valid`` for the generator's rules)."""
        return self.from_recipe(_recipe(text.strip()))

    def recipe(self, arch: Architecture) -> Recipe:
        return _recipe(arch.text)

    def violations(self, arch: Architecture) -> list[str]:
        """The generator's rules ``arch`` breaks (empty: the benchmark's generator can make it)."""
        return nlp_recipe.generator_violations(self.recipe(arch))

    def is_valid(self, arch: Architecture) -> bool:
        return not self.violations(arch)

    # --- sampling and moves ---------------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> Architecture:
        return self.from_recipe(nlp_recipe.sample(rng))

    def neighbours(self, arch: Architecture) -> list[Architecture]:
        """Valid cells one move away (an op swapped within its kind, or one input rewired), not
        isomorphic to ``arch``, one per distinct string, in a fixed order."""
        key = self.canonical_key(arch)
        seen: dict[str, Architecture] = {}
        for recipe in nlp_moves.single_moves(self.recipe(arch)):
            child = self.from_recipe(recipe)
            if child.text not in seen and self.canonical_key(child) != key:
                seen[child.text] = child
        return list(seen.values())

    def mutate(self, arch: Architecture, rng: np.random.Generator, distance: int = 1,
               max_tries: int = 200) -> Architecture:
        """A random valid cell at exactly ``distance`` edits, by ``distance`` random moves (retried
        until the edit distance is exactly ``distance``)."""
        if distance < 1:
            raise ValueError(f"distance must be >= 1, got {distance}")
        for _ in range(max_tries):
            current = self.recipe(arch)
            for _ in range(distance):
                moves = nlp_moves.single_moves(current)
                if not moves:
                    break
                current = moves[int(rng.integers(len(moves)))]
            child = self.from_recipe(current)
            if self.edit_distance(arch, child) == distance:
                return child
        broken = self.violations(arch)
        hint = f" (it breaks the generator's rules: {'; '.join(broken)}, so no valid cell is near)" if broken else ""
        raise ValueError(f"found no valid cell at edit distance {distance} from {arch.text[:60]}... in "
                         f"{max_tries} tries{hint}")

    def edit_distance(self, a: Architecture, b: Architecture) -> int:
        """The cheaper of the correspondences found from either side (each an upper bound on the
        exact distance), so the distance is symmetric."""
        ra, rb = self.recipe(a), self.recipe(b)
        return min(nlp_moves.edit_distance(ra, rb), nlp_moves.edit_distance(rb, ra))

    def quick_edit_distance(self, a: Architecture, b: Architecture) -> int:
        """``edit_distance`` without its local search (~50x faster, about 10% higher)."""
        return nlp_moves.quick_edit_distance(self.recipe(a), self.recipe(b))

    def pool_distance(self, a: Architecture, b: Architecture) -> int:
        """Searches inside a benchmark's cells rank neighbours by the quick distance."""
        return self.quick_edit_distance(a, b)

    # --- isomorphism --------------------------------------------------------------------------------
    def canonical_key(self, arch: Architecture) -> str:
        """The canonical recipe text (the same for isomorphic recipes; see ``nlp_recipe.canonical_text``)."""
        return _canonical(arch.text)

    def canonical(self, arch: Architecture) -> Architecture:
        return self.parse(self.canonical_key(arch))

    # --- networks -------------------------------------------------------------------------------------
    def build(self, arch: Architecture, task: Task) -> torch.nn.Module:
        if not isinstance(task, LanguageTask):
            raise ValueError(self._no_network_message(task))
        return NLPNetwork(self.recipe(arch), task.vocab_size, **self.network_options)

    def num_params(self, arch: Architecture, task: Task) -> int:
        """The benchmark's ``num_params`` for ``arch`` on ``task``, without building the network."""
        if not isinstance(task, LanguageTask):
            raise ValueError(self._no_network_message(task))
        o = self.network_options
        return nlp_recipe.num_params(self.recipe(arch), task.vocab_size, o["embedding_size"], o["hidden_size"],
                                     o["layers"], o["tied"])
