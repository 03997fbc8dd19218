"""Trained-accuracy oracles: the embedded NB201 and NB101 tables, CSV/JSON tables, NB101 tfrecords,
NAS-Bench-NLP logs, a user's training function."""

from nasearch.benchmarks.analog import AnalogNB201Cifar10
from nasearch.benchmarks.function import FunctionBenchmark
from nasearch.benchmarks.nb101 import NB101Cifar10, NB101Cifar10NASLib
from nasearch.benchmarks.nb101_tfrecord import NB101RecordBenchmark
from nasearch.benchmarks.nb201_200ep import NB201TestAccuracies
from nasearch.benchmarks.nlp import NLPBenchmark
from nasearch.benchmarks.table import TableBenchmark

__all__ = ["AnalogNB201Cifar10", "FunctionBenchmark", "NB101Cifar10", "NB101Cifar10NASLib", "NB101RecordBenchmark",
           "NB201TestAccuracies", "NLPBenchmark", "TableBenchmark"]
