"""The epsinas paper's Table 4 on NAS-Bench-101: every proxy on random cells against the
whole-space table's mean test accuracy, beside the published figures; or on NASLib's 500 cells
against their validation accuracy, with rank agreement against NASLib's stored scores.

    # score (resumable: every (cell, proxy) is appended as it comes; rerun to continue)
    nice -n 10 .venv/bin/python experiments/nb101/proxy_table.py score --cells 100 \
        --proxies naswot,jacov,snip,grad_norm,fisher,grad_sign,zico,gsnr,synflow,meco
    # the table (writes proxy_table_random.md)
    .venv/bin/python experiments/nb101/proxy_table.py report
    # NASLib's 500 cells instead (tag naslib500)
    nice -n 10 .venv/bin/python experiments/nb101/proxy_table.py score --naslib --proxies synflow,snip

Random cells are the first ``--cells`` of the same seed-0 draw as ``epsinas_sample.py``, so
the report sets every proxy beside epsinas on the same cells. Each proxy scores the full network
(stem 128, 3x3 cells, CIFAR-10 shape) exactly as the generic scorer prepares it
(``nasearch.scoring.prepare``, seed 0), on one CPU thread, with the space's declared paper
settings (``NB101Space.proxy_defaults``: epsinas 1e-4 / 10 with batch-statistics BN). Data: 64
real CIFAR-10 training images of ../shared/data (``--batch-size``). Rows go to
``proxy_table_<tag>.csv`` (one row per cell and proxy: score and CPU seconds).
"""

from __future__ import annotations

import argparse
import csv
import math
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nasearch import registry  # noqa: E402
from nasearch.benchmarks.nb101 import NASLIB_FILE, NB101Cifar10, read_naslib_nb101  # noqa: E402
from nasearch.benchmarks.table import find_data_dir  # noqa: E402
from nasearch.data import load_batch  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.scoring import prepare  # noqa: E402
from nasearch.spaces.nb101 import NB101Space  # noqa: E402
from nasearch.spaces.nb101_network import count_parameters  # noqa: E402

OUT = Path(__file__).resolve().parent
CIFAR = "cifar10-partial/cifar10_partial_salvaged.npz"
# epsinas paper, Table 4 (Spearman, Kendall; NB101 CIFAR-10)
PUBLISHED = {"epsinas": (0.62, 0.44), "zico": (0.63, 0.46), "gsnr": (0.615, 0.434), "grasp": (0.45, 0.31),
             "grad_sign": (0.45, None), "nparams": (0.43, 0.31), "synflow": (0.37, 0.25),
             "grad_norm": (-0.20, -0.14), "snip": (-0.16, -0.11), "fisher": (-0.26, -0.18)}
NASLIB_NAMES = {"nparams": "params", "flops": "flops", "synflow": "synflow", "snip": "snip",
                "grad_norm": "grad_norm", "jacov": "jacov", "grasp": "grasp", "fisher": "fisher"}
FIELDS = ["index", "arch", "proxy", "score", "cpu_seconds"]


def cells(naslib: bool, count: int) -> list[tuple[int, str]]:
    """(index, arch text): positions of the seed-0 draw, or NASLib's 500 cells (index = row)."""
    space = NB101Space()
    if naslib:
        return list(enumerate(read_naslib_nb101(find_data_dir() / NASLIB_FILE)))
    catalogue = NB101Cifar10().catalogue
    order = np.random.default_rng(0).permutation(len(catalogue))[:count]
    return [(int(i), space.from_cell(catalogue.cell(int(i))).text) for i in order]


def score(tag: str, naslib: bool, count: int, proxies: list[str], batch_size: int, device: str) -> None:
    torch.set_num_threads(1)
    space = NB101Space()
    task = NB101Cifar10().task
    batch = load_batch(str(find_data_dir() / CIFAR), task, batch_size, seed=0)
    path = OUT / f"proxy_table_{tag}.csv"
    done = set()
    if path.exists():
        with path.open() as f:
            done = {(int(r["index"]), r["proxy"]) for r in csv.DictReader(f)}
    loaded = {name: registry.proxies.get(name, **space.proxy_defaults.get(name, {})) for name in proxies}
    new_file = not path.exists()
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
        for position, (index, text) in enumerate(cells(naslib, count)):
            arch = space.parse(text)
            for name, proxy in loaded.items():
                if (index, name) in done:
                    continue
                start = time.process_time()
                model, b = prepare(space, space.canonical(arch) if proxy.isomorphism_invariant else arch,
                                   task, proxy, batch, seed=0, device=torch.device(device))
                value = float(proxy.score(model, b))
                writer.writerow({"index": index, "arch": text, "proxy": name, "score": repr(value),
                                 "cpu_seconds": f"{time.process_time() - start:.3f}"})
                f.flush()
            print(f"{position + 1}/{count} {datetime.now(timezone.utc):%H:%M:%S}", flush=True)


def bootstrap_spearman(s: np.ndarray, a: np.ndarray, draws: int = 300) -> tuple[float, float]:
    from scipy.stats import spearmanr

    keep = np.isfinite(s) & np.isfinite(a)
    s, a = s[keep], a[keep]
    rng = np.random.default_rng(0)
    values = [spearmanr(s[i], a[i])[0] for i in (rng.integers(0, len(s), len(s)) for _ in range(draws))]
    return tuple(np.percentile(values, [2.5, 97.5]))


