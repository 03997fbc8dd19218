"""The narrowed (one-channel) epsinas computation equals the plain one, and falls back when it must."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from nasearch.data import synthetic_batch
from nasearch.interfaces import TASKS
from nasearch.proxies.epsinas import Epsinas, constant_outputs, epsinas_outputs, epsinas_statistic
from nasearch.proxies.narrow import NotNarrowable, narrow_outputs
from nasearch.spaces.nb201 import OPS, NB201Space

pytestmark = pytest.mark.usefixtures("one_torch_thread")

WEIGHTS = (1e-7, 1.0)


SPECIAL_CELLS = [
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",  # all none: zero output from the cells
    "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|",
    "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|",
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_1x1~2|",
    # disconnected: node 3 only reads node 2, which reads nothing
    "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|",
    # node 1 dangles (nothing reads it), the output comes through a pool
    "|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|none~0|none~1|skip_connect~2|",
]


def both_scores(model_factory, inputs, train_mode=True, weights=WEIGHTS):
    with torch.device("meta"):
        model = model_factory()
    (n_low, n_high), method = epsinas_outputs(model, inputs, weights, train_mode, torch.float64, "narrow")
    assert method == "narrow"
    torch.manual_seed(0)
    (p_low, p_high), method = epsinas_outputs(model_factory(), inputs, weights, train_mode, torch.float64, "plain")
    assert method == "plain"
    return (n_low, n_high), (p_low, p_high)


def per_sample(plain, units, batch_size):
    """The plain outputs with one value per sample.

    ``constant_outputs`` already keeps one copy when every unit agrees up to rounding (see
    ``collapse_identical_units``); a raw output of batch_size * units values is checked
    (every unit equal) and collapsed here.
    """
    result = []
    for out in plain:
        if out.size == batch_size * units and units > 1:
            columns = out.reshape(batch_size, units)
            np.testing.assert_allclose(columns, np.repeat(columns[:, :1], units, axis=1), rtol=1e-12)
            out = columns[:, 0]
        assert out.shape == (batch_size,)
        result.append(out)
    return result


def assert_same_score(narrow, plain, units=1):
    plain = per_sample(plain, units, narrow[0].size)
    s_narrow, s_plain = epsinas_statistic(*narrow), epsinas_statistic(*plain)
    if math.isnan(s_plain):
        assert math.isnan(s_narrow)
    else:
        assert s_narrow == pytest.approx(s_plain, rel=1e-9, abs=0)


def cells(space: NB201Space, count: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    sampled = [space.sample(rng).text for _ in range(count)]
    # one cell per op used on every edge but one, so every op appears beside every other
    mixed = [space.from_ops([op] * 5 + [other]).text for op, other in zip(OPS, OPS[1:] + OPS[:1])]
    return SPECIAL_CELLS + mixed + sampled


@pytest.mark.parametrize("task_name", ["cifar10", "imagenet16-120"])
def test_narrow_equals_plain_on_nb201_cells(task_name):
    task = TASKS[task_name]
    space = NB201Space(channels=4, cells_per_stage=2)  # same layer kinds as the full space, cheaper
    batch = synthetic_batch("normal", task, 8, seed=3)
    for text in cells(space, 6, seed=len(task_name)):
        arch = space.parse(text)
        narrow, plain = both_scores(lambda: space.build(arch, task), batch.inputs)
        # both keep one value per sample (the plain path after checking its identical columns)
        assert narrow[0].shape == (8,) and plain[0].shape == (8,)
        for n_out, p_out in zip(narrow, plain):
            np.testing.assert_allclose(n_out, p_out, rtol=1e-9, atol=1e-12 * np.abs(p_out).max())
        assert_same_score(narrow, plain, task.num_classes)


def test_narrow_equals_plain_on_full_size_network_and_grey_images():
    task = TASKS["cifar10"]
    space = NB201Space()
    batch = synthetic_batch("grey", task, 8)
    for text in ("|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
                 SPECIAL_CELLS[0]):
        arch = space.parse(text)
        assert_same_score(*both_scores(lambda: space.build(arch, task), batch.inputs), task.num_classes)


class SmallConvNet(nn.Module):
    """Not NB201: strides, a grouped conv on replicated channels, max pooling, a residual
    branch (without one, constant weights give proportional outputs and a zero score),
    flatten + linear."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 4, 5, padding=2, groups=4, bias=False), nn.BatchNorm2d(4), nn.LeakyReLU(0.1),
            nn.MaxPool2d(2),
        )
        self.branch = nn.Sequential(nn.Conv2d(4, 4, 2, dilation=2, padding="same"), nn.BatchNorm2d(4), nn.ReLU())
        self.head = nn.Linear(4 * 8 * 8, 7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = x + self.branch(x)
        return self.head(x.view(x.size(0), -1)) * 0.5


@pytest.mark.parametrize("train_mode", [True, False])
def test_narrow_equals_plain_on_a_generic_network(train_mode):
    batch = synthetic_batch("uniform", TASKS["cifar10"], 6, seed=1)
    narrow, plain = both_scores(SmallConvNet, batch.inputs, train_mode, weights=(1e-4, 2.0))
    assert_same_score(narrow, plain, 7)
    assert not math.isnan(epsinas_statistic(*plain))


class WithEmbedding(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 3)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.head = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        codes = (x[:, 0, 0, :3].abs() * 3).long().clamp(max=9)  # (N, 3) tokens
        x = x + self.embed(codes).sum(1)[:, :, None, None]
        return self.head(self.conv(x).mean((2, 3)))


class Concatenating(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, padding=1)
        self.b = nn.Conv2d(3, 2, 1)
        self.head = nn.Conv2d(6, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.a(x), self.b(x)], dim=1))


