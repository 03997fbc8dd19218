"""The score table the search experiments here read: epsinas_meco over all 15,625 NB201 cells.

    PYTHONPATH=$PWD python experiments/search_ranking/make_scores.py   # -> scores.csv (~10 s)

Inputs: experiments/ranking/whole_space_epsinas_whole.csv and whole_space_meco.csv (every cell's
epsinas_whole and meco, computed by experiments/ranking/score_whole_space.py; label-free, CIFAR-10
networks). epsinas_meco is their RankAve (``nasearch.ensemble.rank_ensemble``, the preset's
aggregation) with the whole space as its population, so one fixed score per cell: a search reads
it as a table, at no cost per query. The two components are written beside it for the baselines.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from nasearch.ensemble import PRESETS, rank_ensemble

HERE = Path(__file__).resolve().parent
RANKING = HERE.parent / "ranking"


def read(name: str) -> dict[str, float]:
    with (RANKING / f"whole_space_{name}.csv").open() as f:
        return {r["arch"]: float(r["value"]) for r in csv.DictReader(f)}


def main() -> None:
    components, aggregation = PRESETS["epsinas_meco"]
    columns = {name: read(name) for name in components}
    archs = sorted(columns[components[0]])
    if any(set(c) != set(archs) for c in columns.values()) or len(archs) != 15625:
        raise SystemExit("the whole-space files must cover the same 15,625 cells")
    matrix = {name: np.array([columns[name][a] for a in archs]) for name in components}
    combined = rank_ensemble(matrix, aggregation=aggregation)
    with (HERE / "scores.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["arch", "epsinas_meco", *components])
        for i, arch in enumerate(archs):
            writer.writerow([arch, repr(float(combined[i])), *(repr(float(matrix[n][i])) for n in components)])
    print(f"wrote {HERE / 'scores.csv'}: {len(archs)} cells")


if __name__ == "__main__":
    main()
