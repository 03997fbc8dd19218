"""NAS-Bench-NLP recurrent cells in the benchmark's recipe format, and what can be said of them
without building a network: checks, the generator's validity rules and sampling, the
canonical form of isomorphic recipes, parameter counts (moves and edit distance:
``nasearch.spaces.nlp_moves``).

A recipe maps node names to ``{"op": OP, "input": [names]}``. Inputs ``x`` (the layer input)
and ``h_prev_0..2`` (the previous hidden states) are implicit; outputs are the nodes named
``h_new_0..h_new_{k-1}`` (``h_new_0`` is the layer's output, ``h_new_i`` becomes ``h_prev_i``
at the next step). Ops: ``linear`` (a weight matrix per input plus one bias, summed),
``blend`` (``a*b + (1-a)*c``), ``elementwise_prod``, ``elementwise_sum`` and the activations
``activation_tanh``, ``activation_sigm``, ``activation_leaky_relu``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from typing import Mapping

import numpy as np

_OUTPUT = re.compile(r"^h_new_(\d+)$")


def is_output(name: str) -> bool:
    """Whether ``name`` is a hidden-state output ``h_new_<digits>`` (``h_new_1_act`` is not)."""
    return _OUTPUT.match(name) is not None

ACTIVATIONS = ("activation_tanh", "activation_sigm", "activation_leaky_relu")
ELEMENTWISE = ("elementwise_prod", "elementwise_sum")
OPS = ("linear", "blend", *ELEMENTWISE, *ACTIVATIONS)
COMMUTATIVE = frozenset(ELEMENTWISE)
MAX_HIDDEN = 3
INPUTS = ("x",) + tuple(f"h_prev_{i}" for i in range(MAX_HIDDEN))

# the benchmark's generator (search_space.RecepieGenerator and the notebook that built the
# cell list): main ops drawn 3:1:1:1, a linear takes 2 or 3 inputs (4:1) and is always
# followed by an activation; hidden states 1..3, intermediate budget 7, 14 or 21
MAIN_OPS = ("linear", "blend", "elementwise_prod", "elementwise_sum")
MAIN_WEIGHTS = np.array([3.0, 1.0, 1.0, 1.0]) / 6.0
LINEAR_ARITY = (2, 3)
LINEAR_ARITY_WEIGHTS = np.array([4.0, 1.0]) / 5.0
HIDDEN_SIZES = (1, 2, 3)
INTERMEDIATE_BUDGETS = (7, 14, 21)
MAX_NODES = MAX_HIDDEN + max(INTERMEDIATE_BUDGETS) + 1


@dataclass(frozen=True)
class Recipe:
    """A checked recipe: ``nodes`` in the order of the source, each ``(name, op, inputs)``."""

    nodes: tuple[tuple[str, str, tuple[str, ...]], ...]

    @property
    def hidden(self) -> int:
        """Number of hidden states (the ``h_new_i`` outputs)."""
        return sum(is_output(name) for name, _, _ in self.nodes)

    def as_dict(self) -> dict[str, dict[str, object]]:
        return {name: {"op": op, "input": list(inputs)} for name, op, inputs in self.nodes}

    def text(self) -> str:
        """The recipe as the benchmark's logs write it (``json.dumps`` of the node dict)."""
        return json.dumps(self.as_dict())

    def op_of(self) -> dict[str, str]:
        return {name: op for name, op, _ in self.nodes}

    def inputs_of(self) -> dict[str, tuple[str, ...]]:
        return {name: inputs for name, _, inputs in self.nodes}


