"""Trained-accuracy oracles: the embedded NB201 tables, CSV/JSON tables, NAS-Bench-NLP logs, a user's training function."""

from nasearch.benchmarks.analog import AnalogNB201Cifar10
from nasearch.benchmarks.function import FunctionBenchmark
from nasearch.benchmarks.nb201_200ep import NB201TestAccuracies
from nasearch.benchmarks.nlp import NLPBenchmark
from nasearch.benchmarks.table import TableBenchmark

__all__ = ["AnalogNB201Cifar10", "FunctionBenchmark", "NB201TestAccuracies", "NLPBenchmark", "TableBenchmark"]
