"""Does epsinas's fast-path symmetry hold for recurrent cells? For a sample of nlp-ptb cells:
the full network under constant weights (cell weights and biases = w, initial hidden = w),
the spread of the last layer's units (max - min over units, relative to the largest value),
and the epsinas-lm score of the full network ("plain") vs the one-unit-per-layer path
("narrow"), in float64 and float32. Writes symmetry.md.

    nice -n 10 .venv/bin/python experiments/nlp/symmetry.py [cells, default 6]
"""

from __future__ import annotations

import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from nasearch import registry
from nasearch.language import language_batch
from nasearch.proxies.epsinas_lm import draw_embedding
from nasearch.spaces.nlp import NLPSpace


def main(count: int = 6) -> None:
    torch.set_num_threads(1)
    space, bench = NLPSpace(), registry.benchmarks.get("nlp-ptb")
    batch = language_batch("zipf", bench.task, 16, seq_len=35)
    cells = bench.architectures()
    picks = np.random.default_rng(0).choice(len(cells), size=count, replace=False)
    lines = ["# epsinas fast path on recurrent cells", "",
             f"`{' '.join(sys.argv)}`; {platform.node()}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; "
             "nlp-ptb cells, batch 16 x 35 Zipf tokens, weights (1e-5, 1e-3), embedding U(0, 1) seed 21.", "",
             "| cell | hidden | unit spread (w=1e-3, float64) | plain f64 | narrow f64 | rel. diff f64 | plain f32 | "
             "narrow f32 | rel. diff f32 | plain s | narrow s |", "|" + "---|" * 11]
    for i in picks:
        arch = cells[int(i)]
        model = space.build(arch, bench.task).double()
        with torch.no_grad():
            model.encoder.weight.copy_(draw_embedding("uniform_positive_1", tuple(model.encoder.weight.shape), 21))
            for layer in model.rnns.modules():
                if isinstance(layer, torch.nn.Linear):
                    layer.weight.fill_(1e-3)
                    if layer.bias is not None:
                        layer.bias.fill_(1e-3)
            model.eval()
            last = model.layer_outputs(batch.inputs, model.init_hidden(16, 1e-3))[-1]
        spread = float((last.amax(-1) - last.amin(-1)).abs().max() / last.abs().max())
        row = [str(int(i)), str(space.recipe(arch).hidden), f"{spread:.1e}"]
        seconds = {}
        for dtype in ("float64", "float32"):
            values = {}
            for method in ("plain", "narrow"):
                proxy = registry.proxies.get("epsinas-lm", method=method, dtype=dtype)
                fresh = space.build(arch, bench.task)
                start = time.perf_counter()
                values[method] = proxy.score(fresh, batch)
                seconds[method] = time.perf_counter() - start
            rel = abs(values["plain"] - values["narrow"]) / abs(values["plain"])
            row += [f"{values['plain']:.6g}", f"{values['narrow']:.6g}", f"{rel:.1e}"]
        row += [f"{seconds['plain']:.2f}", f"{seconds['narrow']:.3f}"]
        lines.append("| " + " | ".join(row) + " |")
        print(lines[-1], flush=True)
    Path(__file__).with_name("symmetry.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6)