def parse_recipe(source: "str | Mapping[str, Mapping[str, object]]") -> Recipe:
    """A Recipe from JSON text or a dict; ValueError saying what is wrong (runnable cells only)."""
    if isinstance(source, str):
        try:
            data = json.loads(source)
        except json.JSONDecodeError as err:
            raise ValueError(f"a NAS-Bench-NLP recipe is a JSON object, and this is not JSON ({err}): "
                             f"{source[:80]!r}") from None
    else:
        data = source
    if not isinstance(data, Mapping) or not data:
        raise ValueError("a NAS-Bench-NLP recipe is a non-empty JSON object {node: {'op': ..., 'input': [...]}}")
    nodes = []
    for name, spec in data.items():
        if not isinstance(spec, Mapping) or set(spec) != {"op", "input"}:
            raise ValueError(f"recipe node {name!r} must be an object with exactly the keys 'op' and 'input'")
        op, inputs = spec["op"], spec["input"]
        if op not in OPS:
            raise ValueError(f"recipe node {name!r} has unknown op {op!r}; ops are {', '.join(OPS)}")
        if not isinstance(inputs, (list, tuple)) or not all(isinstance(i, str) for i in inputs):
            raise ValueError(f"recipe node {name!r}: 'input' must be a list of node names")
        nodes.append((str(name), op, tuple(inputs)))
    recipe = Recipe(tuple(nodes))
    check_runnable(recipe)
    return recipe


def check_runnable(recipe: Recipe) -> None:
    """Raise ValueError unless the benchmark's network could run the recipe."""
    names = [name for name, _, _ in recipe.nodes]
    for name in names:
        if name in INPUTS or re.match(r"^h_prev_\d+$", name):
            raise ValueError(f"recipe node {name!r} reuses an input name (x, h_prev_0..{MAX_HIDDEN - 1})")
    outputs = sorted(n for n in names if is_output(n))
    hidden = len(outputs)
    if outputs != [f"h_new_{i}" for i in range(hidden)] or not 1 <= hidden <= MAX_HIDDEN:
        raise ValueError(f"a recipe needs outputs h_new_0 .. h_new_{{k-1}} with k in 1..{MAX_HIDDEN}, got "
                         f"{outputs or 'none'}")
    known = set(names) | {"x"} | {f"h_prev_{i}" for i in range(hidden)}
    arity = {"blend": (3, 3), "elementwise_prod": (2, 2), "elementwise_sum": (2, 2), "linear": (1, 3)}
    for name, op, inputs in recipe.nodes:
        low, high = arity.get(op, (1, 1))
        if not low <= len(inputs) <= high:
            raise ValueError(f"recipe node {name!r} ({op}) takes {low if low == high else f'{low}..{high}'} "
                             f"input(s), got {len(inputs)}")
        if len(set(inputs)) != len(inputs):
            raise ValueError(f"recipe node {name!r} names an input twice: {list(inputs)}")
        for source in inputs:
            if source not in known:
                raise ValueError(f"recipe node {name!r} reads {source!r}, which is neither a node nor one of "
                                 f"x, h_prev_0..h_prev_{hidden - 1}")
    order = topological_order(recipe)
    if order is None:
        raise ValueError("the recipe has a cycle: a cell must be a directed acyclic graph")


def topological_order(recipe: Recipe) -> list[str] | None:
    """Node names with every input before its reader (None if there is a cycle)."""
    inputs = recipe.inputs_of()
    state: dict[str, int] = {}
    order: list[str] = []
    for start in inputs:
        stack = [(start, iter(inputs[start]))]
        if state.get(start) == 2:
            continue
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next((c for c in children if c in inputs), None)
            if child is None:
                stack.pop()
                state[node] = 2
                order.append(node)
            elif state.get(child) == 1:
                return None
            elif state.get(child) is None:
                state[child] = 1
                stack.append((child, iter(inputs[child])))
    return order


