"""Proxies on an accelerator: the whole NAS-Bench-201 space with epsinas, a sample with other
proxies, and (where the nb101 space is installed) a NAS-Bench-101 sample, with timings and the
card's name. Runs on the CPU too (that is how the tests run it, at tiny size).

    .venv/bin/python experiments/scale/gpu_measure.py --device cuda --out experiments/scale/gpu

Writes ``<out>/results.md`` and ``<out>/results.csv``: per (space, proxy): cells scored,
distinct networks computed, wall seconds, ms per network, NaN count, Spearman with the
benchmark's accuracy, and the largest relative difference from the CPU on ``--check`` cells
(devices differ by rounding only). ``--max-seconds`` caps each (space, proxy) so the whole
script fits a fixed device budget: a capped row says how many cells it reached.
"""

from __future__ import annotations

import argparse
import csv
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

DEFAULT_PROXIES = "naswot,synflow,jacov"


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def measure(space, benchmark, proxy_name: str, archs: list, device: torch.device, batch_kind: str, batch_size: int,
            max_seconds: float, check: int) -> dict:
    from scipy.stats import spearmanr

    from nasearch import registry
    from nasearch.data import synthetic_batch
    from nasearch.scoring import ProxyScorer

    proxy = registry.proxies.get(proxy_name)
    batch = synthetic_batch(batch_kind, benchmark.task, batch_size)
    scorer = ProxyScorer(space, proxy, benchmark.task, batch, store=None, seed=0, device=device)
    scorer.raw_many(archs[:2])  # warm-up: CUDA context, kernels, caches (not timed)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    scorer = ProxyScorer(space, proxy, benchmark.task, batch, store=None, seed=0, device=device)
    values: list[float] = []
    start = time.perf_counter()
    for begin in range(0, len(archs), 64):
        values.extend(scorer.raw_many(archs[begin:begin + 64]))
        if time.perf_counter() - start > max_seconds:
            break
    wall = time.perf_counter() - start
    done = archs[:len(values)]
    scores = np.array(values)
    accuracy = np.array([benchmark.train(a).test_accuracy for a in done])
    finite = np.isfinite(scores)
    rho = spearmanr(scores[finite], accuracy[finite]).statistic if finite.sum() > 2 else math.nan
    if not proxy.higher_is_better:
        rho = -rho
    cpu = ProxyScorer(space, proxy, benchmark.task, batch, store=None, seed=0, device="cpu")
    sample = done[:check]
    on_cpu, here = cpu.raw_many(sample), scores[:len(sample)]
    both = np.isfinite(on_cpu) & np.isfinite(here)
    rel = float(np.max(np.abs(on_cpu[both] - here[both]) / np.maximum(np.abs(on_cpu[both]), 1e-300))) \
        if both.any() else math.nan
    nan_agree = bool(np.array_equal(np.isnan(on_cpu), np.isnan(here)))
    return {"space": space.name, "proxy": proxy_name, "cells": len(done), "asked": len(archs),
            "computed": scorer.computed, "wall_s": wall,
            "ms_per_network": 1000 * wall / max(1, scorer.computed), "nan": int((~finite).sum()),
            "spearman": float(rho), "max_rel_diff_vs_cpu": rel, "nan_agree_vs_cpu": nan_agree,
            "batch": f"{batch_kind} x{batch_size}"}


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--cells", type=int, default=0, help="NB201 cells for epsinas (0: the whole space)")
    parser.add_argument("--sample", type=int, default=500, help="cells for each other proxy and for NB101")
    parser.add_argument("--proxies", default=DEFAULT_PROXIES, help="comma-separated, besides epsinas")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--max-seconds", type=float, default=40.0, help="cap per (space, proxy) sample row")
    parser.add_argument("--whole-max-seconds", type=float, default=240.0, help="cap of the whole-space epsinas row")
    parser.add_argument("--total-seconds", type=float, default=480.0,
                        help="start no new row after this long (results so far are written after every row)")
    parser.add_argument("--check", type=int, default=20, help="cells recomputed on the CPU for comparison")
    parser.add_argument("--out", type=Path, default=Path("experiments/scale/gpu"))
    args = parser.parse_args(argv)

    from nasearch import registry
    from nasearch.api import sample_architectures
    from nasearch.scoring import resolve_device

    device = resolve_device(args.device)
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    began = time.perf_counter()

    def keep(row: dict) -> None:
        rows.append(row)
        print(row, flush=True)
        write(rows, args, argv, device)

    def time_left() -> bool:
        return time.perf_counter() - began < args.total_seconds

    nb201 = registry.spaces.get("nb201")
    bench201 = registry.benchmarks.get(nb201.default_benchmark)
    whole = list(nb201.enumerate()) if args.cells == 0 else sample_architectures(nb201, bench201, args.cells, 0)
    keep(measure(nb201, bench201, "epsinas", whole, device, "grey", args.batch_size, args.whole_max_seconds,
                 args.check))
    sample = sample_architectures(nb201, bench201, min(args.sample, len(whole)), 1)
    others = [p for p in args.proxies.split(",") if p]
    for name in others:
        if time_left():
            keep(measure(nb201, bench201, name, sample, device, "normal", args.batch_size, args.max_seconds,
                         args.check))
    if "nb101" in registry.spaces and time_left():
        nb101 = registry.spaces.get("nb101")
        try:
            bench101 = registry.benchmarks.get(nb101.default_benchmark)
            cells101 = sample_architectures(nb101, bench101, args.sample, 0)
        except (KeyError, ValueError, FileNotFoundError, NotImplementedError) as err:
            print(f"NB101 skipped: {err}", flush=True)
        else:
            for name in ["epsinas", *others[:1]]:
                if time_left():
                    keep(measure(nb101, bench101, name, cells101, device, "grey" if name == "epsinas" else "normal",
                                 args.batch_size, args.max_seconds, args.check))
    return args.out / "results.md"


def write(rows: list[dict], args: argparse.Namespace, argv: list[str] | None, device: torch.device) -> None:
    with (args.out / "results.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"# Proxies on {device_name(device)}", "",
             f"`{' '.join(sys.argv if argv is None else ['gpu_measure.py', *argv])}`; torch {torch.__version__}, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; one process, no store (every network computed); "
             f"warm-up excluded; rows capped at {args.max_seconds:.0f} s (whole space: {args.whole_max_seconds:.0f} s).",
             "",
             "| space | proxy | batch | cells (of asked) | networks computed | wall (s) | ms per network | NaN | "
             "Spearman vs accuracy | max rel. diff vs CPU | NaN pattern as CPU |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['space']} | {r['proxy']} | {r['batch']} | {r['cells']} ({r['asked']}) | {r['computed']} | "
                     f"{r['wall_s']:.1f} | {r['ms_per_network']:.1f} | {r['nan']} | {r['spearman']:.3f} | "
                     f"{r['max_rel_diff_vs_cpu']:.1e} | {r['nan_agree_vs_cpu']} |")
    (args.out / "results.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