def epsinas_scores() -> dict[int, float]:
    """epsinas (1e-4, 10) of the cells ``epsinas_sample.py`` scored (the same draw); the paper's
    filter: NaN and non-positive scores count as undefined."""
    out = {}
    for path in [OUT / "epsinas_sample.csv", *sorted(OUT.glob("epsinas_sample_*.csv"))]:
        with path.open() as f:
            for row in csv.DictReader(f):
                value = float(row["eps_0.0001_10"])
                out[int(row["index"])] = value if value > 0 else math.nan
    return out


def report(tag: str) -> None:
    from scipy.stats import spearmanr

    path = OUT / f"proxy_table_{tag}.csv"
    with path.open() as f:
        rows = list(csv.DictReader(f))
    naslib = tag.startswith("naslib")
    bench = NB101Cifar10()
    space = NB101Space()
    by_proxy: dict[str, dict[int, tuple[float, float]]] = {}
    arch_of: dict[int, str] = {}
    for r in rows:
        by_proxy.setdefault(r["proxy"], {})[int(r["index"])] = (float(r["score"]), float(r["cpu_seconds"]))
        arch_of[int(r["index"])] = r["arch"]
    union = sorted(set.union(*(set(v) for v in by_proxy.values())))
    test = {i: bench.train(space.parse(arch_of[i])).test_accuracy for i in arch_of}
    extra: dict[str, dict[int, float]] = {"nparams": {i: float(count_parameters(space.cell(space.canonical(
        space.parse(arch_of[i]))))) for i in arch_of}}
    if not naslib:
        eps = epsinas_scores()
        extra["epsinas"] = {i: eps[i] for i in union if i in eps}
    naslib_rows = read_naslib_nb101(find_data_dir() / NASLIB_FILE) if naslib else {}
    valid = {i: float(naslib_rows[arch_of[i]]["val_accuracy"]) for i in arch_of} if naslib else {}
    lines = [f"# NAS-Bench-101 proxies against accuracy ({tag}): the epsinas paper's Table 4 layout", "",
             f"Commands: `nice -n 10 .venv/bin/python experiments/nb101/proxy_table.py score "
             f"{'--naslib ' if naslib else ''}--cells N --proxies ...`, then `... report"
             f"{' --naslib' if naslib else ''}` (report {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
             f"{platform.machine()} CPU, 2 cores shared with other sessions, 1 torch thread). "
             f"{'NASLib' + chr(39) + 's 500 cells' if naslib else 'The first cells of the seed-0 uniform draw of epsinas_sample.py'}; "
             "full networks (stem 128), 64 real CIFAR-10 training images, seed 0. Accuracy: the whole-space "
             "table's mean test accuracy at 108 epochs"
             f"{' (and NASLib' + chr(39) + 's validation accuracy)' if naslib else ''}. NaN scores are left out of "
             "a proxy's correlation; epsinas follows the paper's filter (NaN or non-positive left out). "
             "Each proxy is correlated on the cells it has scored (the first ones of the draw; nparams and "
             "epsinas on every cell any proxy has scored), so the rows rest on different numbers of cells; "
             "a row with a handful of cells is there for its CPU cost.", "",
             "| proxy | cells | NaN | Spearman (test) [95% bootstrap] | Kendall (test) | published (Table 4) | "
             "median CPU s per cell |" + (" Spearman vs NASLib valid | Spearman with NASLib's score |" if naslib else ""),
             "|---|---|---|---|---|---|---|" + ("---|---|" if naslib else "")]
    names = sorted(set(by_proxy) | set(extra), key=lambda n: -abs(PUBLISHED.get(n, (0,))[0] or 0))
    for name in names:
        values = extra.get(name) or {i: score for i, (score, _) in by_proxy[name].items()}
        seconds = [cost for _, cost in by_proxy[name].values()] if name in by_proxy else []
        idx = [i for i in union if i in values]
        s = np.array([values[i] for i in idx])
        a = np.array([test[i] for i in idx])
        higher = registry.proxies.get(name).higher_is_better
        corr = correlate(s, a, higher)
        low, high = bootstrap_spearman(s if higher else -s, a) if len(idx) > 10 else (math.nan, math.nan)
        published = PUBLISHED.get(name, (None, None))
        rho, tau = ((f"{corr.spearman:.3f} [{low:.2f}, {high:.2f}]", f"{corr.kendall:.3f}") if corr.n >= 10
                    else ("— (too few cells: timing only)", "—"))
        line = (f"| {name} | {corr.n} | {corr.nan} | {rho} | {tau} | {_fmt(published[0])} / {_fmt(published[1])} | "
                f"{np.median(seconds) if seconds else math.nan:.2f} |")
        if naslib:
            v = correlate(s, np.array([valid[i] for i in idx]), higher)
            ref = NASLIB_NAMES.get(name)
            agree = (spearmanr(s, [float(naslib_rows[arch_of[i]][ref]) for i in idx], nan_policy="omit")[0]
                     if ref else math.nan)
            line += f" {v.spearman:.3f} | {agree:.3f} |"
        lines.append(line)
    text = "\n".join(lines) + "\n"
    (OUT / f"proxy_table_{tag}.md").write_text(text)
    print(text)


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["score", "report"])
    parser.add_argument("--cells", type=int, default=100, help="first N cells of the seed-0 draw")
    parser.add_argument("--naslib", action="store_true", help="NASLib's 500 cells instead of the random draw")
    parser.add_argument("--proxies", default="naswot,jacov,snip,grad_norm,fisher,grad_sign,zico,gsnr,synflow,meco")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (seconds are then CPU time of the host)")
    args = parser.parse_args()
    tag = "naslib500" if args.naslib else "random"
    if args.command == "score":
        score(tag, args.naslib, args.cells, [p.strip() for p in args.proxies.split(",") if p.strip()],
              args.batch_size, args.device)
    else:
        report(tag)


if __name__ == "__main__":
    main()
