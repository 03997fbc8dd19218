"""Side by side with the epsinas authors' own NAS-Bench-101 code (egracheva/epsinas, folder
NAS-Bench-101): their PyTorch network and constant initialisation vs ours, same cells, same images.

    nice -n 10 .venv/bin/python experiments/nb101/epsinas_reference_check.py \\
        --reference /path/to/epsinas/NAS-Bench-101 --cells 6 --batch-size 32

The authors' code is not part of nasearch: point ``--reference`` at a checkout (its
``nas_101_api`` package is imported from there, unchanged). Their statistic is recomputed here
as their ``compute_epsinas`` does it (init every ``weight`` to the constant, biases 0, ``eval()``,
min-max, zeros dropped, MAE over mean). Their BatchNorm layers are built with
``track_running_stats=False``, so ``eval()`` still normalises with batch statistics: that is why
our NB101 setting is ``train_mode=True``. Writes ``epsinas_reference_check.md``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nasearch.data import load_batch  # noqa: E402
from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.proxies.epsinas import Epsinas  # noqa: E402
from nasearch.spaces.nb101 import NB101Space  # noqa: E402
from nasearch.spaces.nb101_catalogue import load_catalogue  # noqa: E402
from nasearch.spaces.nb101_graph import prune  # noqa: E402

OUT = Path(__file__).resolve().parent
DATA = ROOT.parent / "shared" / "data" / "cifar10-partial" / "cifar10_partial_salvaged.npz"
WEIGHTS = (1e-4, 10.0)


def reference_score(network: torch.nn.Module, x: torch.Tensor) -> float:
    """The authors' statistic on their network (re-typed from their compute_epsinas)."""
    network = network.to(x.dtype)
    preds = []
    for value in WEIGHTS:
        for module in network.modules():
            if getattr(module, "bias", None) is not None:
                torch.nn.init.constant_(module.bias, 0)
            if hasattr(module, "weight") and getattr(module, "affine", True):
                torch.nn.init.constant_(module.weight, value)
        network.eval()
        with torch.no_grad():
            y, _ = network(x)
        p = y.double().numpy().ravel()
        with np.errstate(invalid="ignore", divide="ignore"):
            preds.append((p - np.nanmin(p)) / (np.nanmax(p) - np.nanmin(p)))
    preds = np.array(preds)
    preds[preds == 0] = np.nan
    with np.errstate(invalid="ignore"), __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")
        return float(np.nanmean(np.abs(preds[0] - preds[1])) / np.nanmean(preds))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True, help="the NAS-Bench-101 folder of an epsinas checkout")
    parser.add_argument("--cells", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(1)
    sys.path.insert(0, args.reference)
    from nas_101_api.model import Network  # the authors' network
    from nas_101_api.model_spec import ModelSpec

    space, catalogue = NB101Space(), load_catalogue()
    task = TASKS["cifar10"]
    batch = load_batch(str(DATA), task, args.batch_size, seed=0)
    config = SimpleNamespace(stem_out_channels=128, num_stacks=3, num_modules_per_stack=3, num_labels=1)
    rows = []
    for index in np.random.default_rng(1).permutation(len(catalogue))[:args.cells]:
        cell = prune(catalogue.cell(int(index)))
        arch = space.from_cell(cell)
        row = {"cell": arch.text}
        for dtype in (torch.float32, torch.float64):
            start = time.process_time()
            network = Network(ModelSpec(cell.array().tolist(), list(cell.ops)), config)
            row[f"ref_{dtype}"] = reference_score(network, batch.inputs.to(dtype))
            row[f"ref_s_{dtype}"] = time.process_time() - start
            proxy = Epsinas(weights=WEIGHTS, train_mode=True, dtype=str(dtype).removeprefix("torch."))
            start = time.process_time()
            with torch.device("meta"):
                model = space.build(arch, task)
            row[f"ours_{dtype}"] = proxy.score(model, batch)
            row[f"ours_s_{dtype}"] = time.process_time() - start
            row["method"] = proxy.last_method
        rows.append(row)
        print(row, flush=True)
    lines = ["# epsinas on NAS-Bench-101: the authors' code beside ours", "",
             f"Command: `nice -n 10 .venv/bin/python experiments/nb101/epsinas_reference_check.py --reference "
             f"<epsinas checkout>/NAS-Bench-101 --cells {args.cells} --batch-size {args.batch_size}` "
             f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()} CPU, 2 cores shared, "
             f"1 torch thread). Authors' code: github.com/egracheva/epsinas at 7e4a9bc, `nas_101_api` "
             "(their network, stem 128, one output unit) with their initialisation and statistic; weights "
             f"1e-4 and 10; {args.batch_size} real CIFAR-10 training images. Ours: `Epsinas(weights=(1e-4, 10), "
             "train_mode=True)` on `NB101Space().build(...)`, exact channel-group path. CPU seconds per cell.", "",
             "| cell | theirs f32 | ours f32 | theirs f64 | ours f64 | |ours-theirs| / theirs (f64) "
             "| theirs s (f32) | ours s (f32) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        a, b = r["ref_torch.float64"], r["ours_torch.float64"]
        rel = abs(a - b) / abs(a) if np.isfinite(a) and a else float("nan")
        lines.append(f"| `{r['cell']}` | {r['ref_torch.float32']:.6g} | {r['ours_torch.float32']:.6g} | {a:.10g} | "
                     f"{b:.10g} | {rel:.1e} | {r['ref_s_torch.float32']:.1f} | {r['ours_s_torch.float32']:.2f} |")
    (OUT / "epsinas_reference_check.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
