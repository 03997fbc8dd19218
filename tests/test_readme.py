"""The README works as written: each Python snippet runs alone and prints what the README
says it prints; the commands are reachable after the two setup commands, commands that need
reference data are marked, and documented commands write outside ``experiments/``."""

import re
import shlex
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
sys.path.insert(0, str(ROOT / "experiments" / "newcomer"))
from walk_readme import bash_commands, readme_blocks, steps_of  # noqa: E402

TEXT = README.read_text()
# a snippet marked "# needs reference data" (the AutoML one) runs in test_readme_automl.py, with the data
SNIPPETS = [s for s in steps_of(TEXT) if s.kind == "python" and s.needs is None]
COMMANDS = [s for s in steps_of(TEXT) if s.kind == "bash"]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"block{s.block}" for s in SNIPPETS])
def test_each_python_snippet_runs_alone_and_prints_what_the_readme_says(snippet, capsys):
    from nasearch import registry

    registry.proxies.available()  # load the built-in proxies first: only the snippet's own are removed
    before = set(registry.proxies._classes)
    try:
        exec(compile(snippet.text, f"README.md block {snippet.block}", "exec"), {"__name__": "__main__"})
    finally:  # a snippet registering a proxy must not leak into other tests
        for name in set(registry.proxies._classes) - before:
            registry.proxies._classes.pop(name)
    out = capsys.readouterr().out
    assert out.strip(), f"README block {snippet.block} prints nothing"
    if snippet.expected_output is not None:
        expected = [line.rstrip() for line in snippet.expected_output.strip().splitlines()]
        assert [line.rstrip() for line in out.strip().splitlines()][-len(expected):] == expected


def test_the_only_snippet_needing_reference_data_is_the_automl_one_run_elsewhere():
    marked = [s for s in steps_of(TEXT) if s.kind == "python" and s.needs is not None]
    assert [s.needs for s in marked] == ["reference data"] and "StrategySampler" in marked[0].text
    assert "```python automl\n" + marked[0].text in TEXT  # the block test_readme_automl.py executes


def test_every_snippet_that_shows_output_is_checked():
    """A ``text`` block after a Python block is that block's output (and so is compared)."""
    blocks = readme_blocks(TEXT)
    shown = [i for i, (lang, _, _) in enumerate(blocks) if lang == "text" and i and blocks[i - 1][0] == "python"]
    assert len(shown) >= 2
    assert sum(s.expected_output is not None for s in SNIPPETS) == len(shown)


def test_ensemble_example_shows_distinct_numbers():
    ensemble = next(s for s in SNIPPETS if "rank_average" in s.text)
    numbers = re.findall(r"Spearman (-?\d\.\d+)", ensemble.expected_output or "")
    assert len(numbers) == 4 and len(set(numbers)) == 4


@pytest.mark.parametrize("command", ["bash scripts/main-job.sh", "bash scripts/test.sh"])
def test_readme_names_the_two_commands(command):
    assert command in TEXT
    assert (ROOT / command.split()[1]).is_file()


def test_first_nasearch_command_follows_the_activation_of_the_venv():
    """After the two commands, `nasearch` exists only in .venv: the README activates it first."""
    texts = [s.text for s in COMMANDS]
    first_nasearch = next(i for i, t in enumerate(texts) if t.lstrip().startswith("nasearch "))
    activation = next(i for i, t in enumerate(texts) if t.strip() == "source .venv/bin/activate")
    assert activation < first_nasearch
    assert texts.index("bash scripts/main-job.sh    # set up, then run the main job on the embedded default data") \
        < activation
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["nasearch"] == "nasearch.cli:main"  # so pip puts .venv/bin/nasearch there
    assert ".venv/bin/nasearch" in TEXT


def _words(command: str) -> list[str]:
    body = command.split("<<")[0]  # a heredoc's content is not arguments
    return shlex.split(body.replace("\\\n", " "), comments=True)


def test_commands_that_need_reference_data_are_marked():
    from nasearch.benchmarks.table import PRESETS
    from nasearch.tables.presets import preset_names

    needs = [f"table:{name}" for name in preset_names()] + list(PRESETS) + ["../shared", "experiments/search/"]
    for step in COMMANDS:
        words = _words(step.text)
        uses = [w for w in words if any(w == n or w.startswith(n) for n in needs)]
        if uses:
            assert step.needs_data, f"README command needs reference data but is not marked: {step.text}"


def test_documented_commands_write_outside_experiments():
    writing_options = {"--out", "--plot", "--store"}
    for step in COMMANDS:
        words = _words(step.text)
        for option, value in zip(words, words[1:]):
            if option in writing_options:
                assert not value.startswith("experiments"), step.text
        if words[:2] == ["nasearch", "run"] and words[2].startswith("experiments"):
            assert "--store" in words, f"`nasearch run` on a committed file must write its results elsewhere: {step.text}"
        if "main-job.sh" in step.text:
            assert "--update-committed" not in words


def test_bash_commands_parse_heredocs_and_continuations():
    commands = bash_commands("# c\nnasearch a \\\n  --b 1\ncat > f <<'X'\nx\n# not a comment\nX\n# needs reference data\nnasearch c\n")
    assert commands == [("nasearch a \\\n  --b 1", None), ("cat > f <<'X'\nx\n# not a comment\nX", None),
                        ("nasearch c", "reference data")]
    assert bash_commands("# needs a CUDA GPU and a CUDA build of torch (x)\nnasearch d\n") == \
        [("nasearch d", "a CUDA GPU and a CUDA build of torch")]
