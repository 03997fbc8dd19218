"""The proxy-suite table of issue 3: 1,000 random NB201 cells, every proxy, CIFAR-10 and ImageNet16-120.

Subcommands (run each from the repository root under ``nice -n 10``; everything resumes from
the score store, so an interrupted run loses nothing):

    score    score the sample with the listed proxies on one task, in --workers processes,
             stopping (between chunks of 16 cells) at --until (UTC, HH:MM); each proxy runs in
             its own child process so that its workers' peak RSS can be recorded (memory.json)
    score-family  the input-Jacobian family (js … mnjsc) with one Jacobian pass per amplitude and cell
    timing   median wall and CPU seconds per cell over the first --n cells, one fresh 1-thread process per proxy
    report   write results.md and the raw-score CSVs from what the store holds (reads notes.md and the
             copies of memory-*.json / timing-*.json beside this script)

``score --seed 1`` rescores with initialisation seed 1 (seed noise). The scoring order actually used is run.sh.

Sample: ``sample_distinct(NB201Space(), default_rng(0), 1000)``, whose first 200 cells are the
proxies_b sample, so the scores that run stored (same key) are reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from nasearch import registry
from nasearch.data import load_batch
from nasearch.interfaces import TASKS
from nasearch.parallel import iter_scores, score_key
from nasearch.spaces.nb201 import NB201Space
from nasearch.store import ScoreStore
from nasearch.strategies._pool import sample_distinct

HERE = Path(__file__).resolve().parent
DATA = Path("../shared/data")
IMAGES = DATA / "cifar10-partial/cifar10_partial_salvaged.npz"
STORE = Path("/tmp/nasearch-proxy-table/scores.sqlite")
SEED = 0
BATCH = 64
EPSINAS_BATCH = 256
N = 1000
TASK_NAMES = {"cifar10": "cifar10", "imagenet16": "imagenet16-120"}

# cheap and published first, then the costly Jacobian family (issue 3's order of work)
FIRST = ["nparams", "flops", "epsinas", "synflow", "naswot", "lnwot", "jacov", "snip", "grad_norm", "fisher",
         "grasp", "zico", "gsnr", "grad_sign", "synflow_snr", "snip_snr", "tcet_snip", "tcet_synflow",
         "combined", "js", "jsc"]
LATER = ["pjs", "pjsc", "wpjs", "wpjsi", "sns", "snsc", "lns", "lnsc", "mnjs", "mnjsc", "grasp_snr", "cv"]
ALL = FIRST + LATER


def batch_size(proxy: str) -> int:
    return EPSINAS_BATCH if proxy == "epsinas" else BATCH


def setup(task_name: str, n: int = N):
    space = NB201Space()
    task = TASKS[TASK_NAMES[task_name]]
    archs = sample_distinct(space, np.random.default_rng(SEED), n)
    if task_name != "cifar10":  # only the cells the 200-epoch ImageNet16-120 table covers (9,445 rows)
        archs = [a for a in archs if covered(BENCHMARKS[task_name], a)]
    return space, task, archs


BENCHMARKS = {"cifar10": "nb201-cifar10-valid-200ep", "imagenet16": "nb201-imagenet16-120-zc"}


_BENCH: dict = {}


def benchmark(name: str):
    if name not in _BENCH:
        _BENCH[name] = registry.benchmarks.get(name)
    return _BENCH[name]


def covered(bench_name: str, arch) -> bool:
    try:
        benchmark(bench_name).train(arch)
    except KeyError:
        return False
    return True


def batch_for(task, proxy: str):
    # CIFAR-10 training images with labels; resized (bilinear) to 16x16 for ImageNet16-120 networks
    return load_batch(str(IMAGES), task, batch_size(proxy), seed=SEED)


def memory_file(task_name: str) -> Path:
    return STORE.parent / f"memory-{task_name}.json"


def cmd_score_one(args) -> None:
    """One proxy, in this (child) process; records the workers' peak RSS."""
    space, task, archs = setup(args.task, args.n)
    proxy = registry.proxies.get(args.proxy)
    batch = batch_for(task, args.proxy)
    store = ScoreStore(args.store)
    until = float(args.until_ts)
    start, done = time.time(), 0
    gen = iter_scores(space, proxy, task, batch, archs, store, seed=args.seed, workers=args.workers, chunk=16)
    stopped = False
    for _ in gen:
        done += 1
        if done % 16 == 0 and time.time() > until:
            stopped = True
            break
    gen.close()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if args.workers == 1:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    path = memory_file(args.task)
    record = json.loads(path.read_text()) if path.is_file() else {}
    key = args.proxy if args.seed == SEED else f"{args.proxy}@seed{args.seed}"
    if peak > 0:
        record[key] = max(peak, record.get(key, 0.0))
        path.write_text(json.dumps(record, indent=1))
    print(f"[{dt.datetime.utcnow():%H:%M:%S}] {args.task} {key}: {done} of {len(archs)} cells"
          f"{' (stopped at deadline)' if stopped else ''}, {time.time() - start:.0f} s, peak worker RSS {peak:.0f} MiB",
          flush=True)
    if stopped:
        sys.exit(3)


