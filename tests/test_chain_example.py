"""The README's "Your own search space" example (``examples/chain_space``): the plug-in package
found through the entry points its pyproject.toml declares, its README commands, and the
contract test kit on its space, its networks and every strategy."""

from __future__ import annotations

import copy
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from nasearch import registry, testing
from nasearch.api import make_scorer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "chain_space"
README = (ROOT / "README.md").read_text()
SECTION = README[README.index("## Your own search space"):README.index("## Contract test kit")]


def _dist_info(target: Path) -> Path:
    """What ``pip install`` writes for the example: a dist-info with the entry points that
    its pyproject.toml declares (the package itself is imported from the example folder)."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    dist = target / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    lines = []
    for group, entries in project["entry-points"].items():
        lines += [f"[{group}]", *(f"{name} = {value}" for name, value in entries.items()), ""]
    (dist / "entry_points.txt").write_text("\n".join(lines))
    return target


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """The example installed for this test: importable, its entry points visible, and the
    space and benchmark registries looking for entry points again."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.syspath_prepend(str(_dist_info(tmp_path / "site")))
    for kind in ("spaces", "benchmarks"):
        fresh = copy.copy(getattr(registry, kind))
        fresh._classes, fresh._loaded = dict(fresh._classes), False
        monkeypatch.setattr(registry, kind, fresh)
    yield tmp_path
    sys.modules.pop("chain_space", None)


def test_entry_points_register_the_space_and_its_benchmark(installed):
    from chain_space import ChainSpace, ChainTable

    assert registry.spaces.get_class("chain") is ChainSpace
    assert registry.benchmarks.get_class("chain-toy") is ChainTable
    benchmark = registry.benchmarks.get(ChainSpace.default_benchmark)
    assert benchmark.space_name == "chain" and len(benchmark) == 625


def test_a_fresh_process_finds_the_plug_in(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_dist_info(tmp_path)), str(EXAMPLE)])}
    out = subprocess.run([sys.executable, "-m", "nasearch.cli", "list", "spaces"], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert re.search(r"^  chain +Chains of four blocks", out, flags=re.M)


def test_readme_shows_the_example_as_it_is():
    module = (EXAMPLE / "chain_space" / "__init__.py").read_text()
    assert f"```python\n{module}```" in SECTION
    toml = re.search(r"```toml\n(.*?)```", SECTION, flags=re.S).group(1)
    assert toml.strip() in (EXAMPLE / "pyproject.toml").read_text()
    lines = sum(len(p.read_text().splitlines()) for p in (
        EXAMPLE / "chain_space" / "__init__.py", EXAMPLE / "pyproject.toml", EXAMPLE / "chain.toml"))
    assert f"The whole example is {lines} lines" in SECTION


def test_shipped_table_is_what_write_table_writes(installed, tmp_path):
    from chain_space import write_table

    assert write_table(tmp_path / "t.csv").read_text() == (EXAMPLE / "chain_space" / "accuracy.csv").read_text()


def test_readme_commands_run_through_the_entry_points(installed, monkeypatch, capsys):
    """The README's `nasearch` lines, as written, in a copy of the example folder."""
    from nasearch.cli import main

    shutil.copytree(EXAMPLE, installed / "examples" / "chain_space", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(installed)
    commands = [shlex.split(line.split("#")[0]) for line in
                re.search(r"```bash\n(.*?)```", SECTION, flags=re.S).group(1).splitlines()
                if line.startswith("nasearch ")]
    assert [c[1] for c in commands] == ["list", "search", "run", "report"]
    for command in commands:
        assert main(command[1:]) == 0, command
    out = capsys.readouterr().out
    assert re.search(r"^  chain ", out, flags=re.M)
    table = re.findall(r"^\| (rs|rea|rea-warmup) \| ([\d.]+) ± [\d.]+ \| ([\d.]+) ± [\d.]+ \|", out, flags=re.M)
    assert [row[0] for row in table] == ["rs", "rea", "rea-warmup"]
    assert "chain-example: 3 combinations of benchmark, strategy and proxy; 15 rounds run" in out
    report = (installed / "chain-report" / "chain-example.md").read_text()
    claims = (("rs", "-", "RS"), ("rea", "-", "REA"), ("rea-warmup", "nparams", "REA + warm-up"))
    for strategy, proxy, readme_name in claims:  # the README's numbers are what the run gives
        accuracy = re.search(rf"{re.escape(readme_name)} ([\d.]+ ± [\d.]+)", SECTION).group(1)
        assert f"| chain-toy | {strategy} | {proxy} | 5 | 50 | {accuracy} |" in report, (strategy, accuracy)


def test_the_example_passes_the_contract_kit(installed):
    from chain_space import ChainSpace, ChainTable

    space = ChainSpace()
    assert testing.check_space(space) == list(testing.SPACE_CHECKS)
    benchmark = ChainTable()
    scorer = make_scorer(space, benchmark.task, "nparams", batch_size=2)
    for name in registry.strategies.available():
        config = {**testing.small_config(name), **({"pool": 32} if name == "pool-all" else {})}
        testing.check_strategy(name, space, benchmark, scorer, config=config)


# a proxy of each kind of flag: meta-device (nparams, epsinas: also the isomorphism law on real
# twins), gradients (snip), activations (naswot), Jacobians with dead branches skipped (jacov)
@pytest.mark.parametrize("name", ["nparams", "epsinas", "snip", "naswot", "jacov"])
def test_proxies_keep_their_contract_on_chain_networks(installed, name):
    from chain_space import ChainSpace

    probe = testing.probe_for(ChainSpace(), batch_size=4, task="imagenet16-120")
    checked = testing.check_proxy(registry.proxies.get(name), probe)
    assert "returns_float" in checked and "leaves_nothing_behind" in checked
    if name == "epsinas":
        assert "isomorphism_invariance" in checked