def generator_violations(recipe: Recipe) -> list[str]:
    """How ``recipe`` breaks the rules of the benchmark's generator (empty: the generator can make it).

    Its sanity checks (every input x, h_prev_i used; no h_new_i reading an h_prev directly),
    its pruning (every node reaches an output) and its construction (a linear reads x, h_prev
    or activations, 2-3 of them; an activation reads a linear, at most one per linear; blend and
    elementwise ops never read x; at most 3 + 21 + 1 nodes).
    """
    problems = []
    ops, inputs = recipe.op_of(), recipe.inputs_of()
    hidden = recipe.hidden
    used = {s for srcs in inputs.values() for s in srcs}
    for base in ("x", *(f"h_prev_{i}" for i in range(hidden))):
        if base not in used:
            problems.append(f"input {base} is not used")
    for i in range(hidden):
        direct = [s for s in inputs[f"h_new_{i}"] if s.startswith("h_prev_")]
        if direct:
            problems.append(f"h_new_{i} reads {direct[0]} directly")
    reached = set()
    queue = [f"h_new_{i}" for i in range(hidden)]
    while queue:
        node = queue.pop()
        if node in reached or node not in inputs:
            continue
        reached.add(node)
        queue.extend(inputs[node])
    dead = [n for n in inputs if n not in reached]
    if dead:
        problems.append(f"node(s) {', '.join(dead)} reach no output")
    activations_of: dict[str, int] = {}
    for name, op in ops.items():
        srcs = inputs[name]
        if op == "linear":
            if len(srcs) not in LINEAR_ARITY:
                problems.append(f"linear {name} has {len(srcs)} inputs (the generator gives 2 or 3)")
            bad = [s for s in srcs if s in ops and ops[s] not in ACTIVATIONS]
            if bad:
                problems.append(f"linear {name} reads {bad[0]}, which is not an activation")
        elif op in ACTIVATIONS:
            if ops.get(srcs[0]) != "linear":
                problems.append(f"activation {name} reads {srcs[0]}, which is not a linear node")
            else:
                activations_of[srcs[0]] = activations_of.get(srcs[0], 0) + 1
        elif "x" in srcs:
            problems.append(f"{op} {name} reads x (only linear nodes read x)")
    problems += [f"linear {n} feeds {k} activations" for n, k in activations_of.items() if k > 1]
    if len(ops) > MAX_NODES:
        problems.append(f"{len(ops)} nodes (the generator makes at most {MAX_NODES})")
    return problems


def generate(rng: np.random.Generator, hidden: int, budget: int) -> Recipe | None:
    """One draw of the benchmark's generator for ``hidden`` states and ``budget`` intermediate
    nodes; None when the draw fails the generator's sanity checks (it then draws again)."""
    base = ["x"] + [f"h_prev_{i}" for i in range(hidden)]
    nodes: dict[str, tuple[str, list[str]]] = {}
    activations: list[str] = []
    i = 0
    while i < hidden + budget:
        op = MAIN_OPS[rng.choice(len(MAIN_OPS), p=MAIN_WEIGHTS)]
        if op == "linear":
            candidates = base + activations
            k = min(int(LINEAR_ARITY[rng.choice(2, p=LINEAR_ARITY_WEIGHTS)]), len(candidates))
            nodes[f"node_{i}"] = (op, [candidates[j] for j in rng.choice(len(candidates), k, replace=False)])
            activation = ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))]
            nodes[f"node_{i + 1}"] = (activation, [f"node_{i}"])
            activations.append(f"node_{i + 1}")
            i += 2
        else:
            k = 3 if op == "blend" else 2
            candidates = base[1:] + list(nodes)
            if k <= len(candidates):
                nodes[f"node_{i}"] = (op, [candidates[j] for j in rng.choice(len(candidates), k, replace=False)])
                i += 1
    names = list(nodes)
    renamed = {names[j]: f"h_new_{n}" for n, j in enumerate(rng.choice(len(names), hidden, replace=False))}
    recipe = {name: spec for name, spec in nodes.items() if name not in renamed}
    for old, new in renamed.items():
        recipe[new] = nodes[old]
    recipe = {name: (op, tuple(renamed.get(s, s) for s in srcs)) for name, (op, srcs) in recipe.items()}
    reached, queue = set(), [f"h_new_{n}" for n in range(hidden)]
    while queue:
        node = queue.pop()
        if node in recipe and node not in reached:
            reached.add(node)
            queue.extend(recipe[node][1])
    result = Recipe(tuple((n, op, srcs) for n, (op, srcs) in recipe.items() if n in reached))
    return None if generator_violations(result) else result


# --- isomorphism ------------------------------------------------------------------------------

