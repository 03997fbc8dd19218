"""Experiment files: benchmarks × strategies × proxies × rounds, run in parallel, stored, resumable.

- ``config``: the TOML schema, ``load_experiment``/``check_experiment``, ``combinations``;
- ``runner``: ``run_experiment``/``run_experiment_file`` (results in ``nasearch.store.ResultStore``);
- ``cli``: the ``run`` and ``report`` subcommands. Reports are ``nasearch.report``.
"""

from nasearch.experiment.config import (
    Combination,
    ExperimentConfig,
    check_experiment,
    combinations,
    load_experiment,
)
from nasearch.experiment.runner import RunSummary, run_experiment, run_experiment_file
from nasearch.store import ResultStore

__all__ = ["Combination", "ExperimentConfig", "ResultStore", "RunSummary", "check_experiment", "combinations",
           "load_experiment", "run_experiment", "run_experiment_file"]
