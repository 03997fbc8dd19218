"""Score every NAS-Bench-201 cell (15,625) with one proxy, resumable, into a CSV (issue 14).

    PYTHONPATH=$PWD nice -n 10 python experiments/ranking/score_whole_space.py --proxy epsinas_whole --batch 256 --workers 2
    PYTHONPATH=$PWD python experiments/ranking/score_whole_space.py --proxy jacov --device cuda
    PYTHONPATH=$PWD python experiments/ranking/score_whole_space.py --proxy gsnr --device cuda

Rows ``arch,value,seconds`` go to ``--out`` (default ``whole_space_<proxy>.csv`` beside this
script) as they are computed; a rerun skips the cells already there. An isomorphism-invariant
proxy is computed once per canonical network and written for every cell of the class (the
seconds on the first). Network: C=16, N=5, CIFAR-10 task, initialisation seed 0; batch
``--batch`` real CIFAR-10 training images with labels (``cifar10_partial_salvaged.npz``,
seed 0), as the 1,000-cell proxy table. ``--device cuda`` runs network and batch on the GPU in
this process (``--workers`` is then ignored); ``--limit N`` scores only the first N cells of
the enumeration (a smoke test).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import multiprocessing as mp
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
IMAGES = Path("../shared/data/cifar10-partial/cifar10_partial_salvaged.npz")
_state: dict = {}


def _setup(name: str, config: dict, batch_size: int, threads: int = 1) -> None:
    import torch

    if threads:
        torch.set_num_threads(threads)
    from nasearch import registry
    from nasearch.data import load_batch
    from nasearch.interfaces import TASKS
    from nasearch.spaces.nb201 import NB201Space

    task = TASKS["cifar10"]
    _state.update(space=NB201Space(), task=task, proxy=registry.proxies.get(name, **config),
                  batch=load_batch(str(IMAGES), task, batch_size, seed=0))


def _score_cpu(text: str) -> tuple[str, float, float]:
    from nasearch.scoring import compute_score

    s = _state
    value, seconds = compute_score(s["space"], s["space"].parse(text), s["task"], s["proxy"], s["batch"], seed=0)
    return text, value, seconds


def _score_device(text: str, device: str) -> tuple[str, float, float]:
    import torch

    from nasearch.scoring import prepare

    s = _state
    start = time.perf_counter()
    arch = s["space"].parse(text)
    if s["proxy"].isomorphism_invariant:
        arch = s["space"].canonical(arch)
    model, batch = prepare(s["space"], arch, s["task"], s["proxy"], s["batch"], seed=0)
    model = model.to(device)
    batch = dataclasses.replace(batch, inputs=batch.inputs.to(device),
                                labels=None if batch.labels is None else batch.labels.to(device))
    value = float(s["proxy"].score(model, batch))
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return text, value, time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--config", default="{}", help="JSON proxy configuration")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    out = args.out or HERE / f"whole_space_{args.proxy}.csv"
    config = json.loads(args.config)
    _setup(args.proxy, config, args.batch, threads=1 if args.device == "cpu" else 0)
    space, proxy = _state["space"], _state["proxy"]
    cells = [a.text for a in space.enumerate()][: args.limit]
    done = set()
    if out.is_file():
        with out.open() as f:
            done = {row["arch"] for row in csv.DictReader(f)}
    # one computation per class for isomorphism-invariant proxies
    members: dict[str, list[str]] = {}
    for text in cells:
        if text in done:
            continue
        key = space.canonical_key(space.parse(text)) if proxy.isomorphism_invariant else text
        members.setdefault(key, []).append(text)
    todo = [group[0] for group in members.values()]
    by_first = {group[0]: group for group in members.values()}
    print(f"{args.proxy}: {len(done)} cells stored, {len(todo)} networks for {sum(map(len, members.values()))} cells",
          flush=True)
    new = not out.is_file()
    start = time.time()
    with out.open("a", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(["arch", "value", "seconds"])
        if args.device == "cpu":
            pool = mp.get_context("spawn").Pool(args.workers, _setup, (args.proxy, config, args.batch))
            results = pool.imap_unordered(_score_cpu, todo, chunksize=8)
        else:
            pool, results = None, (_score_device(t, args.device) for t in todo)
        for i, (text, value, seconds) in enumerate(results, 1):
            for j, member in enumerate(by_first[text]):
                writer.writerow([member, repr(value), f"{seconds:.4f}" if j == 0 else "0"])
            if i % 100 == 0 or i == len(todo):
                f.flush()
                print(f"  {i}/{len(todo)} networks, {time.time() - start:.0f} s", flush=True)
        if pool is not None:
            pool.close()
            pool.join()


if __name__ == "__main__":
    main()
