"""Write the embedded NAS-Bench-201 200-epoch test accuracies (package data) from the FreeREA release.

    python scripts/embed_nb201_200ep.py [--data ../shared/data] [--check]

Reads ``nb201-freerea/accuracies_200ep_derived.csv`` (official NATS-Bench topology index,
cell string, 200-epoch test accuracy on CIFAR-10 (the ``cifar10`` split, trained on
train+valid), CIFAR-100 and ImageNet16-120; FreeREA release, MIT) and the per-dataset
``accuracies.csv`` it was joined from, checks them, and writes
``nasearch/benchmarks/data/nb201_200ep.npz``:

- ``cifar10``, ``cifar100``, ``imagenet16-120``: uint32 numerators, accuracy (%) =
  numerator / ``denominator`` (1800: every value is a mean over seeds of accuracies on
  test sets of 10,000 or 6,000 images, an exact multiple of 1/1800 up to the source's
  float32 rounding, below 3e-4 points);
- ``official_index``: the official NATS-Bench topology index of each cell;

all indexed by the cell's position in ``NB201Space().enumerate()`` (base-5 digits of the
edge ops in string order, ops ``none, skip_connect, nor_conv_1x1, nor_conv_3x3,
avg_pool_3x3``), so no cell strings are stored. ``--check`` only verifies that the
committed file equals what the source gives.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nasearch.spaces.nb201 import NB201Space, string_to_ops  # noqa: E402
from nasearch.benchmarks.nb201_200ep import (COLUMNS, DATASETS, DENOMINATOR, DATA_FILE,  # noqa: E402
                                             cell_position)

PUBLISHED_BEST = {"cifar10": 94.37, "cifar100": 73.51, "imagenet16-120": 47.31}
FOLDERS = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "ImageNet16-120"}


def fail(message: str) -> None:
    raise SystemExit(f"embed_nb201_200ep: {message}")


def read_source(data: Path) -> dict[str, np.ndarray]:
    source = data / "nb201-freerea" / "accuracies_200ep_derived.csv"
    if not source.is_file():
        fail(f"{source} not found; pass --data pointing at the reference data folder")
    with source.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if len(rows) != 15625:
        fail(f"{source} has {len(rows)} rows, expected 15,625")
    n = len(rows)
    arrays = {name: np.full(n, -1.0) for name in DATASETS}
    official = np.full(n, -1, dtype=np.int64)
    for row in rows:
        position = cell_position(string_to_ops(row["arch_str"]))
        if official[position] != -1:
            fail(f"cell {row['arch_str']} appears twice")
        official[position] = int(row["index"])
        for name in DATASETS:
            arrays[name][position] = float(row[COLUMNS[name]])
    if (official < 0).any():
        fail("some cells of the space are missing")
    if sorted(official.tolist()) != list(range(n)):
        fail("official indices are not 0..15624")
    # the derived join must agree with each dataset's own accuracies.csv (keyed by index)
    for name in DATASETS:
        with (data / "nb201-freerea" / FOLDERS[name] / "accuracies.csv").open(newline="") as handle:
            by_index = {int(r["index"]): float(r["accuracy"]) for r in csv.DictReader(handle)}
        if len(by_index) != n or any(abs(by_index[int(official[p])] - arrays[name][p]) > 1e-9 for p in range(n)):
            fail(f"{name}: the derived table disagrees with {FOLDERS[name]}/accuracies.csv")
    arrays["official_index"] = official
    return arrays


def encode(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {"denominator": np.array(DENOMINATOR, dtype=np.uint32),
           "official_index": arrays["official_index"].astype(np.uint16)}
    for name in DATASETS:
        scaled = arrays[name] * DENOMINATOR
        numerators = np.round(scaled)
        worst = float(np.max(np.abs(scaled - numerators))) / DENOMINATOR
        if worst > 3e-4:
            fail(f"{name}: a value is {worst:.2g} points away from a multiple of 1/{DENOMINATOR}")
        best = float(numerators.max()) / DENOMINATOR
        if round(best, 2) != PUBLISHED_BEST[name]:
            fail(f"{name}: best test accuracy {best:.4f}, published {PUBLISHED_BEST[name]}")
        out[name] = numerators.astype(np.uint32)
        print(f"{name}: best {best:.4f} (published {PUBLISHED_BEST[name]}), mean {arrays[name].mean():.3f}, "
              f"largest rounding {worst:.1e} points")
    return out


def to_bytes(encoded: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **encoded)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data")
    parser.add_argument("--check", action="store_true", help="compare with the committed file; write nothing")
    args = parser.parse_args()
    encoded = encode(read_source(args.data))
    if args.check:
        with np.load(DATA_FILE, allow_pickle=False) as stored:
            same = set(stored.files) == set(encoded) and all(np.array_equal(stored[k], encoded[k]) for k in encoded)
        if not same:
            fail(f"{DATA_FILE} differs from the source; rerun without --check")
        print(f"{DATA_FILE.name} matches the source")
        return
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    DATA_FILE.write_bytes(to_bytes(encoded))
    print(f"wrote {DATA_FILE.relative_to(ROOT)} ({DATA_FILE.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
