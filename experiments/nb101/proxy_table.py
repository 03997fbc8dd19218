"""The epsinas paper's Table 4 on NAS-Bench-101: proxies on random cells vs the whole-space
table's mean test accuracy, beside the published figures; or on NASLib's 500 cells vs their
validation accuracy, with rank agreement against NASLib's stored scores.

    # CPU, cheap proxies (what the shared 2-core machine allows)
    nice -n 10 .venv/bin/python experiments/nb101/proxy_table.py --sample 200 --proxies nparams,synflow
    # GPU (the full table: ~2,000+ cells, every proxy)
    python experiments/nb101/proxy_table.py --sample 2000 --device cuda \
        --proxies nparams,flops,synflow,epsinas,naswot,snip,grad_norm,jacov,grasp,fisher,grad_sign,zico,gsnr
    # NASLib's 500 cells
    python experiments/nb101/proxy_table.py --naslib --proxies nparams,synflow

Each proxy scores the full network (stem 128, 3x3 cells, CIFAR-10 shape) built by the space
as the generic scorer builds it (``nasearch.scoring.prepare``), moved to ``--device``.
Data: ``--data`` (default the real CIFAR-10 images of ../shared/data when present, else grey),
batch ``--batch-size``; epsinas uses the paper's NB101 setting (1e-4 and 10; BN with batch statistics as the reference code, see epsinas_settings.md).
Scores go to ``proxy_table_<tag>.csv``; correlations to ``proxy_table_<tag>.md``.
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from scipy import stats

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nasearch import registry  # noqa: E402
from nasearch.benchmarks.nb101 import NASLIB_FILE, NB101Cifar10, read_naslib_nb101  # noqa: E402
from nasearch.benchmarks.table import find_data_dir  # noqa: E402
from nasearch.data import load_batch  # noqa: E402
from nasearch.interfaces import Batch  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.scoring import prepare  # noqa: E402
from nasearch.spaces.nb101 import NB101Space  # noqa: E402

OUT = Path(__file__).resolve().parent
CIFAR = "cifar10-partial/cifar10_partial_salvaged.npz"
# epsinas paper, Table 4 (Spearman, Kendall; NB101 CIFAR-10)
PUBLISHED = {"epsinas": (0.62, 0.44), "zico": (0.63, 0.46), "gsnr": (0.615, 0.434), "grasp": (0.45, 0.31),
             "grad_sign": (0.45, None), "nparams": (0.43, 0.31), "synflow": (0.37, 0.25),
             "grad_norm": (-0.20, -0.14), "snip": (-0.16, -0.11), "fisher": (-0.26, -0.18)}
CONFIG = {"epsinas": {"weights": (1e-4, 10.0), "train_mode": True}}
NASLIB_NAMES = {"nparams": "params", "flops": "flops", "synflow": "synflow", "snip": "snip",
                "grad_norm": "grad_norm", "jacov": "jacov", "grasp": "grasp", "fisher": "fisher"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--naslib", action="store_true", help="NASLib's 500 cells instead of a random sample")
    parser.add_argument("--proxies", default="nparams,synflow")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data", default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--stem", type=int, default=128, help="stem channels (128: the benchmark's network)")
    parser.add_argument("--tag", default=None)
    parser.add_argument("--epsinas-dtype", choices=["float32", "float64"], default="float32",
                        help="float32 as the paper; float64 keeps the cells float32 loses to under/overflow")
    args = parser.parse_args()
    torch.set_num_threads(1)
    space = NB101Space(stem_channels=args.stem)
    bench = NB101Cifar10()
    task = bench.task
    naslib: dict[str, dict] = {}
    if args.naslib:
        naslib = read_naslib_nb101(find_data_dir() / NASLIB_FILE)
        archs = [space.parse(text) for text in naslib]
    else:
        rng = np.random.default_rng(args.seed)
        archs = [space.from_cell(bench.catalogue.cell(int(i)))
                 for i in rng.choice(len(bench.catalogue), size=args.sample, replace=False)]
    data = args.data
    if data is None:
        try:
            data = str(find_data_dir() / CIFAR)
        except FileNotFoundError:
            data = "grey"
    batch = load_batch(data, task, args.batch_size, seed=0)
    batch = Batch(batch.inputs.to(args.device),
                  None if batch.labels is None else batch.labels.to(args.device), batch.fingerprint)
    test = np.array([bench.train(a).test_accuracy for a in archs])
    valid = np.array([float(naslib[a.text]["val_accuracy"]) for a in archs]) if naslib else None
    tag = args.tag or (f"naslib500" if args.naslib else f"sample{args.sample}")
    rows = {"arch": [a.text for a in archs], "test_accuracy": list(test)}
    if valid is not None:
        rows["naslib_val_accuracy"] = list(valid)
    lines = []
    for name in [p.strip() for p in args.proxies.split(",") if p.strip()]:
        config = dict(CONFIG.get(name, {}))
        if name == "epsinas":
            config["dtype"] = args.epsinas_dtype
        proxy = registry.proxies.get(name, **config)
        scores, seconds = [], []
        for arch in archs:
            start = time.perf_counter()
            model, b = prepare(space, space.canonical(arch) if proxy.isomorphism_invariant else arch, task, proxy,
                               batch, seed=0)
            if args.device != "cpu":
                from nasearch.proxies._modules import materialise

                model = materialise(model).to(args.device)
            scores.append(float(proxy.score(model, b)))
            seconds.append(time.perf_counter() - start)
        scores_arr = np.array(scores)
        rows[name] = scores
        corr = correlate(scores_arr, test, proxy.higher_is_better)
        published = PUBLISHED.get(name, (None, None))
        line = (f"| {name} | {corr.n} | {corr.nan} | {corr.spearman:.3f} | {corr.kendall:.3f} | "
                f"{_fmt(published[0])} / {_fmt(published[1])} | {np.median(seconds):.2f} |")
        if naslib:
            vcorr = correlate(scores_arr, valid, proxy.higher_is_better)
            ref = NASLIB_NAMES.get(name)
            agree = (stats.spearmanr(scores_arr, [naslib[a.text][ref] for a in archs], nan_policy="omit")[0]
                     if ref else float("nan"))
            line += f" {vcorr.spearman:.3f} / {vcorr.kendall:.3f} | {agree:.3f} |"
        lines.append(line)
        print(line, flush=True)
    with (OUT / f"proxy_table_{tag}.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(rows)
        writer.writerows(zip(*rows.values()))
    header = ("| proxy | cells | NaN | Spearman (test) | Kendall (test) | published Spearman / Kendall | "
              "median s/cell |")
    rule = "|---|---|---|---|---|---|---|"
    if naslib:
        header += " Spearman / Kendall vs NASLib val | Spearman with NASLib's score |"
        rule += "---|---|"
    text = [f"# NAS-Bench-101 proxies ({tag})", "",
            f"Command: `nice -n 10 .venv/bin/python experiments/nb101/proxy_table.py {' '.join(sys.argv[1:])}` "
            f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {args.device} on {platform.machine()}, "
            f"shared 2-core machine). Data `{Path(data).name}`, batch {args.batch_size}, stem {args.stem}; "
            "test accuracy = the whole-space table's mean test accuracy (108 epochs).", "", header, rule, *lines]
    (OUT / f"proxy_table_{tag}.md").write_text("\n".join(text) + "\n")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
