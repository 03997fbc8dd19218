"""The papers' published figures, read from experiments/published.toml (the one place they are typed).

    from published import published, proxy_table_rows
    published("p001", "table2", "cifar100", "epsinas")   # [0.89, 0.63, 0.72, 0.45, 81.33, 62]

Scripts in experiments/<folder>/ import it with ``sys.path.insert(0, <experiments folder>)``.
``nan`` in the file (no published figure) reads as None.
"""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

FILE = Path(__file__).resolve().parent / "published.toml"


def _clean(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _clean(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_clean(v) for v in node]
    if isinstance(node, float) and math.isnan(node):
        return None
    return node


@lru_cache(maxsize=1)
def _all() -> dict[str, Any]:
    with FILE.open("rb") as handle:
        return _clean(tomllib.load(handle))


def published(*path: str) -> Any:
    """The entry at ``path`` (e.g. "p002", "table1", "cifar10"); KeyError naming the path if absent."""
    node: Any = _all()
    for depth, key in enumerate(path):
        try:
            node = node[key]
        except (KeyError, TypeError):
            raise KeyError(f"{FILE.name} has no entry {'.'.join(path[:depth + 1])}") from None
    return node


def _r2(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def proxy_table_rows(dataset: str) -> dict[str, tuple[tuple, str]]:
    """proxy -> ((Spearman, Spearman top-10%, Kendall, Kendall top-10%, top-10%/top-10%,
    top-64/top-5%), source) as experiments/proxy_table sets them beside its rows: paper 000
    Table 1 where it has the proxy, else Spearman from paper 002 Tables I-II or paper 001
    Table 2 and Kendall from paper 004 Table 2 (``dataset``: cifar10 or imagenet16-120)."""
    column = {"cifar10": 0, "cifar100": 1, "imagenet16-120": 2}[dataset]
    p0 = published("p000", "table1", dataset)
    p1 = published("p001", "table2", dataset)
    p2 = published("p002", "table1", dataset)
    p2top = published("p002", "table2").get(dataset, {})
    p4 = {k: v[column] for k, v in published("p004", "table2").items()}
    rows: dict[str, tuple[tuple, str]] = {}
    for name in ("synflow", "grad_norm", "grasp", "snip", "fisher", "jacov", "epsinas", "grad_sign"):
        source = "P0 (sign as Abdelfattah et al.)" if (name == "jacov" and dataset == "cifar10") else "P0"
        rows[name] = (tuple(p0[name]), source)
    rows["naswot"] = ((_r2(p2["naswot"]), _r2(p2top.get("naswot")), p4["naswot"], None, None, None),
                      "ρ, top-10% ρ: P2; τ: P4" if "naswot" in p2top else "ρ: P2; τ: P4")
    rows["combined"] = ((_r2(p2["combined"]), None, None, None, None, None), "P2")
    if dataset == "cifar10":
        rows["nparams"] = ((p1["nparams"][0], None, p4["nparams"], None, None, None), "ρ: PX; τ: P4")
        rows["flops"] = ((None, None, p4["flops"], None, None, None), "P4")
        rows["zico"] = ((p1["zico"][0], None, p4["zico"], None, None, None), "ρ: PX; τ: P4")
        rows["gsnr"] = ((p1["gsnr"][0], None, p1["gsnr"][2], None, None, None), "P1 (ρ also PX)")
    else:
        rows["nparams"] = ((None, None, p4["nparams"], None, None, None), "P4")
        rows["flops"] = ((None, None, p4["flops"], None, None, None), "P4")
        rows["zico"] = ((p1["zico"][0], None, p4["zico"], None, None, None), "ρ: P1; τ: P1, P4")
        rows["gsnr"] = ((p1["gsnr"][0], None, p1["gsnr"][2], None, None, None), "P1")
    rows["tcet_synflow"] = ((None, None, p4["tcet_synflow"], None, None, None), "P4 (row read from a garbled table)")
    for name in ("lnwot", "synflow_snr", "snip_snr", "tcet_snip"):
        rows[name] = ((None, None, p4[name], None, None, None), "P4")
    return rows
