"""The contracts of nasearch.interfaces, as a user plugging in their own parts meets them."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from nasearch import registry
from nasearch.api import sample_architectures
from nasearch.architecture import Architecture
from nasearch.benchmarks.function import FunctionBenchmark
from nasearch.cli import main
from nasearch.factory import make_benchmark, make_scorer
from nasearch.interfaces import TASKS, NoNetworkError, NotEnumerableError, Proxy, SearchSpace, Strategy, TrainResult
from nasearch.loop import run_search
from nasearch.spaces.nb201 import NB201Space
from nasearch.tables.scorer import TableScorer

PACKAGE = Path(__file__).resolve().parents[1] / "nasearch"
ONE = "|skip_connect~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|"
TWIN = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"  # the same identity network


class TableOnlySpace(SearchSpace):
    """Strings 'k' for k in 0..99 (no network builder, not enumerable): a space of one's own."""

    name = "table-only"
    default_benchmark = None

    def sample(self, rng):
        return self.parse(str(int(rng.integers(100))))

    def neighbours(self, arch):
        k = int(arch.text)
        return [self.parse(str(j)) for j in (k - 1, k + 1) if 0 <= j < 100]

    def edit_distance(self, a, b):
        return abs(int(a.text) - int(b.text))

    def parse(self, text):
        if not text.isdigit() or int(text) >= 100:
            raise ValueError(f"not a cell of table-only: {text!r}")
        return Architecture.from_edges(self.name, text, ())


def test_covers_never_trains():
    calls = []

    def train(arch):
        calls.append(arch)
        return 90.0

    cells = sample_architectures(NB201Space(), FunctionBenchmark(train), 20, 0)
    assert len(cells) == 20 and calls == []


class Scripted(Strategy):
    """Proposes a fixed list of cells, in order."""

    name = "scripted"

    def __init__(self, space, cells, **kwargs):
        super().__init__(space, **kwargs)
        self.queue = list(cells)

    def ask(self):
        return self.queue.pop(0)


@pytest.mark.parametrize("distinct, trained", [(False, [ONE, TWIN]), (True, [ONE])])
def test_an_isomorphic_twin_is_trained_once_with_distinct_networks(distinct, trained):
    space = NB201Space()
    seen = []

    def train(arch):
        seen.append(arch.text)
        return 50.0

    other = space.parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|")
    strategy = Scripted(space, [space.parse(ONE), space.parse(TWIN), other], distinct_networks=distinct)
    result = run_search(strategy, FunctionBenchmark(train), budget=2)
    assert seen[:len(trained)] == trained
    assert TWIN not in seen[1:] or not distinct
    assert result.repeated_proposals == (1 if distinct else 0)


def test_warm_up_pools_hold_each_network_once_with_distinct_networks():
    space = NB201Space()
    strategy = registry.strategies.get("rs-warmup", space=space, seed=0, scorer=lambda a: 0.0, pool=5000,
                                       distinct_networks=True)
    strategy.ask()
    pool = list(strategy._queue)
    keys = [space.canonical_key(a) for a in pool]
    assert len(keys) == len(set(keys)) and len(pool) >= 4000


def test_a_flat_json_score_table_is_read_as_it_is(tmp_path):
    path = tmp_path / "scores.json"
    path.write_text(json.dumps({ONE: {"synflow": 3.0, "other": 1.0}, TWIN: {"synflow": 2.0}}))
    space = NB201Space()
    scorer = make_scorer(space, TASKS["cifar10"], f"table:{path}:synflow")
    assert scorer.raw(space.parse(ONE)) == 3.0 and scorer.raw(space.parse(TWIN)) == 2.0


def test_errors_about_big_tables_fit_on_a_screen(tmp_path):
    space = NB201Space()
    cells = {a.text: {"x": 1.0} for a in space.enumerate()}
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"cifar10": cells}))
    for column in ("x", "missing"):
        with pytest.raises(KeyError) as caught:
            TableScorer(path, column, space=space, dataset="cifar100")
        assert len(str(caught.value)) < 400, str(caught.value)[:200]
    csv = tmp_path / "wide.csv"
    csv.write_text(",".join(f"c{i}" for i in range(500)) + "\n" + ",".join("1" for _ in range(500)) + "\n")
    with pytest.raises(KeyError) as caught:
        TableScorer(csv, "synflow", space=space)
    assert len(str(caught.value)) < 400


def test_a_registered_class_keeps_every_name():
    naswot = registry.proxies.get_class("naswot")
    assert registry.proxies.get_class("hook_logdet") is naswot and naswot.name == "naswot"
    assert registry.proxies.aliases("naswot") == ["hook_logdet"]
    assert {"naswot", "hook_logdet"} <= set(registry.proxies.available())


def test_a_part_without_a_name_is_refused_clearly():
    class Nameless(Proxy):
        def score(self, model, batch):
            return 0.0

    with pytest.raises(TypeError, match="has no name: register it with @register_proxy"):
        Nameless()

    class NamelessSpace(TableOnlySpace):
        name = ""

    with pytest.raises(TypeError, match="search space class .*NamelessSpace has no name"):
        NamelessSpace()


