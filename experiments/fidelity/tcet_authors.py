"""Paper 004 (T-CET): our SNR and T-CET proxies beside the authors' own code, cell by cell.

    # the authors' package (iViolinSolo/zero-cost-proxies, v1.1.1, commit 8054a99; MIT) unpacked
    # anywhere, e.g. git clone https://github.com/iViolinSolo/zero-cost-proxies /tmp/zcp
    PYTHONPATH=$PWD nice -n 10 python experiments/fidelity/tcet_authors.py --authors-code /tmp/zcp --cells 40

Both run on the very same network object (deep copies of one NB201 network, C=16, N=5, built
with initialisation seed 0 as the proxy table builds it) and the very same batch (64 real
CIFAR-10 images with labels, seed 0: the proxy table's), on the first ``--cells`` cells of the
proxy table's 1,000-cell sample. The authors' metrics are called through their own entry point
(``alethiometer.zc_proxy.calc_zc_metrics``, layer values summed as it does); their code is
imported from the given folder at run time, never copied here. Besides our default proxies the
script computes our T-CET with ``kernel_mode="train"`` (the activation kernels with BatchNorm on
batch statistics: our behaviour before 2026-11-27; the authors' ``compute_naswot`` calls
``net.eval()`` before its hooks, and our default now does the same). Writes tcet_authors.md and tcet_authors.csv beside this script.
"""

from __future__ import annotations

import argparse
import copy
import csv
import importlib
import math
import sys
import time
import types
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy import stats

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from common import refuse_empty, require_data  # noqa: E402

from nasearch import registry  # noqa: E402
from nasearch.benchmarks.nb201_200ep import accuracy_table  # noqa: E402
from nasearch.data import load_batch  # noqa: E402
from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.spaces.nb201 import NB201Space  # noqa: E402
from nasearch.strategies._pool import sample_distinct  # noqa: E402

# ours -> the authors' metric name (their 'none' mode: no transform of the per-layer SNR)
PAIRS = {"synflow_snr": "snr_syn_none", "snip_snr": "snr_snip_none",
         "tcet_synflow": "tcet_syn_none", "tcet_snip": "tcet_snip_none",
         "synflow_snr[log]": "snr_syn_log", "snip_snr[log]": "snr_snip_log"}
OURS_TRAIN = {"tcet_synflow[kernel_mode=train]": "tcet_syn_none", "tcet_snip[kernel_mode=train]": "tcet_snip_none"}


def authors_package(folder: Path) -> types.ModuleType:
    """Their ``alethiometer.zc_proxy`` without running the package ``__init__`` (which loads datasets)."""
    package = folder / "alethiometer"
    if not (package / "zc_proxy.py").is_file():
        raise SystemExit(f"{folder} does not hold the authors' package (expected alethiometer/zc_proxy.py there)")
    stub = types.ModuleType("alethiometer")
    stub.__path__ = [str(package)]
    sys.modules["alethiometer"] = stub
    return importlib.import_module("alethiometer.zc_proxy")


def ours(name: str, model: torch.nn.Module, batch) -> float:
    base, _, option = name.partition("[")
    config = {"log": True} if option == "log]" else {"kernel_mode": "train"} if option == "kernel_mode=train]" else {}
    proxy = registry.proxies.get(base, **config)
    torch.manual_seed(0)
    return float(proxy.score(copy.deepcopy(model), batch))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--authors-code", type=Path, required=True, help="folder holding alethiometer/")
    parser.add_argument("--cells", type=int, default=40)
    args = parser.parse_args()
    torch.set_num_threads(1)
    zc = authors_package(args.authors_code)
    data = require_data()
    space, task = NB201Space(), TASKS["cifar10"]
    batch = load_batch(str(data / "cifar10-partial" / "cifar10_partial_salvaged.npz"), task, 64, seed=0)
    archs = sample_distinct(space, np.random.default_rng(0), 1000)[:args.cells]
    acc_all = accuracy_table("cifar10")
    position = {a.text: i for i, a in enumerate(space.enumerate())}
    rows = []
    start = time.perf_counter()
    for k, arch in enumerate(archs):
        torch.manual_seed(0)
        model = space.build(arch, task)
        row = {"arch": arch.text, "accuracy": float(acc_all[position[arch.text]])}
        for name in [*PAIRS, *OURS_TRAIN]:
            row[name] = ours(name, model, batch)
        torch.manual_seed(0)
        theirs = zc.calc_zc_metrics(list(PAIRS.values()), copy.deepcopy(model), [(batch.inputs, batch.labels)],
                                    torch.device("cpu"), loss_fn=F.cross_entropy)
        for name, their_name in PAIRS.items():
            row["authors " + their_name] = float(theirs[their_name])
        rows.append(row)
        print(f"{k + 1}/{len(archs)} cells, {time.perf_counter() - start:.0f} s", flush=True)
    refuse_empty(rows, "the side-by-side rows")
    columns = list(rows[0])
    with (HERE / "tcet_authors.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    write_report(rows, args.cells)


def write_report(rows: list[dict], n: int) -> None:
    acc = np.array([r["accuracy"] for r in rows])

    def col(name: str) -> np.ndarray:
        return np.array([r[name] for r in rows], dtype=float)

    lines = ["# Paper 004: our SNR and T-CET beside the authors' code (iViolinSolo/zero-cost-proxies)", "",
             f"Written by `PYTHONPATH=$PWD nice -n 10 python experiments/fidelity/tcet_authors.py --authors-code <their "
             f"checkout> --cells {n}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC (2-core shared CPU, torch "
             f"{torch.__version__}). Same network object and batch for both (see the script's docstring). The first "
             f"{n} cells of the proxy table's 1,000-cell sample; accuracy: 200-epoch CIFAR-10 test.", "",
             "| ours | authors | max rel. diff | median rel. diff | Kendall ours vs theirs | τ ours with acc. | "
             "τ theirs with acc. |", "|---|---|---|---|---|---|---|"]
    for name, their_name in [*PAIRS.items(), *OURS_TRAIN.items()]:
        a, b = col(name), col("authors " + their_name)
        ok = np.isfinite(a) & np.isfinite(b)
        rel = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-300)
        lines.append(f"| {name} | {their_name} | {rel.max():.1e} | {np.median(rel):.1e} | "
                     f"{stats.kendalltau(a[ok], b[ok])[0]:.3f} | {stats.kendalltau(a[ok], acc[ok])[0]:.3f} | "
                     f"{stats.kendalltau(b[ok], acc[ok])[0]:.3f} |")
    nan_ours = {name: int(np.sum(~np.isfinite(col(name)))) for name in PAIRS}
    lines += ["", f"Non-finite values of ours: {nan_ours}.", ""]
    (HERE / "tcet_authors.md").write_text("\n".join(lines) + "\n")
    print("wrote experiments/fidelity/tcet_authors.md")


if __name__ == "__main__":
    main()