def _time_one(task_name: str, name: str, n: int, queue) -> None:
    import torch

    from nasearch.scoring import compute_score

    torch.set_num_threads(1)
    space, task, archs = setup(task_name)
    proxy = registry.proxies.get(name)
    batch = batch_for(task, name)
    compute_score(space, archs[0], task, proxy, batch, SEED)  # warm-up (allocator, lazy imports)
    wall, cpu = [], []
    for arch in archs[:n]:
        c0 = time.process_time()
        wall.append(compute_score(space, arch, task, proxy, batch, SEED)[1])
        cpu.append(time.process_time() - c0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((float(np.median(wall)), float(np.median(cpu)), peak))


def cmd_timing(args) -> None:
    """Median wall and CPU seconds per cell over the first --n cells, one fresh process per proxy (1 thread).

    CPU time (``time.process_time``) is what a shared machine's load inflates least; wall time as the store.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    path = STORE.parent / f"timing-{args.task}.json"
    result = json.loads(path.read_text()) if path.is_file() else {}
    for name in args.proxies:
        queue = ctx.Queue()
        load = os.getloadavg()[0]
        proc = ctx.Process(target=_time_one, args=(args.task, name, args.n, queue))
        proc.start()
        wall, cpu, peak = queue.get()
        proc.join()
        result[name] = {"n": args.n, "wall_s": wall, "cpu_s": cpu, "peak_mib": peak, "load": load,
                        "when": dt.datetime.now(dt.timezone.utc).strftime("%H:%M UTC")}
        print(name, result[name], flush=True)
        path.write_text(json.dumps(result, indent=1))


_FAMILY: dict = {}


def _family_init(task_name: str, names: list[str]) -> None:
    import torch

    torch.set_num_threads(1)
    space, task, _ = setup(task_name, 0)
    _FAMILY.update(space=space, task=task, proxies=[registry.proxies.get(n) for n in names],
                   batch=batch_for(task, names[0]))


def _family_one(text: str) -> tuple[list[float], float]:
    from nasearch.proxies.jacobian_score import score_family
    from nasearch.scoring import prepare

    f = _FAMILY
    start = time.perf_counter()
    # the family shares its flags (no dead branches, channels-last), so its first member prepares for all
    model, batch = prepare(f["space"], f["space"].parse(text), f["task"], f["proxies"][0], f["batch"], SEED)
    values = score_family(model, batch, f["proxies"])
    return values, time.perf_counter() - start


def cmd_score_family(args) -> None:
    """The input-Jacobian family (js … mnjsc) in one pass per cell: each Jacobian computed once.

    Values are each proxy's own (``jacobian_score.score_family``); the store gets one row per
    proxy and cell under the proxy's own key, with the family's seconds for the cell.
    """
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing

    from nasearch.scoring import ProxyScorer

    space, task, archs = setup(args.task, args.n)
    names = list(args.proxies)
    proxies = [registry.proxies.get(n) for n in names]
    batch = batch_for(task, names[0])
    keys = [ProxyScorer(space, p, task, batch, None, SEED).key for p in proxies]
    store = ScoreStore(args.store)
    until = deadline_ts(args.until)
    texts = [a.text for a in archs]
    missing: set[str] = set()
    for key in keys:
        stored = store.get_many(key, texts)
        missing.update(t for t in texts if t not in stored)
    todo = [t for t in texts if t in missing]
    print(f"{args.task} family {' '.join(names)}: {len(todo)} of {len(archs)} cells to score", flush=True)
    start, done = time.time(), 0
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=ctx, initializer=_family_init,
                             initargs=(args.task, names)) as pool:
        for i in range(0, len(todo), 16):
            if time.time() > until:
                print(f"deadline {args.until} UTC passed after {done} cells", flush=True)
                break
            block = todo[i:i + 16]
            results = list(pool.map(_family_one, block))
            for j, key in enumerate(keys):
                store.put_many(key, [(text, values[j], seconds) for text, (values, seconds) in zip(block, results)])
            done += len(block)
    print(f"[{dt.datetime.utcnow():%H:%M:%S}] {args.task} family: {done} cells in {time.time() - start:.0f} s",
          flush=True)


def deadline_ts(hhmm: str) -> float:
    now = dt.datetime.now(dt.timezone.utc)
    h, m = map(int, hhmm.split(":"))
    return now.replace(hour=h, minute=m, second=0, microsecond=0).timestamp()


def cmd_score(args) -> None:
    until = deadline_ts(args.until)
    for name in args.proxies:
        if time.time() > until:
            print(f"deadline {args.until} UTC passed; not starting {name}", flush=True)
            break
        rc = subprocess.call([sys.executable, __file__, "score-one", "--task", args.task, "--proxy", name,
                              "--n", str(args.n), "--workers", str(args.workers), "--store", str(args.store),
                              "--seed", str(args.seed), "--until-ts", str(until)])
        if rc == 3:
            break
        if rc != 0:
            print(f"{name} failed with exit status {rc}; going on", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["score", "score-one", "score-family", "timing", "report"])
    parser.add_argument("--task", choices=sorted(TASK_NAMES), default="cifar10")
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--proxies", nargs="+", default=ALL)
    parser.add_argument("--proxy")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--store", type=Path, default=STORE)
    parser.add_argument("--until", default="14:40", help="UTC HH:MM after which no new chunk starts")
    parser.add_argument("--until-ts", default=str(math.inf))
    args = parser.parse_args(argv)
    if args.command == "score":
        cmd_score(args)
    elif args.command == "score-one":
        cmd_score_one(args)
    elif args.command == "score-family":
        cmd_score_family(args)
    elif args.command == "timing":
        cmd_timing(args)
    else:
        from report import cmd_report  # noqa: E402  (written beside this script)

        cmd_report(args)


if __name__ == "__main__":
    main()