def test_a_space_without_networks_works_with_tables_and_refuses_network_proxies(tmp_path):
    space = TableOnlySpace()
    assert not space.has_network and not space.is_finite
    with pytest.raises(NoNetworkError, match="has no network builder.*table:PATH:COLUMN"):
        make_scorer(space, TASKS["cifar10"], "synflow")
    table = tmp_path / "acc.csv"
    table.write_text("arch,valid_accuracy,test_accuracy,score\n" + "".join(
        f"{k},{k},{k},{100 - k}\n" for k in range(100)))
    benchmark = make_benchmark(space, str(table))
    assert len(sample_architectures(space, benchmark, None, 0)) == 100  # the table lists its cells
    scorer = make_scorer(space, TASKS["cifar10"], f"table:{table}:score")
    strategy = registry.strategies.get("rea-warmup", space=space, seed=0, scorer=scorer, pool=20, population=5)
    result = run_search(strategy, benchmark, budget=10)
    assert len(result.trajectory) == 10
    with pytest.raises(NotEnumerableError, match="--sample N"):
        sample_architectures(space, FunctionBenchmark(lambda a: 1.0, space=space), None, 0)


def test_a_benchmark_of_another_space_is_refused():
    with pytest.raises(ValueError, match="holds cells of space 'nb201', not 'table-only'"):
        make_benchmark(TableOnlySpace(), "nb201-cifar10")


def test_a_training_free_strategy_runs_from_the_cli_without_budget_flags(capsys):
    assert main(["search", "--strategy", "free-rs", "--proxy", "nparams", "--rounds", "1",
                 "--strategy-option", "candidates=20", "--no-store", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["rounds"]) == 1 and not math.isnan(out["rounds"][0])


def test_lower_is_better_table_benchmarks_are_compared_by_fitness(tmp_path):
    space = NB201Space()
    cells = list(space.enumerate())[:30]
    table = tmp_path / "ppl.csv"
    table.write_text("cell,ppl_valid,ppl_test\n" + "".join(f"{a.text},{100 + i},{101 + i}\n"
                                                          for i, a in enumerate(cells)))
    benchmark = make_benchmark(space, {"file": str(table), "arch_column": "cell", "valid_column": "ppl_valid",
                                       "test_column": "ppl_test", "higher_is_better": False})
    strategy = Scripted(space, cells[::-1])
    result = run_search(strategy, benchmark, budget=30)
    assert result.final.text == cells[0].text  # the lowest perplexity, not the highest
    assert result.trajectory[-1].best_valid == 100


def test_experiment_files_refuse_a_benchmark_of_another_space(tmp_path):
    from nasearch.experiment import load_experiment

    if "nb101" not in registry.spaces:
        pytest.skip("needs a second registered space (nb101)")
    path = tmp_path / "e.toml"
    path.write_text('name = "x"\nspace = "nb101"\nbenchmarks = ["nb201-cifar10"]\nrounds = 1\nbudget = 2\n'
                    '[[strategies]]\nname = "rs"\n')
    with pytest.raises(ValueError, match="holds cells of space 'nb201', not 'nb101'"):
        load_experiment(path)


def _imports(path: Path) -> set[str]:
    """nasearch modules that ``path`` imports, at any depth of the file (lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("nasearch"):
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if _module_path(child) is not None else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("nasearch"))
    return found


def _module_path(name: str) -> Path | None:
    base = PACKAGE.parent / Path(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def test_no_import_cycle_between_modules():
    """Package __init__ files re-export their children, so edges into a package are left out."""
    graph = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "__init__.py":
            continue
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for target in _imports(path):
            target_path = _module_path(target)
            if target_path is not None and target_path.name != "__init__.py" and target != module:
                graph.add_edge(module, target)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_long_modules_say_why_they_are_long():
    for path in PACKAGE.rglob("*.py"):
        lines = path.read_text().splitlines()
        if len(lines) > 400:
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
            assert "long" in doc.lower(), f"{path.relative_to(PACKAGE.parent)} has {len(lines)} lines and no reason"


def test_a_broken_plug_in_is_skipped_with_a_message_naming_it(monkeypatch):
    from importlib.metadata import EntryPoint

    broken = EntryPoint("broken", "no_such_package.proxies:Thing", "nasearch.proxies")
    monkeypatch.setattr("nasearch.registry.entry_points", lambda group: [broken] if group == "nasearch.proxies" else [])
    monkeypatch.setattr(registry.proxies, "_loaded", False)
    monkeypatch.setattr(registry.proxies, "_broken", {})
    with pytest.warns(UserWarning, match="'broken' .*no_such_package.proxies:Thing.* could not be loaded"):
        names = registry.proxies.available()
    assert "naswot" in names and "broken" not in names  # every other part still works
    with pytest.raises(KeyError, match="entry point 'no_such_package.proxies:Thing'"):
        registry.proxies.get_class("broken")


def test_strategy_options_go_to_the_strategies_that_know_them(capsys):
    assert main(["search", "--strategy", "rs,rea", "--strategy-option", "population=8", "--budget", "12",
                 "--rounds", "1", "--no-store", "--json", "--quiet"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"rs", "rea"}
    assert main(["search", "--strategy", "rs,rea", "--strategy-option", "populaton=8", "--rounds", "1",
                 "--no-store", "--quiet"]) == 2
    assert "populaton belong to none of rs, rea" in capsys.readouterr().err
