"""epsinas-lm on every distinct cell of nlp-ptb and nlp-wikitext2: the paper's default pair,
every pair of the constant grid 1e-7 .. 1 (Table 8), six embedding initialisations (Table 11),
uniform tokens instead of Zipf tokens, and nparams. Writes scores_epsinas.csv.

Batch: 256 sequences x 70 tokens (the reference's size), synthetic Zipf-distributed token ids
(the PTB/WikiText-2 text is not available here). Narrow path (exact; see epsinas_lm).

    nice -n 10 .venv/bin/python experiments/nlp/score_epsinas.py            # both benchmarks, everything
    nice -n 10 .venv/bin/python experiments/nlp/score_epsinas.py nlp-wikitext2 default   # default pair only
"""

from __future__ import annotations

import csv
import itertools
import sys
import time
from pathlib import Path

import torch

from nasearch import registry
from nasearch.language import language_batch
from nasearch.proxies.epsinas import epsinas_statistic
from nasearch.proxies.epsinas_lm import EMBEDDINGS, draw_embedding
from nasearch.spaces.nlp import NLPSpace

GRID = (1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
OUT = Path(__file__).with_name("scores_epsinas.csv")
DEFAULT = EMBEDDINGS.index("uniform_positive_1")


def default_only(name: str) -> None:
    """Only the default pair (and nparams) for one benchmark, into scores_epsinas_<name>.csv
    (how nlp-wikitext2 was scored: the full grid did not fit the CPU time)."""
    torch.set_num_threads(1)
    space, bench = NLPSpace(), registry.benchmarks.get(name)
    batch = language_batch("zipf", bench.task, 256)
    fields = ["benchmark", "index", "valid_ppl", "test_ppl", "nparams", "seconds_default", "pair_1e-05_0.001"]
    with OUT.with_name(f"scores_epsinas_{name}.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for index, arch in enumerate(bench.architectures()):
            with torch.device("meta"):
                model = space.build(arch, bench.task)
            emb = draw_embedding("uniform_positive_1", tuple(model.encoder.weight.shape), 21)
            result = bench.train(arch)
            start = time.perf_counter()
            out = model.constant_weight_hidden(batch.inputs, (1e-5, 1e-3), emb).double().numpy()
            writer.writerow({"benchmark": name, "index": index, "valid_ppl": result.valid_accuracy,
                             "test_ppl": result.test_accuracy, "nparams": space.num_params(arch, bench.task),
                             "seconds_default": time.perf_counter() - start,
                             "pair_1e-05_0.001": epsinas_statistic(out[0].ravel(), out[1].ravel())})
            handle.flush()


def main(limit: int | None = None) -> None:
    torch.set_num_threads(1)
    space = NLPSpace()
    pairs = list(itertools.combinations(range(len(GRID)), 2))
    fields = ["benchmark", "index", "valid_ppl", "test_ppl", "nparams", "seconds_default", "seconds_grid"]
    fields += [f"pair_{GRID[i]:g}_{GRID[j]:g}" for i, j in pairs]
    fields += [f"emb_{e}" for e in EMBEDDINGS] + ["tokens_uniform"]
    with OUT.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for name in ("nlp-ptb", "nlp-wikitext2"):
            bench = registry.benchmarks.get(name)
            batch = language_batch("zipf", bench.task, 256)
            uniform = language_batch("uniform", bench.task, 256)
            cells = bench.architectures()[:limit]
            for index, arch in enumerate(cells):
                with torch.device("meta"):
                    model = space.build(arch, bench.task)
                shape = tuple(model.encoder.weight.shape)
                embeddings = torch.stack([draw_embedding(e, shape, 21) for e in EMBEDDINGS])
                result = bench.train(arch)
                row = {"benchmark": name, "index": index, "valid_ppl": result.valid_accuracy,
                       "test_ppl": result.test_accuracy, "nparams": space.num_params(arch, bench.task)}
                start = time.perf_counter()
                model.constant_weight_hidden(batch.inputs, (1e-5, 1e-3), embeddings[DEFAULT])
                row["seconds_default"] = time.perf_counter() - start
                start = time.perf_counter()
                out = model.constant_weight_hidden(batch.inputs, GRID, embeddings).double().numpy()
                row["seconds_grid"] = time.perf_counter() - start
                out = out.reshape(len(EMBEDDINGS), len(GRID), *out.shape[1:])
                for i, j in pairs:
                    row[f"pair_{GRID[i]:g}_{GRID[j]:g}"] = epsinas_statistic(out[DEFAULT, i].ravel(),
                                                                             out[DEFAULT, j].ravel())
                lo, hi = GRID.index(1e-5), GRID.index(1e-3)
                for k, e in enumerate(EMBEDDINGS):
                    row[f"emb_{e}"] = epsinas_statistic(out[k, lo].ravel(), out[k, hi].ravel())
                u = model.constant_weight_hidden(uniform.inputs, (1e-5, 1e-3), embeddings[DEFAULT]).double().numpy()
                row["tokens_uniform"] = epsinas_statistic(u[0].ravel(), u[1].ravel())
                writer.writerow(row)
                handle.flush()
                if index % 25 == 0:
                    print(name, index, len(cells), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "default":
        default_only(sys.argv[1])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else None)