def _node_hashes(recipe: Recipe, slot: Mapping[int, int]) -> dict[str, str]:
    """A hash per node of the expression it computes (sums and products order-free), with
    hidden slots renumbered by ``slot``; equal for nodes that isomorphisms can map together."""
    ops, inputs = recipe.op_of(), recipe.inputs_of()
    hashes: dict[str, str] = {"x": "x"}
    for i, j in slot.items():
        hashes[f"h_prev_{i}"] = f"h_prev_{j}"
    for name in topological_order(recipe) or []:
        children = [hashes[s] for s in inputs[name]]
        if ops[name] in COMMUTATIVE:
            children.sort()
        label = ops[name] + (f"@h_new_{slot[int(name[6:])]}" if is_output(name) else "")
        hashes[name] = hashlib.sha1(f"{label}({','.join(children)})".encode()).hexdigest()
    return hashes


def _canonical_with(recipe: Recipe, slot: Mapping[int, int], max_orders: int) -> str:
    hashes = _node_hashes(recipe, slot)
    ops, inputs = recipe.op_of(), recipe.inputs_of()
    names = sorted(ops, key=lambda n: hashes[n])
    groups = [list(g) for _, g in itertools.groupby(names, key=lambda n: hashes[n])]
    orders = 1
    for g in groups:
        for k in range(2, len(g) + 1):
            orders *= k
    if orders > max_orders:
        raise ValueError(f"the recipe has {orders} orderings of interchangeable nodes to compare; "
                         f"raise max_orders (now {max_orders}) to compute its canonical form")
    best = None
    for choice in itertools.product(*(itertools.permutations(g) for g in groups)):
        order = [n for g in choice for n in g]
        rename = {n: (f"h_new_{slot[int(n[6:])]}" if is_output(n) else f"n{k}") for k, n in enumerate(order)}
        rename.update({"x": "x", **{f"h_prev_{i}": f"h_prev_{j}" for i, j in slot.items()}})
        rows = []
        for n in order:
            srcs = [rename[s] for s in inputs[n]]
            if ops[n] in COMMUTATIVE:
                srcs.sort()
            rows.append((rename[n], ops[n], srcs))
        text = json.dumps({name: {"op": op, "input": srcs} for name, op, srcs in rows})
        if best is None or text < best:
            best = text
    assert best is not None
    return best


def canonical_text(recipe: Recipe, max_orders: int = 40_320) -> str:
    """The recipe text shared by every recipe isomorphic to ``recipe``.

    Isomorphic: the same graph up to the names of intermediate nodes, the order of the two
    inputs of an elementwise sum or product, and a renumbering of hidden slots 1 and 2 (slot 0
    is the layer's output) applied to ``h_prev_i`` and ``h_new_i`` together. Inputs of
    ``linear`` (each has its own weight matrix, and the first one's fan-in sets the bias
    initialisation of the reference code) and of ``blend`` (not symmetric) keep their order.
    """
    hidden = recipe.hidden
    slots = [dict(zip(range(hidden), (0, *perm))) for perm in itertools.permutations(range(1, hidden))]
    return min(_canonical_with(recipe, slot, max_orders) for slot in slots)


def sample(rng: np.random.Generator, max_tries: int = 10_000) -> Recipe:
    """A cell as the benchmark drew them: hidden states and budget uniform over (1, 2, 3) x
    (7, 14, 21), then generator draws until one passes its sanity checks."""
    hidden = HIDDEN_SIZES[int(rng.integers(len(HIDDEN_SIZES)))]
    budget = INTERMEDIATE_BUDGETS[int(rng.integers(len(INTERMEDIATE_BUDGETS)))]
    for _ in range(max_tries):
        recipe = generate(rng, hidden, budget)
        if recipe is not None:
            return recipe
    raise RuntimeError(f"no valid cell in {max_tries} generator draws (hidden={hidden}, budget={budget})")


def num_params(recipe: Recipe, vocab: int, embedding: int = 400, hidden: int = 600, layers: int = 3,
               tied: bool = True) -> int:
    """The benchmark's parameter count (its ``num_params``): embedding, decoder bias (and
    decoder weight when untied) and, per layer, each linear node's bias and input matrices."""
    total = vocab * embedding + vocab + (0 if tied else vocab * hidden)
    for layer in range(layers):
        width = hidden if layer != layers - 1 or not tied else embedding
        fan_x = embedding if layer == 0 else hidden
        for _, op, srcs in recipe.nodes:
            if op == "linear":
                total += width + sum(width * (fan_x if s == "x" else width) for s in srcs)
    return total

