"""The embedded NB201 200-epoch test accuracies (CIFAR-10, CIFAR-100, ImageNet16-120)."""

import csv

import numpy as np
import pytest

from nasearch import registry
from nasearch.benchmarks.nb201_200ep import cell_position, official_index, accuracy_table
from nasearch.spaces.nb201 import NB201Space

SPACE = NB201Space()
CELL = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"


@pytest.mark.parametrize("dataset, best, classes", [("cifar10", 94.37, 10), ("cifar100", 73.51, 100),
                                                    ("imagenet16-120", 47.31, 120)])
def test_every_cell_and_the_published_optimum(dataset, best, classes):
    bench = registry.benchmarks.get(f"nb201-{dataset}-200ep")
    assert len(bench) == 15625 and bench.task.num_classes == classes
    assert round(float(accuracy_table(dataset).max()), 2) == best
    archs = bench.architectures()
    assert all(bench.covers(a) for a in archs[::101])
    result = bench.train(archs[-1])
    assert result.valid_accuracy == result.test_accuracy  # no validation split embedded


def test_positions_follow_enumeration_and_official_index():
    archs = list(SPACE.enumerate())
    assert [cell_position(a.ops) for a in archs[:50]] == list(range(50))
    cell = SPACE.parse(CELL)
    assert official_index(cell) == 0  # the NATS-Bench topology index of CELL
    for dataset, value in (("cifar10", 85.86333), ("cifar100", 52.91333), ("imagenet16-120", 26.63333)):
        assert registry.benchmarks.get(f"nb201-{dataset}").train(cell).test_accuracy == pytest.approx(value, abs=1e-4)


def test_default_benchmark_is_the_official_cifar10_table():
    default = registry.benchmarks.get(SPACE.default_benchmark)
    assert default.name == "nb201-cifar10-200ep"
    with pytest.raises(KeyError, match="only the nb201 space"):
        default.train(type(SPACE.parse(CELL))("other", "x", ()))


def test_embedded_table_equals_the_source(shared_data):
    with (shared_data / "nb201-freerea" / "accuracies_200ep_derived.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    archs = {a.text: a for a in SPACE.enumerate()}
    for dataset, column in (("cifar10", "cifar10_test"), ("cifar100", "cifar100_test"),
                            ("imagenet16-120", "imagenet16-120_test")):
        table = accuracy_table(dataset)
        source = np.array([float(r[column]) for r in rows])
        ours = np.array([table[cell_position(archs[r["arch_str"]].ops)] for r in rows])
        assert np.max(np.abs(ours - source)) < 3e-4
    assert [official_index(archs[r["arch_str"]]) for r in rows[:200]] == [int(r["index"]) for r in rows[:200]]
