"""The built language model's parameter count against every log: all 345 WikiText-2 logs'
``num_params`` and all PTB cells' trainable parameters (networks built on the meta device;
a tied embedding/decoder counted once, as ``model.parameters()`` does). Writes params.md.

    nice -n 10 .venv/bin/python experiments/nlp/params.py
"""

from __future__ import annotations

import csv
import json
import platform
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import torch

from nasearch.benchmarks.table import find_data_dir
from nasearch.interfaces import get_task
from nasearch.spaces.nlp import NLPSpace


def count(space: NLPSpace, text: str, task: str) -> int:
    with torch.device("meta"):
        model = space.build(space.parse(text), get_task(task))
    return sum(p.numel() for p in model.parameters())


def main() -> None:
    space, root = NLPSpace(), find_data_dir() / "nasbench-nlp"
    checks = []
    with zipfile.ZipFile(root / "nasbenchnlp_wikitext2_logs.zip") as archive:
        for name in archive.namelist():
            log = json.loads(archive.read(name))
            checks.append(("wikitext2", count(space, log["recepie"], "wikitext2"), int(log["num_params"])))
    with (root / "ptb_recipes_from_wt2_derived.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            checks.append(("ptb", count(space, row["recepie"], "ptb"), int(row["ptb_trainable_params"])))
    lines = ["# Parameter counts of the built language model", "",
             f"`nice -n 10 .venv/bin/python experiments/nlp/params.py`; {platform.node()}, "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "", "| logs | checked | equal | min | max |",
             "|---|---|---|---|---|"]
    for task in ("wikitext2", "ptb"):
        rows = [(ours, ref) for t, ours, ref in checks if t == task]
        equal = sum(ours == ref for ours, ref in rows)
        lines.append(f"| {task} | {len(rows)} | {equal} | {min(r for _, r in rows):,} | {max(r for _, r in rows):,} |")
    Path(__file__).with_name("params.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
