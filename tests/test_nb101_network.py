"""NAS-Bench-101 network: the benchmark's parameter counts, the channel rule, a forward pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nasearch.interfaces import TASKS, ImageTask
from nasearch.spaces.nb101 import NB101Space
from nasearch.spaces.nb101_catalogue import load_catalogue
from nasearch.spaces.nb101_network import NB101Network, count_parameters, vertex_channels

from test_nb101_space import README_MATRIX, README_OPS

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def numel(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def test_parameter_count_equals_the_table_on_a_sample():
    catalogue = load_catalogue()
    space = NB101Space()
    rows = np.random.default_rng(0).choice(len(catalogue), size=40, replace=False)
    for row in rows:
        cell = catalogue.cell(int(row))
        with torch.device("meta"):
            built = numel(space.build(space.from_cell(cell), TASKS["cifar10"]))
        assert built == count_parameters(cell) == int(catalogue.trainable_parameters[row]), cell


def test_readme_example_parameter_count():
    space = NB101Space()
    arch = space.from_matrix(README_MATRIX, README_OPS)
    with torch.device("meta"):
        built = numel(space.build(arch, TASKS["cifar10"]))
    row = load_catalogue().find(space.cell(arch))
    assert built == int(load_catalogue().trainable_parameters[row]) == 2_694_282


def test_off_by_one_would_fail():
    # the remainder channels go to the first vertices feeding the output: 128 over 3 -> 43, 43, 42
    matrix = np.zeros((5, 5), dtype=int)
    matrix[0, 1] = matrix[0, 2] = matrix[0, 3] = matrix[1, 4] = matrix[2, 4] = matrix[3, 4] = 1
    assert vertex_channels(matrix, 128, 128) == [128, 43, 43, 42, 128]


def test_channel_rule_takes_the_largest_successor():
    # vertex 1 feeds vertices 2 (not to output) and 3; vertex 2 feeds 3 and 4
    matrix = np.zeros((6, 6), dtype=int)
    matrix[0, 1] = matrix[1, 2] = matrix[1, 3] = matrix[2, 3] = matrix[2, 4] = matrix[3, 5] = matrix[4, 5] = 1
    assert vertex_channels(matrix, 64, 128) == [64, 64, 64, 64, 64, 128]


def test_narrow_forward_pass_and_truncation():
    space = NB101Space(stem_channels=8)
    arch = space.from_matrix(README_MATRIX, README_OPS)
    model = space.build(arch, ImageTask("tiny", 5, (3, 8, 8)))
    out = model(torch.randn(2, 3, 8, 8))
    assert out.shape == (2, 5) and torch.isfinite(out).all()
    two_vertex = space.parse("input|output~0")
    assert space.build(two_vertex, TASKS["cifar10"])(torch.randn(1, 3, 8, 8)).shape == (1, 10)


def test_builds_only_image_tasks():
    from nasearch.interfaces import LanguageTask

    space = NB101Space(stem_channels=8)
    with pytest.raises(ValueError, match="image classifiers"):
        space.build(space.parse("input|output~0"), LanguageTask("ptb"))
    assert isinstance(space.build(space.parse("input|conv1x1~0|output~1"), TASKS["cifar10"]), NB101Network)
