"""NAS-Bench-101 space checks against the whole-space table, and nparams over every cell.

    nice -n 10 .venv/bin/python experiments/nb101/space_check.py [--built 2000] [--skip-enumeration]

1. enumeration: ``nb101_graph.enumerate_cells()`` from scratch vs the table's 423,624 hashes;
2. analytic parameter count (``count_parameters``) of every packaged cell vs the table's
   ``trainable_parameters``, and the count of the network actually built (meta device, no
   memory) for ``--built`` random cells;
3. nparams vs mean test accuracy over all 423,624 cells (the epsinas paper's Table 4 row:
   Spearman 0.43, Kendall 0.31), with the time each step took.

Writes experiments/nb101/space_check.md and space_check.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nasearch.interfaces import TASKS  # noqa: E402
from nasearch.metrics import correlate  # noqa: E402
from nasearch.spaces.nb101 import NB101Space  # noqa: E402
from nasearch.spaces.nb101_catalogue import load_catalogue  # noqa: E402
from nasearch.spaces.nb101_graph import NUM_CELLS, enumerate_cells  # noqa: E402
from nasearch.spaces.nb101_network import count_parameters  # noqa: E402

OUT = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--built", type=int, default=2000, help="cells whose network is built and counted")
    parser.add_argument("--skip-enumeration", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    result: dict = {"command": " ".join(["experiments/nb101/space_check.py", *sys.argv[1:]]),
                    "date": datetime.now(timezone.utc).isoformat(timespec="minutes"),
                    "machine": f"{platform.processor() or platform.machine()}, shared 2-core CPU"}
    start = time.perf_counter()
    catalogue = load_catalogue()
    result["catalogue_load_seconds"] = time.perf_counter() - start

    if not args.skip_enumeration:
        start = time.perf_counter()
        enumerated = {digest for digest, _ in enumerate_cells()}
        result["enumeration_seconds"] = time.perf_counter() - start
        result["enumerated_cells"] = len(enumerated)
        # the catalogue stores 8-hex-digit prefixes; compare prefixes in order (full hashes are
        # checked against the table by scripts/convert_nb101.py)
        prefixes = np.array(sorted(int(h[:8], 16) for h in enumerated), dtype=np.uint32)
        result["enumeration_matches_table"] = bool(np.array_equal(prefixes, catalogue.hash_prefix))
        print("enumeration", result["enumerated_cells"], result["enumeration_matches_table"])

    start = time.perf_counter()
    cells = [catalogue.cell(i) for i in range(len(catalogue))]
    analytic = np.array([count_parameters(c) for c in cells], dtype=np.int64)
    result["analytic_count_seconds"] = time.perf_counter() - start
    result["analytic_equals_table"] = int(np.sum(analytic == catalogue.trainable_parameters.astype(np.int64)))
    print("analytic == table on", result["analytic_equals_table"], "cells")

    rng = np.random.default_rng(0)
    space = NB101Space()
    rows = rng.choice(len(catalogue), size=min(args.built, len(catalogue)), replace=False)
    start = time.perf_counter()
    built_equal = 0
    for row in rows:
        with torch.device("meta"):
            model = space.build(space.from_cell(cells[row]), TASKS["cifar10"])
        built_equal += sum(p.numel() for p in model.parameters()) == analytic[row]
    result["built_cells"] = len(rows)
    result["built_equals_analytic"] = int(built_equal)
    result["built_seconds_per_cell"] = (time.perf_counter() - start) / len(rows)
    print("built == analytic on", built_equal, "of", len(rows))

    accuracy = 100 * catalogue.mean_test_accuracies().astype(np.float64)
    start = time.perf_counter()
    corr = correlate(analytic.astype(float), accuracy)
    result["nparams_correlation_seconds"] = time.perf_counter() - start
    result["nparams"] = corr.as_dict()
    result["best_test_accuracy"] = float(accuracy.max())
    result["cells"] = NUM_CELLS
    (OUT / "space_check.json").write_text(json.dumps(result, indent=1))
    write_markdown(result)


def write_markdown(r: dict) -> None:
    c = r["nparams"]
    lines = [
        "# NAS-Bench-101: the space against the whole-space table",
        "",
        f"Command: `nice -n 10 .venv/bin/python {r['command']}` ({r['date']}, {r['machine']}, "
        "under the load of the other agents sharing it). Numbers: `space_check.json`.",
        "",
        "| check | result |",
        "|---|---|",
        f"| packaged cell list loads | {r['catalogue_load_seconds']:.3f} s |",
    ]
    if "enumerated_cells" in r:
        lines.append(f"| `enumerate_cells()` from scratch | {r['enumerated_cells']:,} cells in "
                     f"{r['enumeration_seconds']:.0f} s; same hashes as the table: {r['enumeration_matches_table']} |")
    lines += [
        f"| analytic parameter count == table `trainable_parameters` | {r['analytic_equals_table']:,} of "
        f"{r['cells']:,} cells ({r['analytic_count_seconds']:.0f} s for all) |",
        f"| network built on the meta device, counted == analytic | {r['built_equals_analytic']:,} of "
        f"{r['built_cells']:,} random cells ({1000 * r['built_seconds_per_cell']:.1f} ms per build) |",
        "",
        "## nparams over every cell (epsinas paper, Table 4: Spearman 0.43, Kendall 0.31)",
        "",
        "| cells | Spearman | Kendall | Spearman top-10% | top-10%/top-10% | top-64/top-5% | time |",
        "|---|---|---|---|---|---|---|",
        f"| {c['n']:,} | {c['spearman']:.3f} | {c['kendall']:.3f} | {c['spearman_top10']:.3f} | "
        f"{c['top10_top10']:.1f} | {c['top64_top5']:.0f} | {r['nparams_correlation_seconds']:.1f} s "
        f"(+ {r['analytic_count_seconds']:.0f} s counting) |",
        "",
        f"Best mean test accuracy in the table: {r['best_test_accuracy']:.2f}%.",
    ]
    (OUT / "space_check.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
