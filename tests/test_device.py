"""--device plumbing, checked on the CPU: devices are validated, proxies create tensors on the
batch's device and copy to the host before NumPy, and the GPU measurement script runs."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from nasearch import registry
from nasearch.data import synthetic_batch
from nasearch.interfaces import TASKS
from nasearch.scoring import ProxyScorer, resolve_device
from nasearch.spaces.nb201 import NB201Space

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ROOT = Path(__file__).resolve().parents[1]
TINY = NB201Space(channels=4, cells_per_stage=1)
CIFAR = TASKS["cifar10"]
FACTORIES = {"zeros", "ones", "empty", "full", "rand", "randn", "randint", "arange", "linspace", "eye", "tensor"}


def test_devices_are_validated():
    assert resolve_device(None) == torch.device("cpu") == resolve_device("cpu")
    with pytest.raises(ValueError, match="unknown device 'tpu7'"):
        resolve_device("tpu7")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="sees no CUDA GPU"):
            resolve_device("cuda")
    with pytest.raises(ValueError, match="CUDA"):
        resolve_device(f"cuda:{max(torch.cuda.device_count(), 1) + 5}")


@pytest.mark.parametrize("name", ["epsinas", "naswot", "synflow", "jacov"])
def test_an_explicit_cpu_device_gives_the_same_scores(name):
    archs = [TINY.sample(np.random.default_rng(i)) for i in range(3)]
    batch = synthetic_batch("normal", CIFAR, 8)
    default = ProxyScorer(TINY, registry.proxies.get(name), CIFAR, batch).raw_many(archs)
    explicit = ProxyScorer(TINY, registry.proxies.get(name), CIFAR, batch, device="cpu").raw_many(archs)
    np.testing.assert_array_equal(default, explicit)


def _device_problems(path: Path) -> list[str]:
    """Tensor factories without device= (unless moved with .to(...) at once), and .numpy()
    on something not just copied with .cpu(): both break a proxy on a GPU."""
    problems = []
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        func = node.func
        if isinstance(func.value, ast.Name) and func.value.id == "torch" and func.attr in FACTORIES:
            has_device = any(k.arg == "device" for k in node.keywords)
            parent = parents.get(node)
            moved = isinstance(parent, ast.Attribute) and parent.attr == "to"
            if not (has_device or moved):
                problems.append(f"{path.name}:{node.lineno} torch.{func.attr} without device=")
        if func.attr == "numpy":
            inner = func.value
            if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "cpu"):
                problems.append(f"{path.name}:{node.lineno} .numpy() without .cpu()")
    return problems


def test_proxies_create_tensors_on_the_batch_device_and_copy_before_numpy():
    problems = [p for path in sorted((ROOT / "nasearch" / "proxies").glob("*.py")) for p in _device_problems(path)]
    # flops.py:25 multiplies a shape tuple on the CPU (no model data involved)
    assert [p for p in problems if not p.startswith("flops.py:25")] == []


@pytest.mark.slow
def test_gpu_measure_script_runs_at_tiny_size_on_cpu(tmp_path):
    if importlib.util.find_spec("analognasbench") is None:
        pytest.skip("needs the embedded nb201-cifar10 benchmark (analog-nasbench)")
    spec = importlib.util.spec_from_file_location("gpu_measure", ROOT / "experiments" / "scale" / "gpu_measure.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(["--device", "cpu", "--cells", "5", "--sample", "4", "--proxies", "naswot,synflow",
                       "--batch-size", "8", "--check", "2", "--out", str(tmp_path)])
    text = out.read_text()
    assert "# Proxies on CPU" in text
    for proxy in ("epsinas", "naswot", "synflow"):
        assert f"| nb201 | {proxy} |" in text
    assert "| 0.0e+00 | True |" in text  # the CPU against itself: identical
    rows = text.count("| nb201 |") + text.count("| nb101 |")  # NB101 rows where that space is installed
    assert rows >= 3 and (tmp_path / "results.csv").read_text().count("\n") == 1 + rows