class ChannelSlicing(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)[:, :2].softmax(1)


class DepthwiseFirst(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1, groups=3)  # distinct channels stay distinct

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


def test_concatenation_is_narrowed_as_channel_groups():
    # torch.cat of a 4- and a 2-channel map: two groups, summed with weights 4 and 2 by the head
    batch = synthetic_batch("normal", TASKS["cifar10"], 4)
    narrow = Epsinas(dtype="float64", method="narrow")
    value = narrow.score(Concatenating(), batch)
    assert narrow.last_method == "narrow"
    assert value == pytest.approx(Epsinas(dtype="float64", method="plain").score(Concatenating(), batch), rel=1e-10)


@pytest.mark.parametrize("model_class", [WithEmbedding, ChannelSlicing, DepthwiseFirst])
def test_fallback_when_channels_are_not_symmetric(model_class):
    batch = synthetic_batch("normal", TASKS["cifar10"], 4)
    with torch.device("meta"):
        model = model_class()
    with pytest.raises(NotNarrowable):
        narrow_outputs(model, batch.inputs, WEIGHTS, True)
    with pytest.raises(ValueError, match="cannot handle this network"):
        Epsinas(method="narrow").score(model, batch)
    auto = Epsinas(dtype="float64", method="auto")
    torch.manual_seed(0)
    value = auto.score(model_class(), batch)
    assert auto.last_method == "plain"
    plain = Epsinas(dtype="float64", method="plain")
    torch.manual_seed(0)
    assert plain.score(model_class(), batch) == pytest.approx(value, rel=1e-12, nan_ok=True)
    # the narrowed attempt left the network unchanged
    assert all("forward" not in vars(m) for m in model.modules())


def test_proxy_defaults_take_the_narrow_path():
    task = TASKS["cifar10"]
    space = NB201Space(channels=4, cells_per_stage=1)
    arch = space.parse("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|skip_connect~2|")
    batch = synthetic_batch("normal", task, 8)
    assert Epsinas().config.dtype == "float32" and Epsinas().config.method == "auto"
    proxy = Epsinas(dtype="float64")
    with torch.device("meta"):
        model = space.build(arch, task)
    value = proxy.score(model, batch)
    assert proxy.last_method == "narrow"
    torch.manual_seed(0)
    plain = constant_outputs(space.build(arch, task), batch.inputs, WEIGHTS, True, torch.float64)
    reference = epsinas_statistic(*per_sample(plain, task.num_classes, 8))
    assert value == pytest.approx(reference, rel=1e-9)


def test_reference_configuration_still_reachable():
    proxy = Epsinas(dtype="float32", method="plain")
    assert proxy.config.weights == (1e-7, 1.0) and proxy.config.train_mode
    with pytest.raises(ValueError):
        Epsinas(weights=(float("nan"), 1.0))


class WithDropout(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.drop = nn.Dropout(0.5)
        self.skip = nn.AvgPool2d(3, 1, 1)
        self.head = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # paths with 2 and 1 weighted layers: without BN batch statistics (eval mode) the
        # network is homogeneous in the constant only along paths of equal depth
        x = self.drop(self.bn(self.conv(x))) + self.skip(self.conv(x).relu())
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def test_dropout_narrows_in_eval_mode_only():
    batch = synthetic_batch("normal", TASKS["cifar10"], 4)
    with torch.device("meta"):
        model = WithDropout()
    narrow, plain = both_scores(WithDropout, batch.inputs, train_mode=False, weights=(0.01, 1.0))
    assert_same_score(narrow, plain, 3)
    assert epsinas_statistic(*narrow) > 1e-6
    with pytest.raises(NotNarrowable, match="dropout"):
        narrow_outputs(model, batch.inputs, WEIGHTS, train_mode=True)


def test_float32_default_keeps_the_reference_nan_cells():
    """Every path through the cell passes a convolution: float32 underflows (NaN) as in the
    reference code, narrow or plain; a cell with a skip path stays finite and both agree."""
    task = TASKS["cifar10"]
    space = NB201Space()
    batch = synthetic_batch("grey", task, 8)
    all_conv = space.parse(SPECIAL_CELLS[3])
    with_skip = space.parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|")
    for arch, finite in ((all_conv, False), (with_skip, True)):
        values = []
        for method in ("narrow", "plain"):
            with torch.device("meta"):
                model = space.build(arch, task)
            proxy = Epsinas(method=method)
            values.append(proxy.score(model, batch))
            assert proxy.last_method == method
        assert [math.isfinite(v) for v in values] == [finite, finite]
        if finite:
            assert values[0] == pytest.approx(values[1], rel=1e-4)
