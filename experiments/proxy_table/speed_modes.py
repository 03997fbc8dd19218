"""Seconds per cell and value change of proxies with and without dead-branch skipping and channels-last.

    PYTHONPATH=$PWD .venv/bin/python experiments/proxy_table/speed_modes.py grad_norm,snip,fisher,jacov,grasp 8

For each proxy: median wall seconds per cell (1 thread, batch 64 of normal noise with random labels, the first
N cells of the sample) as written ('base'), with dead branches skipped where the proxy allows it ('skip'), and
skipped + channels-last ('skip+CL'), and the largest relative change of the value against 'base'.
The figures quoted in notes.md ("Speed") were taken with this script on 2026-11-24 (8 cells for the saliencies
and jacov, 4 for naswot, lnwot, tcet_snip, zico, gsnr, js, pjs, cv, snip_snr), partly while the scoring
workers ran, so they are upper bounds of an idle machine's.
"""

import statistics
import sys

import numpy as np
import torch

from nasearch import registry
from nasearch.interfaces import TASKS, Batch
from nasearch.scoring import compute_score
from nasearch.spaces.nb201 import NB201Space
from nasearch.strategies._pool import sample_distinct


def main() -> None:
    torch.set_num_threads(1)
    names, n = sys.argv[1].split(","), int(sys.argv[2])
    space, task = NB201Space(), TASKS["cifar10"]
    archs = sample_distinct(space, np.random.default_rng(0), 1000)[:n]
    gen = torch.Generator().manual_seed(0)
    batch = Batch(torch.randn(64, 3, 32, 32, generator=gen), torch.randint(0, 10, (64,), generator=gen), "noise")
    for name in names:
        proxy = registry.proxies.get(name)
        cls = type(proxy)
        allowed = cls.needs_dead_branches
        out = {}
        for mode, (dead, channels_last) in {"base": (True, False), "skip": (allowed, False),
                                            "skip+CL": (allowed, True)}.items():
            cls.needs_dead_branches, cls.prefers_channels_last = dead, channels_last
            compute_score(space, archs[0], task, proxy, batch, 0)  # warm-up
            results = [compute_score(space, a, task, proxy, batch, 0) for a in archs]
            out[mode] = (np.array([v for v, _ in results]), statistics.median(t for _, t in results))
        base = out["base"][0]
        print(name, " ".join(f"{m}: {t:.3f} s (rel {np.nanmax(np.abs(v - base) / np.abs(base)):.1e})"
                             for m, (v, t) in out.items()), flush=True)


if __name__ == "__main__":
    main()
