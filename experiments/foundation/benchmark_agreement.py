"""Rank agreement between the embedded NB201 CIFAR-10 table and the official 200-epoch table.

Run from the repository root with ../shared beside it:
    python experiments/foundation/benchmark_agreement.py
"""

from scipy import stats

from nasearch import registry
from nasearch.spaces.nb201 import NB201Space

cells = list(NB201Space().enumerate())
embedded = registry.benchmarks.get("nb201-cifar10-analog")
official = registry.benchmarks.get("nb201-cifar10-valid-200ep")
x = [embedded.train(cell).test_accuracy for cell in cells]
y = [official.train(cell).test_accuracy for cell in cells]
print(f"cells {len(cells)}  spearman {stats.spearmanr(x, y)[0]:.5f}  kendall {stats.kendalltau(x, y)[0]:.5f}")
