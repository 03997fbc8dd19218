"""NAS-Bench-201 CIFAR-10 accuracies from the ``analog-nasbench`` package (optional extra ``analog``).

Until 2026-11-27 this was the embedded default ``nb201-cifar10``; the official 200-epoch
table (``nasearch.benchmarks.nb201_200ep``) replaced it (experiments/fidelity/default_benchmark.md).
It stays available as ``nb201-cifar10-analog`` for results computed on it.

The package ships ``analognasbench/data.anb``: a pickle of ``{6-tuple: Architecture}``
for all 15,625 cells. We never import the package (it needs pandas and pkg_resources) and
never unpickle it freely: a restricted unpickler maps its two classes to inert records and
refuses everything else. ``baseline_accuracy`` is the CIFAR-10 accuracy of the trained
cell (Spearman 0.987 with the official 200-epoch test accuracy); the package has no
separate validation accuracy, so validation and test are the same number here.
"""

from __future__ import annotations

import importlib.util
import io
import pickle
from functools import lru_cache
from pathlib import Path

from nasearch.architecture import Architecture
from nasearch.interfaces import TASKS, Benchmark, TrainResult
from nasearch.registry import register_benchmark
from nasearch.spaces.nb201 import NB201Space


class _Record:
    """Inert stand-in for the package's classes: attributes only, no code runs."""

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


class _RestrictedUnpickler(pickle.Unpickler):
    ALLOWED = {("analognasbench.data", "Architecture"), ("analognasbench.data", "DriftMeasurement")}

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED:
            return _Record
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a benchmark file")


def data_file() -> Path:
    spec = importlib.util.find_spec("analognasbench")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the benchmark nb201-cifar10-analog needs the package 'analog-nasbench': "
            "pip install 'nasearch[analog]' (the default nb201-cifar10 needs nothing)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data.anb"
    if not path.is_file():
        raise FileNotFoundError(f"analog-nasbench is installed but {path} is missing; reinstall it")
    return path


@lru_cache(maxsize=1)
def load_accuracies() -> dict[tuple[int, ...], float]:
    """{NASLib 6-tuple: CIFAR-10 accuracy} for all 15,625 cells."""
    raw = _RestrictedUnpickler(io.BytesIO(data_file().read_bytes())).load()
    if not isinstance(raw, dict):
        raise ValueError(f"{data_file()} does not hold the expected dictionary of cells")
    return {tuple(int(c) for c in key): float(rec.baseline_accuracy) for key, rec in raw.items()}


@register_benchmark("nb201-cifar10-analog")
class AnalogNB201Cifar10(Benchmark):
    """NAS-Bench-201 CIFAR-10 accuracies from analog-nasbench (a separate training run; best 94.07)."""

    def __init__(self) -> None:
        self.space = NB201Space()
        self.space_name = self.space.name
        self.task = TASKS["cifar10"]
        self._table = load_accuracies()

    def covers(self, arch: Architecture) -> bool:
        return arch.space == self.space.name and self.space.to_tuple(arch) in self._table

    def train(self, arch: Architecture) -> TrainResult:
        key = self.space.to_tuple(arch)
        try:
            accuracy = self._table[key]
        except KeyError:
            raise KeyError(f"{arch} (tuple {key}) is not in the analog-nasbench table") from None
        return TrainResult(valid_accuracy=accuracy, test_accuracy=accuracy)
