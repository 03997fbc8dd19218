"""Issue 14: the field's other proxies on the 1,000-cell sample of experiments/proxy_table.

    PYTHONPATH=$PWD nice -n 10 python experiments/proxies_new/measure.py score --proxies l2_norm zen --n 1000
    PYTHONPATH=$PWD python experiments/proxies_new/measure.py report

``score`` appends one row per (proxy, cell) to ``scores.csv`` beside this script (value, CPU
and wall seconds of ``compute_score`` in a 1-thread worker) and resumes from it: an
interrupted run loses nothing. The first --n cells of the sample are scored, in sample order.
Networks: NAS-Bench-201 C=16, N=5, CIFAR-10 (10 outputs, 32×32), initialisation seed 0;
batch 64 real CIFAR-10 training images with labels (``cifar10_partial_salvaged.npz``, seed 0),
as the proxy table. ``report`` writes ``results.md``.
"""

from __future__ import annotations

import argparse
import csv
import math
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SCORES = HERE / "scores.csv"
DATA = Path("../shared/data")
IMAGES = "cifar10-partial/cifar10_partial_salvaged.npz"  # under --data
FIELDS = ["proxy", "config", "arch", "value", "cpu_s", "wall_s"]
_state: dict = {}


def sample(n: int):
    from nasearch.spaces.nb201 import NB201Space
    from nasearch.strategies._pool import sample_distinct

    return sample_distinct(NB201Space(), np.random.default_rng(0), 1000)[:n]


def _init(name: str, config: dict, data: str, device: str) -> None:
    import torch

    torch.set_num_threads(1)
    from nasearch import registry
    from nasearch.data import load_batch
    from nasearch.interfaces import TASKS
    from nasearch.spaces.nb201 import NB201Space

    task = TASKS["cifar10"]
    _state.update(space=NB201Space(), task=task, proxy=registry.proxies.get(name, **config),
                  batch=load_batch(str(Path(data) / IMAGES), task, 64, seed=0), device=torch.device(device))


def _score(text: str) -> tuple[str, float, float, float]:
    from nasearch.scoring import compute_score

    s = _state
    cpu = time.process_time()
    value, wall = compute_score(s["space"], s["space"].parse(text), s["task"], s["proxy"], s["batch"], seed=0,
                                device=s["device"])
    return text, value, time.process_time() - cpu, wall


def read_scores() -> list[dict]:
    """Rows of scores.csv and of every scores-*.csv (runs that went on side by side)."""
    rows: list[dict] = []
    for path in sorted(HERE.glob("scores*.csv")):
        with path.open() as f:
            rows += list(csv.DictReader(f))
    return rows


def cmd_score(args) -> None:
    import json

    config = json.loads(args.config)
    # scores from another device are stored apart (float rounding, and proxies that redraw weights
    # draw them from that device's generator): the device joins the key
    key = json.dumps(config if args.device == "cpu" else {**config, "device": args.device}, sort_keys=True)
    for name in args.proxies:
        done = {r["arch"] for r in read_scores() if r["proxy"] == name and r["config"] == key}
        todo = [str(a) for a in sample(args.n) if str(a) not in done]
        print(f"{name}: {len(done)} stored, {len(todo)} to score", flush=True)
        if not todo:
            continue
        out = HERE / args.out
        new = not out.is_file()
        with out.open("a", newline="") as f, mp.get_context("spawn").Pool(args.workers, _init, (name, config, args.data, args.device)) as pool:
            writer = csv.writer(f)
            if new:
                writer.writerow(FIELDS)
            for i, (text, value, cpu, wall) in enumerate(pool.imap(_score, todo, chunksize=4)):
                writer.writerow([name, key, text, repr(value), f"{cpu:.4f}", f"{wall:.4f}"])
                f.flush()  # a run stopped at any moment keeps every finished cell
                if i % 20 == 0:
                    print(f"  {name} {i + 1}/{len(todo)}", flush=True)
                if time.time() > args.until_ts:
                    print("deadline reached", flush=True)
                    return


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["score", "report"])
    parser.add_argument("--proxies", nargs="+", default=[])
    parser.add_argument("--config", default="{}", help="JSON proxy configuration")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=SCORES.name, help="CSV beside this script to append to (scores*.csv are all read)")
    parser.add_argument("--until-ts", type=float, default=math.inf)
    parser.add_argument("--data", default=str(DATA), help="the shared data directory (holds cifar10-partial/)")
    parser.add_argument("--device", default="cpu", help="torch device for the networks, e.g. cuda (seconds then "
                        "are that device's; the CPU-second column is the host process's)")
    args = parser.parse_args(argv)
    if args.command == "score":
        cmd_score(args)
    else:
        from report import write_report  # noqa: E402  (beside this script)

        write_report(read_scores())


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
