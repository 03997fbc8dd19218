"""experiments/published.toml: the papers' figures, typed once, in the shapes the reports read."""

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))
from published import published, proxy_table_rows  # noqa: E402


def test_correlation_rows_have_six_columns_and_sane_ranges():
    for paper, table in (("p000", "table1"), ("p001", "table2")):
        for dataset in ("cifar10", "cifar100", "imagenet16-120"):
            for proxy, row in published(paper, table, dataset).items():
                assert len(row) == 6, (paper, dataset, proxy)
                for value in row[:4]:
                    assert value is None or -1 <= value <= 1
    assert published("p001", "table2", "cifar100", "epsinas") == [0.89, 0.63, 0.72, 0.45, 81.33, 62]
    assert published("p001", "table2", "cifar10", "grad_sign")[1] is None  # nan in the file reads as None


def test_search_tables_and_missing_entries():
    assert published("p001", "table3", "imagenet16-120", "optimal_1000") == [45.93, 0.51, 46.59, 0.34]
    assert published("p002", "table4", "synflow", "free REA + warm-up")[0] == 72.00
    with pytest.raises(KeyError, match="p002.table9"):
        published("p002", "table9")


def test_proxy_table_rows_take_each_figure_from_its_paper():
    rows = proxy_table_rows("cifar10")
    assert rows["epsinas"] == ((0.87, 0.55, 0.70, 0.40, 67.39, 59), "P0")  # paper 000's run
    assert rows["naswot"][0][:3] == (0.79, 0.26, 0.58)  # ρ, top-10% ρ from paper 002; τ from paper 004
    assert rows["tcet_snip"][0][2] == 0.69
    imagenet = proxy_table_rows("imagenet16-120")
    assert imagenet["naswot"][0][1] is None and not any(
        isinstance(v, float) and math.isnan(v) for row, _ in imagenet.values() for v in row)
