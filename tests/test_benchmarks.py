import importlib.util
import io
import json
import math
import os
import pickle

import numpy as np
import pytest

from nasearch import registry
from nasearch.benchmarks.analog import _RestrictedUnpickler, load_accuracies
from nasearch.benchmarks.table import TableBenchmark
from nasearch.spaces.nb201 import NB201Space

SPACE = NB201Space()
CELL = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"


needs_analog = pytest.mark.skipif(importlib.util.find_spec("analognasbench") is None,
                                  reason="nb201-cifar10-analog needs the optional package analog-nasbench")


@needs_analog
def test_analog_benchmark_covers_every_cell():
    bench = registry.benchmarks.get("nb201-cifar10-analog")
    table = load_accuracies()
    assert len(table) == 15625
    assert bench.train(SPACE.parse(CELL)).test_accuracy == pytest.approx(85.9708)
    best = max(table.values())
    assert 94.0 < best < 95.0
    assert all(bench.covers(a) for a in list(SPACE.enumerate())[::97])


def test_restricted_unpickler_refuses_foreign_classes():
    payload = pickle.dumps({"x": np.int64(3)})  # would need numpy's reconstructors
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        _RestrictedUnpickler(io.BytesIO(payload)).load()

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with pytest.raises(pickle.UnpicklingError, match="builtins.print"):
        _RestrictedUnpickler(io.BytesIO(pickle.dumps(Evil()))).load()


def test_table_benchmark_csv_and_json(tmp_path):
    csv_path = tmp_path / "t.csv"
    csv_path.write_text(f"arch,valid_accuracy,test_accuracy,cost\n\"{CELL}\",80.5,81.0,12\n\"(1, 1, 1, 1, 1, 1)\",10,11,\n")
    bench = TableBenchmark(csv_path, cost_column="cost")
    assert bench.train(SPACE.parse(CELL)).test_accuracy == 81.0
    none_cell = SPACE.from_ops(["none"] * 6)
    result = bench.train(none_cell)
    assert (result.valid_accuracy, math.isnan(result.cost_seconds)) == (10.0, True)
    with pytest.raises(KeyError, match="not in the benchmark table"):
        bench.train(SPACE.from_ops(["skip_connect"] * 6))
    json_path = tmp_path / "t.json"
    json_path.write_text(json.dumps({CELL: {"val": 70.0}}))
    assert TableBenchmark(json_path, valid_column="val", test_column=None).train(SPACE.parse(CELL)).test_accuracy == 70


def test_table_is_parsed_once_per_file_version(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(f"arch,valid_accuracy,test_accuracy\n\"{CELL}\",80.5,81.0\n")
    first, second = TableBenchmark(path), TableBenchmark(path)
    assert first._results is second._results  # the second construction reused the parse
    path.write_text(f"arch,valid_accuracy,test_accuracy\n\"{CELL}\",50.0,51.0\n")
    os.utime(path, ns=(1, 1))  # a new version even where the clock is coarse
    assert TableBenchmark(path).train(SPACE.parse(CELL)).test_accuracy == 51.0


def test_table_benchmark_errors_name_the_problem(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("arch,acc\nnot-a-cell,3\n")
    with pytest.raises(KeyError, match="no validation column 'valid_accuracy'"):
        TableBenchmark(path)
    with pytest.raises(ValueError, match="row 1"):
        TableBenchmark(path, valid_column="acc", test_column=None)
    with pytest.raises(FileNotFoundError):
        TableBenchmark(tmp_path / "missing.csv")


def test_presets_read_the_reference_tables(shared_data, monkeypatch):
    monkeypatch.setenv("NASEARCH_DATA_DIR", str(shared_data))
    c10 = registry.benchmarks.get("nb201-cifar10-valid-200ep")
    assert len(c10) == 15625
    assert max(c10.train(a).valid_accuracy for a in c10.architectures()) == pytest.approx(91.61, abs=0.01)
    assert c10.train(SPACE.parse(CELL)).cost_seconds == pytest.approx(1444.2186)
    assert len(registry.benchmarks.get("nb201-imagenet16-120-zc")) == 9445
    mini = registry.benchmarks.get("nb201-cifar100-12ep")
    assert mini.task.num_classes == 100 and len(mini) == 15625


@needs_analog
def test_analog_and_official_accuracies_agree(shared_data, monkeypatch):
    from scipy import stats

    monkeypatch.setenv("NASEARCH_DATA_DIR", str(shared_data))
    official = registry.benchmarks.get("nb201-cifar10-valid-200ep")
    embedded = registry.benchmarks.get("nb201-cifar10-analog")
    archs = list(SPACE.enumerate())
    rho = stats.spearmanr([embedded.train(a).test_accuracy for a in archs],
                          [official.train(a).test_accuracy for a in archs])[0]
    assert rho == pytest.approx(0.987, abs=0.002)  # data/README.md: 0.987 with the swapped-position mapping
