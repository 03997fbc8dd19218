"""Safe file reading: crafted files that try to run code are refused, and the package never
unpickles freely, never calls torch.load without weights_only=True, never evaluates data."""

from __future__ import annotations

import ast
import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from nasearch.benchmarks.analog import _RestrictedUnpickler
from nasearch.data import npz_batch
from nasearch.interfaces import TASKS

PACKAGE = Path(__file__).resolve().parents[1] / "nasearch"


class _RunsCode:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_pickle_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"cell": _RunsCode(marker)})
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load (posix|os)\.system"):
        _RestrictedUnpickler(io.BytesIO(payload)).load()
    assert not marker.exists()
    for crafted in (pickle.dumps(eval), pickle.dumps(getattr), pickle.dumps(np.ones(2))):
        with pytest.raises(pickle.UnpicklingError, match="refusing"):
            _RestrictedUnpickler(io.BytesIO(crafted)).load()


def test_a_data_file_holding_a_pickled_object_array_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    images = np.empty(4, dtype=object)
    images[:] = [_RunsCode(marker)] * 4
    np.savez(path, x_train=images)
    with pytest.raises(ValueError, match="evil.npz.*never unpickle"):
        npz_batch(path, TASKS["cifar10"], 2)
    assert not marker.exists()


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
            yield node, owner, name


def test_the_package_never_unpickles_freely_nor_evaluates_data():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node, owner, name in _calls(ast.parse(path.read_text())):
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            keywords = {k.arg: k.value for k in node.keywords}
            if name in ("eval", "exec") and isinstance(node.func, ast.Name):  # model.eval() is no eval
                problems.append(f"{where} {name}()")
            if owner in ("pickle", "cPickle", "dill", "marshal") and name in ("load", "loads"):
                problems.append(f"{where} {owner}.{name}() (use a restricted Unpickler)")
            if owner == "torch" and name == "load":
                flag = keywords.get("weights_only")
                if not (isinstance(flag, ast.Constant) and flag.value is True):
                    problems.append(f"{where} torch.load without weights_only=True")
            if owner == "np" and name == "load":
                flag = keywords.get("allow_pickle")
                if not (isinstance(flag, ast.Constant) and flag.value is False):
                    problems.append(f"{where} np.load without allow_pickle=False")
            if owner == "yaml" and name == "load":
                problems.append(f"{where} yaml.load (use yaml.safe_load)")
    assert problems == []


def test_every_unpickler_in_the_package_restricts_classes():
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Attribute) and b.attr == "Unpickler" for b in node.bases):
                methods = {f.name for f in node.body if isinstance(f, ast.FunctionDef)}
                assert "find_class" in methods, f"{path.name}: {node.name} must override find_class"
