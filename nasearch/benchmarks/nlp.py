"""NAS-Bench-NLP perplexity benchmarks: the official training logs, and the PTB table.

A log is one JSON file as the benchmark's ``main_one_model_train.py`` writes it: the cell
under ``recepie`` (a JSON string), ``num_params``, per-epoch ``train_losses``, ``val_losses``,
``test_losses`` (mean cross-entropy; perplexity = exp(loss)), ``wall_times`` (seconds per
epoch) and ``status`` ("OK", or why training stopped, e.g. "loss is nan!"). ``read_logs``
reads a folder of them or a ``.zip`` (the official ``train_logs_single_run/logs.zip``,
``train_logs_wikitext-2/logs.zip``, ...); nothing is unpickled.

The measure is perplexity, lower is better: ``higher_is_better = False`` here and on every
``TrainResult``, so strategies, the loop and correlations orient it without a sign in user
code. ``measure="final"``: validation and test perplexity after the last epoch (NaN for a run
whose status is not "OK"); ``measure="best"``: at the epoch of lowest validation loss among the
epochs logged. Training cost: the summed ``wall_times``. Cells are looked up by canonical key
(isomorphic recipes are the same network); several logs of one cell (repeated ids, re-runs,
isomorphic recipes) are averaged in loss over the runs with a finite value.

Presets (data from ``$NASEARCH_DATA_DIR`` or ``../shared/data``, never embedded):
``nlp-wikitext2``: the 345 official WikiText-2 logs (vocabulary 33,278);
``nlp-ptb``: the PTB cells whose recipe is known (``ptb_recipes_from_wt2_derived.csv``: the
final PTB test loss of Serianni et al.'s table joined to recipes through WikiText-2 logs of the
same id). That table has no validation loss: validation = test there.
"""

from __future__ import annotations

import csv
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, SearchSpace, Task, TrainResult, get_task
from nasearch.language import PTB, WIKITEXT2
from nasearch.registry import register_benchmark, spaces

LOG_KEYS = ("recepie", "val_losses", "test_losses")
MEASURES = ("final", "best")


@dataclass(frozen=True)
class RunRecord:
    """One training run: its recipe text and losses (validation/test for each measure)."""

    source: str  # file name, or table row
    recipe: str
    final_valid_loss: float
    final_test_loss: float
    best_valid_loss: float
    best_test_loss: float
    seconds: float = math.nan
    num_params: int | None = None
    recipe_id: int | None = None
    extra: dict = field(default_factory=dict, compare=False, repr=False)


def _losses(values) -> np.ndarray:
    return np.array([math.nan if v is None else float(v) for v in (values or [])], dtype=float)


def record_from_log(log: dict, source: str) -> RunRecord:
    """A RunRecord from one parsed log; KeyError/ValueError naming the file when it is not a log."""
    missing = [k for k in LOG_KEYS if k not in log]
    if missing:
        raise KeyError(f"{source} is not a NAS-Bench-NLP training log: it has no {', '.join(missing)}")
    recipe = log["recepie"] if isinstance(log["recepie"], str) else json.dumps(log["recepie"])
    val, test = _losses(log["val_losses"]), _losses(log["test_losses"])
    if len(val) != len(test):
        raise ValueError(f"{source}: {len(val)} validation losses but {len(test)} test losses")
    ok = log.get("status", "OK") == "OK" and len(val) > 0
    final_val = float(val[-1]) if ok else math.nan
    final_test = float(test[-1]) if ok else math.nan
    finite = np.isfinite(val)
    if finite.any():
        epoch = int(np.nanargmin(np.where(finite, val, np.nan)))
        best_val, best_test = float(val[epoch]), float(test[epoch])
    else:
        best_val = best_test = math.nan
    seconds = float(np.sum(log["wall_times"])) if log.get("wall_times") else math.nan
    return RunRecord(source, recipe, final_val, final_test, best_val, best_test, seconds,
                     log.get("num_params"), log.get("recepie_id"))


