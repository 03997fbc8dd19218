"""How far float32 scores sit from float64 ones, contiguous and channels-last (first 8 sample cells).

    PYTHONPATH=$PWD .venv/bin/python experiments/proxy_table/layout_precision.py

Same network weights throughout (built in float32, then converted to float64 for the reference); batch 64 of
normal noise with random labels. Prints, per proxy, the largest relative distance to float64 of the float32
score with 1 thread, 2 threads, and 1 thread channels-last. Source of the figures in notes.md ("Speed").
"""

import numpy as np
import torch

from nasearch import registry
from nasearch.interfaces import TASKS, Batch
from nasearch.scoring import build_model, compute_score
from nasearch.spaces.nb201 import NB201Space
from nasearch.strategies._pool import sample_distinct


def main() -> None:
    space, task = NB201Space(), TASKS["cifar10"]
    archs = sample_distinct(space, np.random.default_rng(0), 1000)[:8]
    gen = torch.Generator().manual_seed(0)
    batch = Batch(torch.randn(64, 3, 32, 32, generator=gen), torch.randint(0, 10, (64,), generator=gen), "noise")
    batch64 = Batch(batch.inputs.double(), batch.labels, "noise")
    for name in ["snip", "fisher", "grasp"]:
        proxy = registry.proxies.get(name)
        cls = type(proxy)
        results = {}
        for mode in ["1 thread", "2 threads", "channels-last"]:
            torch.set_num_threads(2 if mode == "2 threads" else 1)
            cls.prefers_channels_last = mode == "channels-last"
            results[mode] = np.array([compute_score(space, a, task, proxy, batch, 0)[0] for a in archs])
        cls.prefers_channels_last = False
        exact = np.array([proxy.score(build_model(space, a, task, proxy, 0).double(), batch64) for a in archs])
        print(name, {m: float(np.max(np.abs(v - exact) / np.abs(exact))) for m, v in results.items()}, flush=True)


if __name__ == "__main__":
    main()
