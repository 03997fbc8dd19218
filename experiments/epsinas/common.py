"""Shared helpers of the epsinas experiments: worker pools, benchmarks, result files."""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch

from nasearch.data import load_batch
from nasearch.interfaces import TASKS, Batch
from nasearch.metrics import correlate
from nasearch.proxies.epsinas import epsinas_outputs, epsinas_statistic
from nasearch.registry import benchmarks
from nasearch.spaces.nb201 import NB201Space

HERE = Path(__file__).resolve().parent
CIFAR = "../shared/data/cifar10-partial/cifar10_partial_salvaged.npz"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from published import published  # noqa: E402  (experiments/published.toml)

PAPER_T2 = {"cifar10": tuple(published("p001", "table2", "cifar10", "epsinas")),
            "grey": tuple(published("p001", "table12", "grey"))}


def quiet_process(threads: int = 1) -> None:
    """One torch thread, and glibc keeps freed buffers instead of unmapping them.

    Freshly mapped multi-megabyte buffers cost a page fault per 4 KiB on first touch;
    the narrowed pass allocates a few per layer, so reuse saves about a fifth of its time.
    """
    torch.set_num_threads(threads)
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
    except OSError:
        pass


def batch_for(data: str, batch_size: int, seed: int = 0) -> Batch:
    return load_batch(CIFAR if data == "cifar10" else data, TASKS["cifar10"], batch_size, seed)


def unique_cells(space: NB201Space) -> tuple[list[str], dict[str, str]]:
    """(one representative per canonical key, {cell string: its key}) over all 15,625 cells."""
    key_of = {arch.text: space.canonical_key(arch) for arch in space.enumerate()}
    reps = {key: space.canonical(space.parse(text)).text for text, key in key_of.items()}
    return sorted(reps.values()), key_of


def score_cell(space: NB201Space, text: str, batch: Batch, weights, dtype, method: str) -> tuple[float, float]:
    """(score, CPU seconds) for one cell, network built on the meta device as the scorer does."""
    start = time.process_time()
    with torch.device("meta"):
        model = space.build(space.parse(text), TASKS["cifar10"])
    outputs, _ = epsinas_outputs(model, batch.inputs, tuple(weights), True, dtype, method)
    return epsinas_statistic(*outputs), time.process_time() - start


def accuracies(texts: list[str]) -> dict[str, np.ndarray]:
    """Test accuracies of ``texts`` from the embedded table and, when present, the 200-epoch table."""
    space = NB201Space()
    result = {}
    for name in ("nb201-cifar10-analog", "nb201-cifar10-valid-200ep"):
        try:
            bench = benchmarks.get(name)
        except (FileNotFoundError, KeyError) as err:
            print(f"skipping {name}: {err}", file=sys.stderr)
            continue
        result[name] = np.array([bench.train(space.parse(t)).test_accuracy for t in texts])
    return result


def table2_row(scores: np.ndarray, acc: np.ndarray) -> str:
    c = correlate(scores, acc)
    return (f"{c.n} | {c.nan} | {c.spearman:.3f} | {c.spearman_top10:.3f} | {c.kendall:.3f} | "
            f"{c.kendall_top10:.3f} | {c.top10_top10:.2f} | {c.top64_top5:.0f}")


TABLE2_HEAD = ("| scores | benchmark | cells | NaN | Spearman | Spearman top-10% | Kendall | Kendall top-10% | "
               "top10/top10 | top64/top5 |\n|---|---|---|---|---|---|---|---|---|---|")


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0


def header(command: str) -> str:
    return (f"Command: `{command}`\n\nMachine: 2-core CPU, no GPU (shared with other jobs; load average "
            f"{os.getloadavg()[0]:.1f} at the end), Python {platform.python_version()}, torch {torch.__version__}. "
            f"Date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.\n")