def read_logs(path: str | Path) -> list[RunRecord]:
    """Every ``*.json`` log in a folder (recursively) or a ``.zip``, in name order."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"NAS-Bench-NLP logs {str(path)!r} do not exist: pass a folder or .zip of JSON logs")
    records = []
    if path.is_dir():
        for file in sorted(path.rglob("*.json")):
            records.append(record_from_log(_load_json(file.read_bytes(), str(file)), file.name))
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in sorted(n for n in archive.namelist() if n.endswith(".json") and "__MACOSX" not in n):
                records.append(record_from_log(_load_json(archive.read(name), f"{path}:{name}"), Path(name).name))
    else:
        raise ValueError(f"{path} is neither a folder nor a .zip of NAS-Bench-NLP logs")
    if not records:
        raise ValueError(f"{path} holds no .json training logs")
    return records


def _load_json(data: bytes, source: str) -> dict:
    try:
        value = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{source} is not valid JSON ({err})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{source} is not a NAS-Bench-NLP log (a JSON object)")
    return value


def read_ptb_table(path: str | Path) -> list[RunRecord]:
    """Rows of ``ptb_recipes_from_wt2_derived.csv`` with a test loss (validation = test there).

    An exact repeat of a row (same id and log) counts once."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"PTB table {str(path)!r} does not exist")
    records, seen = [], set()
    with path.open(newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            loss = (row.get("ptb_test_loss_aaronserianni") or "").strip()
            if not loss or (row["recepie_id"], row["ptb_log_name"]) in seen:
                continue
            seen.add((row["recepie_id"], row["ptb_log_name"]))
            value = float(loss)
            records.append(RunRecord(f"{path.name}:{number}", row["recepie"], value, value, value, value,
                                     math.nan, int(row["ptb_trainable_params"]), int(row["recepie_id"])))
    return records


def _mean_loss(values: Iterable[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


class NLPBenchmark(Benchmark):
    """Perplexities of NAS-Bench-NLP cells from training runs (see the module docstring)."""

    higher_is_better = False
    space_name = "nlp"

    def __init__(self, records: list[RunRecord], task: Task | str, measure: str = "final", name: str = "nlp-logs",
                 space: SearchSpace | None = None):
        if measure not in MEASURES:
            raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
        self.space = space or spaces.get("nlp")
        self.task = get_task(task)
        self.measure, self.name = measure, name
        self.records = records
        self._runs: dict[str, list[RunRecord]] = {}
        self._first: dict[str, str] = {}
        for record in records:
            try:
                arch = self.space.parse(record.recipe)
            except ValueError as err:
                raise ValueError(f"{record.source}: {err}") from None
            key = self.space.canonical_key(arch)
            self._runs.setdefault(key, []).append(record)
            self._first.setdefault(key, arch.text)
        self._results = {key: self._result(runs) for key, runs in self._runs.items()}

    @classmethod
    def from_logs(cls, path: str | Path, task: Task | str, measure: str = "final", name: str | None = None
                  ) -> "NLPBenchmark":
        return cls(read_logs(path), task, measure, name or f"nlp-logs:{Path(path).name}")

    def _result(self, runs: list[RunRecord]) -> TrainResult:
        if self.measure == "final":
            valid, test = (r.final_valid_loss for r in runs), (r.final_test_loss for r in runs)
        else:
            valid, test = (r.best_valid_loss for r in runs), (r.best_test_loss for r in runs)
        seconds = [r.seconds for r in runs if math.isfinite(r.seconds)]
        return TrainResult(math.exp(_mean_loss(valid)), math.exp(_mean_loss(test)),
                           float(np.mean(seconds)) if seconds else math.nan, higher_is_better=False)

    def train(self, arch: Architecture) -> TrainResult:
        try:
            return self._results[self.space.canonical_key(arch)]
        except KeyError:
            raise KeyError(f"cell {arch.text[:70]}... is not in benchmark {self.name}") from None

    def covers(self, arch: Architecture) -> bool:
        return self.space.canonical_key(arch) in self._results

    def runs(self, arch: Architecture) -> list[RunRecord]:
        """The training runs behind ``arch``'s result."""
        return list(self._runs.get(self.space.canonical_key(arch), []))

    def architectures(self) -> list[Architecture]:
        """One cell per isomorphism class (the first recipe met), in reading order."""
        return [self.space.parse(text) for text in self._first.values()]

    def __len__(self) -> int:
        return len(self._results)


def _data_dir(data_dir: str | Path | None) -> Path:
    from nasearch.benchmarks.table import find_data_dir

    return Path(data_dir) if data_dir is not None else find_data_dir()


@register_benchmark("nlp-wikitext2")
class NLPWikiText2(NLPBenchmark):
    """NAS-Bench-NLP WikiText-2: the 345 official training logs (perplexity, lower is better)."""

    def __init__(self, data_dir: str | Path | None = None, measure: str = "final"):
        path = _data_dir(data_dir) / "nasbench-nlp" / "nasbenchnlp_wikitext2_logs.zip"
        super().__init__(read_logs(path), WIKITEXT2, measure, "nlp-wikitext2")


@register_benchmark("nlp-ptb")
class NLPPTB(NLPBenchmark):
    """NAS-Bench-NLP PTB: final test perplexity of the cells whose recipe is known (lower is better)."""

    def __init__(self, data_dir: str | Path | None = None):
        path = _data_dir(data_dir) / "nasbench-nlp" / "ptb_recipes_from_wt2_derived.csv"
        super().__init__(read_ptb_table(path), PTB, "final", "nlp-ptb")
