"""The README's Python examples run as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 3
    namespace: dict = {}
    from nasearch import registry

    try:
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    finally:
        registry.proxies._classes.pop("output_spread", None)
    out = capsys.readouterr().out
    assert "pick:" in out


@pytest.mark.parametrize("command", ["bash scripts/main-job.sh", "bash scripts/test.sh"])
def test_readme_names_the_two_commands(command):
    assert command in README.read_text()
    script = README.parent / command.split()[1]
    assert script.is_file()
