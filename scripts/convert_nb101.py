"""Write nasearch/spaces/data/nb101_cells.npz, the packaged NAS-Bench-101 table, from the
team's reference table ``nb101-freerea/nb101_all_derived.csv.gz`` (FreeREA release, MIT; the
results are Google's NAS-Bench-101).

    .venv/bin/python scripts/convert_nb101.py [--data ../shared/data] [--skip-enumeration]

Checks before writing (any failure stops the script, nothing is written):
1. every row's cell is valid and already pruned, and our implementation of the official hash
   gives the row's hash;
2. our enumeration of the space (``nb101_graph.enumerate_cells``) yields exactly the table's
   423,624 hashes (skippable: about a minute);
3. our analytic parameter count equals the table's ``trainable_parameters`` on every row;
4. the table's mean test accuracies take fewer than 65,536 distinct values, so a 16-bit index
   into the sorted distinct values restores each one exactly.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nasearch.spaces.nb101_catalogue import DATA_FILE  # noqa: E402
from nasearch.spaces.nb101_graph import NUM_CELLS, Cell, cell_hash, decode, encode, enumerate_cells, prune  # noqa: E402
from nasearch.spaces.nb101_network import count_parameters  # noqa: E402

SOURCE = "nb101-freerea/nb101_all_derived.csv.gz"


def fail(message: str) -> None:
    raise SystemExit(f"convert_nb101: {message}; nothing written")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--skip-enumeration", action="store_true")
    parser.add_argument("--out", default=str(DATA_FILE))
    args = parser.parse_args()
    path = Path(args.data) / SOURCE
    if not path.is_file():
        fail(f"{path} not found (pass --data DIR holding {SOURCE})")

    start = time.perf_counter()
    hashes, codes, params, accuracies = [], [], [], []
    with gzip.open(path, "rt", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle)):
            if int(row["index"]) != number:
                fail(f"row {number} has index {row['index']}")
            n = int(row["num_vertices"])
            matrix = np.array([int(c) for c in row["adjacency_rowmajor"]], dtype=np.int64).reshape(n, n)
            cell = Cell.make(matrix, row["ops"].split(";"))
            if prune(cell) != cell:
                fail(f"row {number}: the stored cell is not pruned")
            if cell_hash(cell) != row["hash"]:
                fail(f"row {number}: our hash {cell_hash(cell)} differs from the table's {row['hash']}")
            code = encode(cell)
            if decode(code) != cell:
                fail(f"row {number}: the code does not round-trip")
            count = count_parameters(cell)
            if count != int(row["trainable_parameters"]):
                fail(f"row {number}: {count} parameters by our count, {row['trainable_parameters']} in the table")
            hashes.append(row["hash"])
            codes.append(code)
            params.append(count)
            accuracies.append(float(row["mean_test_acc_108"]))
    print(f"read and checked {len(hashes)} rows (hash, parameters, accuracy) in {time.perf_counter() - start:.0f} s")
    if len(hashes) != NUM_CELLS or hashes != sorted(hashes):
        fail(f"expected {NUM_CELLS} rows sorted by hash")

    if not args.skip_enumeration:
        start = time.perf_counter()
        enumerated = {digest for digest, _ in enumerate_cells()}
        if enumerated != set(hashes):
            fail(f"our enumeration gives {len(enumerated)} hashes, {len(enumerated ^ set(hashes))} differ from the table")
        print(f"enumeration: the same {len(enumerated)} hashes in {time.perf_counter() - start:.0f} s")

    values, index = np.unique(np.array(accuracies, dtype=np.float64), return_inverse=True)
    if len(values) > 1 << 16 or not np.array_equal(values[index], np.array(accuracies)):
        fail(f"{len(values)} distinct accuracies do not fit a 16-bit index")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        code=np.array(codes, dtype=np.uint32),
        hash_prefix=np.array([int(h[:8], 16) for h in hashes], dtype=np.uint32),
        trainable_parameters=np.array(params, dtype=np.uint32),
        accuracy_values=values,
        accuracy_index=index.astype(np.uint16),
    )
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
