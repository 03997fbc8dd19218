"""NAS-Bench-101 benchmarks: the packaged table against the reference table, NASLib's 500 cells."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from nasearch.architecture import Architecture
from nasearch.registry import benchmarks
from nasearch.spaces.nb101 import NB101Space, pad
from nasearch.spaces.nb101_catalogue import DATA_FILE, load_catalogue

from test_nb101_space import row_cell, table_rows


def test_packaged_table_is_small():
    assert DATA_FILE.stat().st_size < 6_000_000


def test_packaged_table_equals_reference_rows(shared_data):
    bench = benchmarks.get("nb101-cifar10")
    space = NB101Space()
    for row in table_rows(shared_data, 300):
        arch = space.from_cell(row_cell(row))
        result = bench.train(arch)
        assert result.test_accuracy == 100 * float(row["mean_test_acc_108"])
        assert result.valid_accuracy == result.test_accuracy  # no validation accuracy packaged
        assert bench.trainable_parameters(arch) == int(row["trainable_parameters"])


def test_whole_table_facts():
    bench = benchmarks.get("nb101-cifar10")
    assert len(bench) == 423_624 and bench.space_name == "nb101" and bench.task.name == "cifar10"
    accuracy = 100 * load_catalogue().mean_test_accuracies()
    assert round(float(accuracy.max()), 2) == 94.32  # the published NAS-Bench-101 optimum
    assert np.all(np.diff(load_catalogue().hash_prefix.astype(np.int64)) >= 0)


def test_other_spellings_of_a_cell_are_covered():
    bench = benchmarks.get("nb101-cifar10")
    space = NB101Space()
    arch = space.parse("input|conv3x3~0|maxpool3x3~0,1|output~1,2")
    padded = space.from_cell(pad(space.cell(arch)))
    dead = space.parse("input|conv3x3~0|conv1x1~|maxpool3x3~0,1|output~1,3")  # vertex 2 is dead
    assert bench.train(padded) == bench.train(arch) == bench.train(dead)
    assert not bench.covers(Architecture.from_edges("nb201", "x", ()))
    with pytest.raises(KeyError, match="not a NAS-Bench-101 cell"):
        bench.train(Architecture.from_edges("nb201", "x", ()))


def test_naslib_cells(shared_data):
    bench = benchmarks.get_class("nb101-cifar10-naslib")(shared_data)
    archs = bench.architectures()
    assert len(archs) == len(bench) == 500 and all(bench.covers(a) for a in archs)
    results = [bench.train(a) for a in archs]
    valid = [r.valid_accuracy for r in results]
    test = [r.test_accuracy for r in results]
    assert stats.spearmanr(valid, test)[0] == pytest.approx(0.979, abs=0.002)  # data README
