"""synflow, grad_norm, snip, grasp and fisher on the language model, for a random sample of
the distinct cells of nlp-ptb and nlp-wikitext2 (CPU time allows no more), with the time each
score took. Writes scores_gradient.csv.

Batch: 4 sequences x 20 tokens of synthetic Zipf token ids (no PTB/WikiText-2 text here),
network in train mode (dropouts active, as the scorer hands it over), seed 0.

    nice -n 10 .venv/bin/python experiments/nlp/score_gradient.py [cells per benchmark, default 20]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import torch

from nasearch import registry
from nasearch.language import language_batch
from nasearch.scoring import compute_score
from nasearch.spaces.nlp import NLPSpace

PROXIES = ("synflow", "grad_norm", "snip", "grasp", "fisher")
OUT = Path(__file__).with_name("scores_gradient.csv")


def main(per_benchmark: int = 40) -> None:
    torch.set_num_threads(1)
    space = NLPSpace()
    proxies = {name: registry.proxies.get(name) for name in PROXIES}
    fields = ["benchmark", "index", "valid_ppl", "test_ppl"] + [f"{p}" for p in PROXIES] + [f"{p}_s" for p in PROXIES]
    with OUT.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for name in ("nlp-ptb", "nlp-wikitext2"):
            bench = registry.benchmarks.get(name)
            batch = language_batch("zipf", bench.task, 4, seq_len=20)
            cells = bench.architectures()
            rng = np.random.default_rng(0)
            for index in sorted(rng.choice(len(cells), size=min(per_benchmark, len(cells)), replace=False)):
                arch = cells[int(index)]
                result = bench.train(arch)
                row = {"benchmark": name, "index": int(index), "valid_ppl": result.valid_accuracy,
                       "test_ppl": result.test_accuracy}
                for pname, proxy in proxies.items():
                    row[pname], row[f"{pname}_s"] = compute_score(space, arch, bench.task, proxy, batch, seed=0)
                writer.writerow(row)
                handle.flush()
                print(name, index, flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
