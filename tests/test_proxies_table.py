"""TableScorer: scores read from a CSV/JSON table or a mapping, with ProxyScorer's protocol;
the team's preset tables and paper 002's combination."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from nasearch import registry
from nasearch.benchmarks.function import FunctionBenchmark
from nasearch.loop import run_search
from nasearch.tables.scorer import TableScorer
from nasearch.tables.presets import combined_scorer, table_from_spec, table_scorer
from nasearch.spaces.nb201 import NB201Space
from nasearch.strategies._pool import sample_distinct

SPACE = NB201Space()
CELLS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_1x1~2|",
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
]
CONV = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
# the identity cell twice: input -> node 1 -> output through skips, and input -> output directly
SKIP = "|skip_connect~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|"
SKIP_TWIN = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
POOL = "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|avg_pool_3x3~2|"


def write_csv(path: Path, rows: list) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["net", "net_str", "synflow", "nwot"])
        writer.writerows(rows)
    return path


def write_table(tmp_path: Path) -> Path:
    path = tmp_path / "scores.csv"
    path.write_text(f"arch,score\n{CONV},3.5\n{SKIP},-1.0\n{POOL},-100000000.0\n")
    return path


# --- files ----------------------------------------------------------------------------------
def test_reads_csv_and_gives_nan_for_missing(tmp_path):
    path = write_csv(tmp_path / "zc.csv", [["(0,)", CELLS[0], "44.5", "700"], ["(1,)", CELLS[1], "12.0", "-100000000.0"]])
    scorer = TableScorer(path, "synflow")
    archs = [SPACE.parse(c) for c in CELLS]
    assert np.array_equal(scorer.raw_many(archs), [44.5, 12.0, np.nan], equal_nan=True)
    assert scorer.calls == 3 and scorer.nan == 1 and scorer.computed == 0 and len(scorer) == 2
    assert scorer.covers(archs[0]) and not scorer.covers(archs[2])
    nwot = TableScorer.from_spec(f"{path}:nwot")
    assert nwot(archs[0]) == 700.0 and math.isnan(nwot(archs[1]))  # NASLib's -1e8 placeholder reads as NaN
    lower = TableScorer(path, "synflow", higher_is_better=False)
    assert lower(archs[0]) == -44.5 and lower.raw(archs[0]) == 44.5
    with pytest.raises(KeyError, match="no column 'zen'"):
        TableScorer(path, "zen")
    with pytest.raises(ValueError, match="PATH:COLUMN"):
        TableScorer.from_spec("nocolon")


def test_lookup_orientation_and_counts(tmp_path):
    scorer = TableScorer(write_table(tmp_path), "score", space=SPACE, arch_column="arch", higher_is_better=False)
    conv, skip, pool = (SPACE.parse(t) for t in (CONV, SKIP, POOL))
    assert scorer.raw(conv) == 3.5
    assert scorer(conv) == -3.5  # oriented: lower is better here
    np.testing.assert_array_equal(scorer.oriented_many([conv, skip]), [-3.5, 1.0])
    assert math.isnan(scorer.raw(pool))  # NASLib's -1e8 failure sentinel is NaN
    assert scorer.calls == 5 and scorer.nan == 1
    stats = scorer.stats()
    assert stats["calls"] == 5 and stats["seconds"] == 0.0 and math.isnan(stats["seconds_per_arch"])


def test_manifest_attributes_name_the_table(tmp_path):
    path = write_table(tmp_path)
    scorer = TableScorer(path, "score", name="mine")
    assert scorer.proxy.name == "mine" and scorer.proxy.higher_is_better and scorer.seed == 0
    assert scorer.proxy.config_dict() == {"path": str(path), "column": "score", "dataset": None}
    fingerprint = scorer.batch.fingerprint
    assert fingerprint.startswith("table-") and TableScorer(path, "score").batch.fingerprint == fingerprint
    path.write_text(path.read_text().replace("3.5", "4.5"))
    assert TableScorer(path, "score").batch.fingerprint != fingerprint


def test_missing_cell_takes_its_isomorphic_twin_else_nan(tmp_path):
    path = write_table(tmp_path)
    assert SPACE.canonical_key(SPACE.parse(SKIP)) == SPACE.canonical_key(SPACE.parse(SKIP_TWIN))
    shared = TableScorer(path, "score")
    assert shared.raw(SPACE.parse(SKIP_TWIN)) == -1.0
    strict = TableScorer(path, "score", share_isomorphic=False)
    assert math.isnan(strict.raw(SPACE.parse(SKIP_TWIN)))
    assert strict.proxy.config_dict()["share_isomorphic"] is False
    other = SPACE.parse("|nor_conv_1x1~0|+|none~0|none~1|+|none~0|none~1|nor_conv_1x1~2|")
    assert math.isnan(shared.raw(other))
    # the none-edge into node 1 makes edge (1->2)'s op irrelevant: two strings, one network
    a = SPACE.from_ops(["none", "nor_conv_3x3", "nor_conv_1x1", "skip_connect", "none", "avg_pool_3x3"])
    b = SPACE.from_ops(["none", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "none", "avg_pool_3x3"])
    assert a.text != b.text and SPACE.canonical_key(a) == SPACE.canonical_key(b)
    assert TableScorer(write_csv(tmp_path / "t.csv", [["x", a.text, "5.0", "1"]]), "synflow")(b) == 5.0


def test_bad_table_errors_name_the_problem(tmp_path):
    path = write_table(tmp_path)
    with pytest.raises(KeyError, match="no column 'valid'"):
        TableScorer(path, "valid")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        TableScorer(tmp_path / "nowhere.csv", "score")
    empty = tmp_path / "empty.csv"
    empty.write_text(f"arch,score\n{CONV},\n")
    with pytest.raises(ValueError, match="holds no scores"):
        TableScorer(empty, "score")
    bad = tmp_path / "bad.csv"
    bad.write_text("arch,score\n|conv~0|,1\n")
    with pytest.raises(ValueError, match="line 2"):
        TableScorer(bad, "score")
    garbage = tmp_path / "garbage.csv"
    garbage.write_text(f"arch,score\n{CONV},1\n{SKIP},high\n")
    with pytest.raises(ValueError, match="line 3: 'high' is not a number"):
        TableScorer(garbage, "score")


def test_reads_naslib_json(tmp_path):
    arch, partial = SPACE.parse(CELLS[1]), SPACE.parse(CELLS[0])
    data = {"ImageNet16-120": {str(SPACE.to_tuple(arch)): {"val_accuracy": 80.0, "synflow": {"score": 44.4, "time": 0.5}},
                               str(SPACE.to_tuple(partial)): {"val_accuracy": 70.0}}}
    path = tmp_path / "zc.json"
    path.write_text(json.dumps(data))
    scorer = TableScorer(path, "synflow", dataset="imagenet16-120")  # dataset names match regardless of case
    assert scorer(arch) == 44.4 and scorer.seconds == pytest.approx(0.5)
    assert math.isnan(scorer(partial)) and len(scorer) == 2  # an entry without the proxy scores NaN
    assert scorer.seconds_per_arch([arch]) == pytest.approx(0.5) and scorer.stats()["seconds_per_arch"] == 0.5
    with pytest.raises(KeyError, match="pass dataset="):
        TableScorer(path, "synflow")
    with pytest.raises(KeyError, match="no dataset 'cifar100'"):
        TableScorer(path, "synflow", dataset="cifar100")
    with pytest.raises(KeyError, match="no 'zen' in any entry"):
        TableScorer(path, "zen", dataset="ImageNet16-120")


def test_drives_a_strategy_and_the_loop(tmp_path):
    pool = sample_distinct(SPACE, np.random.default_rng(7), 6)
    scores = [3.0, 9.0, 1.0, 7.0, 5.0]  # the sixth cell is missing: NaN, ranked last
    path = write_csv(tmp_path / "pool.csv", [[str(i), a.text, s, 0] for i, (a, s) in enumerate(zip(pool, scores))])
    scorer = TableScorer(path, "synflow")
    strategy = registry.strategies.get("rs-warmup", space=SPACE, seed=7, scorer=scorer, pool=6)
    result = run_search(strategy, FunctionBenchmark(lambda arch: 50.0), budget=6)
    order = [p.arch for p in result.trajectory]
    assert order[:5] == [pool[i].text for i in (1, 3, 4, 0, 2)] and order[5] == pool[5].text
    assert result.manifest["proxy"] == "table:synflow" and result.proxy_nan == 1
    assert result.manifest["data_fingerprint"] == scorer.batch.fingerprint


# --- mappings and combinations --------------------------------------------------------------
def test_from_values_keeps_the_protocol():
    values = {CONV: 2.0, SKIP: math.nan}
    scorer = TableScorer.from_values(SPACE, values, "mine", higher_is_better=False)
    assert scorer.path is None and len(scorer) == 2 and scorer.proxy.name == "mine"
    assert scorer(SPACE.parse(CONV)) == -2.0 and math.isnan(scorer(SPACE.parse(SKIP_TWIN)))
    assert scorer.nan == 1 and scorer.as_dict().keys() == values.keys()
    reordered = TableScorer.from_values(SPACE, dict(reversed(values.items())), "mine")
    assert reordered.batch.fingerprint == scorer.batch.fingerprint
    strict = TableScorer.from_values(SPACE, {SKIP: 1.0}, "strict", share_isomorphic=False)
    assert math.isnan(strict.raw(SPACE.parse(SKIP_TWIN)))
    with pytest.raises(ValueError, match="holds no scores"):
        TableScorer.from_values(SPACE, {CONV: math.nan}, "empty")


def test_combined_is_a_convex_combination_of_minmax_scaled_tables(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(f"arch,s\n{CONV},10\n{SKIP},0\n{POOL},5\n")
    b = tmp_path / "b.csv"
    b.write_text(f"arch,s\n{CONV},0\n{SKIP},2\n{POOL},1\n")
    parts = [TableScorer(p, "s") for p in (a, b)]
    combined = combined_scorer(parts, [0.6, 0.4])
    # CONV: 0.6*1 + 0.4*0; SKIP: 0.6*0 + 0.4*1; POOL: 0.6*0.5 + 0.4*0.5
    np.testing.assert_allclose(combined.raw_many([SPACE.parse(t) for t in (CONV, SKIP, POOL)]), [0.6, 0.4, 0.5])
    assert combined.raw(SPACE.parse(SKIP_TWIN)) == pytest.approx(0.4)  # shares like its first part
    with pytest.raises(ValueError, match="one weight per table"):
        combined_scorer(parts, [1.0])


# --- presets --------------------------------------------------------------------------------
def test_presets_cover_the_whole_space(shared_data):
    synflow = table_scorer("synflow", SPACE, "cifar10", data_dir=shared_data)
    assert len(synflow) == 9445 and synflow.proxy.name == "table:synflow"
    cells = list(SPACE.enumerate())
    values = synflow.raw_many(cells)
    assert np.isnan(values).sum() == 0  # every isomorphism class has a member in the table
    naswot = table_scorer("naswot", SPACE, "cifar10", data_dir=shared_data)
    undefined = {SPACE.canonical_key(a) for a, v in zip(cells, naswot.raw_many(cells)) if np.isnan(v)}
    assert undefined == {"0"}  # NASLib's -1e8: only the cells whose output is identically zero
    val12 = table_scorer("val12", SPACE, "cifar100", data_dir=shared_data)
    first = SPACE.parse("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|")
    assert val12.raw(first) == pytest.approx(31.840000003051756)  # row 0 of minibench, cifar100-val
    with pytest.raises(KeyError, match="no cifar100 scores"):
        table_scorer("synflow", SPACE, "cifar100", data_dir=shared_data)
    combined = table_scorer("combined", SPACE, "cifar10", data_dir=shared_data)
    by_hand = combined_scorer([naswot, synflow], [0.6, 0.4])
    np.testing.assert_array_equal(combined.raw_many(cells[:500]), by_hand.raw_many(cells[:500]))


def test_table_from_spec_takes_a_preset_or_a_file(tmp_path, shared_data):
    assert table_from_spec("snip", SPACE, "cifar10", data_dir=shared_data).proxy.name == "table:snip"
    path = write_table(tmp_path)
    assert table_from_spec(f"{path}:score", SPACE, "cifar10")(SPACE.parse(CONV)) == 3.5
    with pytest.raises(KeyError, match="PATH:COLUMN"):
        table_from_spec("synflw", SPACE, "cifar10")
