"""The README's "In your AutoML pipeline" example runs as written (its ```python automl block, alone;
skipped without the optuna/ray extras or the shared CIFAR-10 images)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_readme_automl_examples_run(shared_data, capsys):
    pytest.importorskip("optuna", reason="Optuna is an optional extra: pip install 'nasearch[optuna]'")
    pytest.importorskip("ray.tune", reason="Ray Tune is an optional extra: pip install 'nasearch[ray]'")
    blocks = re.findall(r"```python automl\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], str(README), "exec"), {"__name__": "__main__"})
    out = capsys.readouterr().out
    for line in ("optuna, real training: pick:", "optuna, 12-epoch table: pick:", "tune, nb201-train: pick:",
                 "tune, nb201-cifar10-12ep: pick:"):
        assert line in out
