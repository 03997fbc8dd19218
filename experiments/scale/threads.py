"""Processes x threads: the `nasearch correlate --proxy naswot` case of issue 13, before and after.

    nice -n 10 .venv/bin/python experiments/scale/threads.py --sample 32 --out experiments/scale/threads.md

Runs the CLI (a fresh process each time, fresh store, same cells) as the old default did
(one process with torch's default threads: ``--workers 1 --threads <cores>``), with one
process and one thread, and with the new default (no flags: one single-threaded worker
process per core once there are MIN_CELLS_FOR_PROCESSES cells or more). Wall time includes
process start-up, as a user sees it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(extra: list[str], sample: int, batch: int, store: Path) -> tuple[float, dict]:
    command = [sys.executable, "-m", "nasearch.cli", "correlate", "--proxy", "naswot", "--sample", str(sample),
               "--batch-size", str(batch), "--json", "--store", str(store), *extra]
    start = time.perf_counter()
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - start, json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    configs = [("old default: 1 process x torch threads", ["--workers", "1", "--threads", str(cores)]),
               ("1 process x 1 thread", ["--workers", "1"]),
               ("new default (no flags): processes x 1 thread", [])]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, extra) in enumerate(configs):
            load = os.getloadavg()[0]
            wall, out = run(extra, args.sample, args.batch_size, Path(tmp) / f"{i}.sqlite")
            rows.append((label, " ".join(extra) or "(none)", wall, out["spearman"], load))
            print(rows[-1], flush=True)
    base = rows[0][2]
    lines = ["# Processes x threads for `nasearch correlate --proxy naswot`", "",
             f"`{' '.join(sys.argv)}` on {platform.node()} ({cores} cores, shared with other jobs: load average "
             f"shown), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; naswot, batch {args.batch_size}, "
             f"{args.sample} cells, fresh store, wall time of the whole command.", "",
             "| configuration | flags | wall (s) | speed-up vs old default | Spearman | load avg at start |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {label} | `{flags}` | {wall:.1f} | {base / wall:.2f}x | {rho:.4f} | {load:.1f} |"
              for label, flags, wall, rho, load in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
