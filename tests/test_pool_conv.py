"""The grasp speed-up: 3×3 exclusive-padding average pooling as a depthwise convolution."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nasearch.interfaces import TASKS, Batch
from nasearch.proxies._pool_conv import conv_pools, pool3x3_as_conv
from nasearch.proxies.saliency import finite_sum, grasp_per_layer
from nasearch.registry import proxies
from nasearch.spaces.nb201 import NB201Space


@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (1, 1, 1, 1), (3, 2, 1, 4), (2, 4, 8, 8)])
def test_pool_as_conv_is_avg_pool_with_its_first_and_second_derivatives(shape):
    torch.manual_seed(0)
    x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    v = torch.randn(*shape, dtype=torch.float64)
    outs = []
    for pool in (lambda t: F.avg_pool2d(t, 3, 1, 1, count_include_pad=False), pool3x3_as_conv):
        y = pool(x)
        (gx,) = torch.autograd.grad((y * v * y).sum(), x, create_graph=True)  # nonlinear in x: a real Hessian
        (ggx,) = torch.autograd.grad((gx * v).sum(), x)
        outs.append((y, gx, ggx))
    for a, b in zip(*outs):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_conv_pools_swaps_only_the_matching_poolings_and_restores_them():
    model = nn.Sequential(nn.AvgPool2d(3, 1, 1, count_include_pad=False), nn.AvgPool2d(3, 1, 1),
                          nn.AvgPool2d(2, 2))
    x = torch.randn(1, 2, 6, 6)
    with conv_pools(model):
        assert "forward" in vars(model[0])
        assert "forward" not in vars(model[1]) and "forward" not in vars(model[2])
        inside = model(x)
    assert all("forward" not in vars(m) for m in model)
    torch.testing.assert_close(inside, model(x))


def test_grasp_on_an_nb201_network_is_unchanged_by_the_rewrite_in_float64():
    space, task = NB201Space(channels=4, cells_per_stage=1), TASKS["cifar10"]
    arch = space.parse("|avg_pool_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|")
    torch.manual_seed(0)
    model = space.build(arch, task).double()
    x, y = torch.randn(8, 3, 8, 8, dtype=torch.float64), torch.randint(0, 10, (8,))
    plain = finite_sum(grasp_per_layer(model, x, y))
    rewritten = proxies.get("grasp").score(model, Batch(x, y))
    assert math.isfinite(plain) and plain != 0.0
    assert rewritten == pytest.approx(plain, rel=1e-10)
