"""epsinas scores with the reference code's float32 NaN cells marked NaN again.

In float32 with weights (1e-7, 1) the reference epsinas underflows to NaN on every NB201 cell
whose every input-to-output path passes a convolution (about 40% of the space; the epsinas
helper's experiments/epsinas/float_artefacts.md finds this rule agrees with float32 on 6,049 of
6,390 cells checked). The paper's searches rank those cells last. This script takes the float64
whole-space scores (experiments/epsinas/scores_cifar10.csv) and writes
experiments/search/epsinas_float32_rule_cifar10.csv (not committed: regenerate it) with NaN on
those cells, so that table3-epsinas-f32rule.toml can reproduce the paper's protocol:

    PYTHONPATH=$PWD python experiments/search/epsinas_float32_rule.py
"""

import csv
import math
from pathlib import Path

from nasearch.spaces.nb201 import NB201Space

HERE = Path(__file__).parent
SOURCE = HERE / "../epsinas/scores_cifar10.csv"
TARGET = HERE / "epsinas_float32_rule_cifar10.csv"
CONVS = {"nor_conv_1x1", "nor_conv_3x3"}


def conv_on_every_path(edges: tuple[tuple[int, int, str], ...], output: int = 3) -> bool:
    """True when every input-to-output path of live (not 'none') edges has a convolution
    (also when there is no path: the output is zero, epsinas is NaN anyway)."""
    def all_paths_convolve(node: int) -> bool:  # from ``node`` onward
        if node == output:
            return False
        live = [(t, op) for s, t, op in edges if s == node and op != "none"]
        return all(op in CONVS or all_paths_convolve(t) for t, op in live)

    return all_paths_convolve(0)


def main() -> None:
    space = NB201Space()
    with SOURCE.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    masked = 0
    with TARGET.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["arch", "score"])
        for row in rows:
            arch = space.parse(row["arch"])
            value = float(row["score_float64"]) if row["score_float64"] else math.nan
            if conv_on_every_path(arch.edges):
                value, masked = math.nan, masked + 1
            writer.writerow([arch.text, repr(value)])
    print(f"{TARGET}: {len(rows)} cells, {masked} set to NaN by the float32 rule")


if __name__ == "__main__":
    main()
