"""The field's other proxies (issue 14), checked against values worked out by hand or computed
independently (numpy formulas on small networks whose gradients are known in closed form)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from nasearch import registry
from nasearch.interfaces import Batch, TASKS
from nasearch.proxies.az_nas import block_features, block_trainability, spectral_entropy
from nasearch.proxies.epe_nas import EPSILON
from nasearch.proxies.meco import min_correlation_eigenvalue
from nasearch.proxies.swap import distinct_columns
from nasearch.scoring import compute_score
from nasearch.spaces.nb201 import NB201Space

NEW = ["l2_norm", "plain", "epe_nas", "zen", "ntk", "linear_regions", "logsynflow", "meco", "swap",
       "az_expressivity", "az_progressivity", "az_trainability"]


class Flat(nn.Module):
    """x (N, C, 1, 1) -> Linear(C, K), no bias: logits = x Wᵀ."""

    def __init__(self, c: int, k: int):
        super().__init__()
        self.fc = nn.Linear(c, k, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1))


def proxy(name: str, **config):
    return registry.proxies.get(name, **config)


def test_registered_with_orientation():
    for name in NEW:
        p = proxy(name)
        assert p.name == name
    assert proxy("ntk").higher_is_better is False
    assert proxy("plain").needs_labels and proxy("epe_nas").needs_labels
    assert not proxy("l2_norm").needs_data and not proxy("zen").needs_data


def test_l2_norm_by_hand():
    net = nn.Sequential(nn.Conv2d(1, 2, 1, bias=False), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2, 2, bias=True))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([3.0, 4.0]).reshape(2, 1, 1, 1))  # ‖·‖ = 5
        net[3].weight.copy_(torch.tensor([[1.0, 2.0], [2.0, 4.0]]))  # ‖·‖ = 5; bias and BN excluded
        net[3].bias.fill_(100.0)
    assert proxy("l2_norm").score(net, Batch(torch.zeros(1, 1, 1, 1))) == pytest.approx(10.0)


def test_plain_equals_logit_identity():
    # for logits z = x Wᵀ, Σ W ⊙ ∂L/∂W = Σ z ⊙ ∂L/∂z with ∂L/∂z = (softmax(z) − onehot)/N
    torch.manual_seed(0)
    net = Flat(5, 3)
    x, y = torch.randn(8, 5, 1, 1), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    z = (x.flatten(1) @ net.fc.weight.T).detach().double().numpy()
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    expected = float(np.sum(z * (p - np.eye(3)[y.numpy()]) / 8))
    assert proxy("plain").score(net, Batch(x, y)) == pytest.approx(expected, rel=1e-5)


def test_epe_nas_linear_model_by_hand():
    # a linear model has the same input Jacobian for every image: every correlation is 1, so
    # s_c = n_c² log(1 + 1e-5) and the score is Σ_c n_c² log(1 + 1e-5)
    torch.manual_seed(0)
    net = Flat(6, 4)
    labels = torch.tensor([0, 0, 0, 1, 1, 2])  # class sizes 3, 2, 1
    score = proxy("epe_nas").score(net, Batch(torch.randn(6, 6, 1, 1), labels))
    assert score == pytest.approx((9 + 4 + 1) * math.log(1 + EPSILON), rel=1e-6)


def test_epe_nas_against_numpy_corrcoef():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Flatten(), nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    x, labels = torch.randn(7, 6, 1, 1), torch.tensor([0, 0, 0, 1, 1, 1, 1])
    xr = x.clone().requires_grad_(True)
    (jac,) = torch.autograd.grad(net(xr).sum(), xr)
    rows = jac.reshape(7, -1).double().numpy()
    stats = [np.sum(np.log(np.abs(np.corrcoef(rows[labels.numpy() == c])) + 1e-5)) for c in (0, 1)]
    assert proxy("epe_nas").score(net, Batch(x, labels)) == pytest.approx(sum(abs(s) for s in stats), rel=1e-9)
    sizes = np.array([3, 4])
    s = np.array(stats) / sizes
    pairwise = np.abs(s[:, None] - s[None, :]).sum() / 2
    assert proxy("epe_nas", aggregation="pairwise").score(net, Batch(x, labels)) == pytest.approx(pairwise, rel=1e-9)


def test_epe_nas_nan_without_path():
    net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    with torch.no_grad():
        net[1].weight.zero_()
    assert math.isnan(proxy("epe_nas").score(net, Batch(torch.randn(4, 4, 1, 1), torch.tensor([0, 0, 1, 1]))))


class PoolNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1, bias=False)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(1, 2, bias=False)

    def forward(self, x):
        return self.fc(self.pool(self.conv(x)).flatten(1))


def test_zen_by_hand():
    # no batch norm: f = w·x before pooling, so zen = log(mean_b Σ_hw |w γ ε_b|), with w, x and ε
    # drawn in the proxy's order after the same seed (conv weight, linear weight, x, ε)
    shape = (3, 1, 2, 2)
    torch.manual_seed(5)
    w = torch.randn(1)
    torch.randn(2)  # the linear weight
    torch.randn(shape)
    eps = torch.randn(shape)
    expected = math.log(float((w * 0.01 * eps).abs().sum((1, 2, 3)).mean()))
    net = PoolNet()
    torch.manual_seed(5)
    assert proxy("zen").score(net, Batch(torch.zeros(shape))) == pytest.approx(expected, rel=1e-4)


def test_zen_batch_norm_term_uses_running_var():
    # a BN after the conv: running_var after two train passes from 1, momentum 0.1, is
    # 0.81 + 0.09 v1 + 0.1 v2 (unbiased batch variances); zen adds ½ log of it
    net = nn.Sequential(nn.Conv2d(1, 1, 1, bias=False), nn.BatchNorm2d(1), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(1, 2, bias=False))
    shape = (4, 1, 3, 3)
    torch.manual_seed(2)
    w = torch.randn(1)
    torch.randn(2)
    x, eps = torch.randn(shape), torch.randn(shape)
    a, b = w * x, w * (x + 0.01 * eps)
    v1, v2 = float(a.var(unbiased=True)), float(b.var(unbiased=True))
    na = (a - a.mean()) / torch.sqrt(a.var(unbiased=False) + 1e-5)
    nb = (b - b.mean()) / torch.sqrt(b.var(unbiased=False) + 1e-5)
    expected = math.log(float((na - nb).abs().sum((1, 2, 3)).mean())) + 0.5 * math.log(0.81 + 0.09 * v1 + 0.1 * v2)
    torch.manual_seed(2)
    assert proxy("zen").score(net, Batch(torch.zeros(shape))) == pytest.approx(expected, rel=1e-4)


def test_ntk_linear_model_closed_form():
    # logits = W x: ∂Σ_k z_k(x_i)/∂W = 1_K ⊗ x_i, so Θ = K·X Xᵀ and κ = cond(X Xᵀ)
    torch.manual_seed(0)
    net = Flat(6, 3)
    x = torch.randn(4, 6, 1, 1)
    xs = x.flatten(1).double().numpy()
    eig = np.linalg.eigvalsh(3 * xs @ xs.T)
    assert proxy("ntk").score(net, Batch(x)) == pytest.approx(eig[-1] / eig[0], rel=1e-6)
    assert math.isnan(proxy("ntk").score(net, Batch(torch.zeros(4, 6, 1, 1))))  # Θ = 0


def test_linear_regions_counts_patterns_by_hand():
    net = nn.Sequential(nn.Conv2d(1, 1, 1, bias=False), nn.ReLU(), nn.Flatten(), nn.Linear(2, 1))
    with torch.no_grad():
        net[0].weight.fill_(1.0)
    # sign patterns of the 2 pixels: (+,-), (+,-), (-,+), (+,+) -> 3 distinct regions
    x = torch.tensor([[1.0, -1.0], [2.0, -3.0], [-1.0, 1.0], [1.0, 1.0]]).reshape(4, 1, 1, 2)
    assert proxy("linear_regions", crop=None).score(net.eval(), Batch(x)) == 3.0


def test_swap_distinct_columns_by_hand():
    codes = torch.tensor([[1, 0, 1, 1], [0, 0, 1, 1]], dtype=torch.bool)  # columns 10, 00, 11, 11
    assert distinct_columns(codes) == 3
    wide = torch.rand(70, 50) > 0.5
    wide[:, 1] = wide[:, 0]
    assert distinct_columns(wide) == torch.unique(wide.T.to(torch.uint8), dim=0).shape[0] == 49


def test_reg_swap_prior_by_hand():
    net = nn.Sequential(nn.Conv2d(1, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(2, 1))  # 4 + 3 = 7 parameters
    batch = Batch(torch.randn(4, 1, 1, 1))
    torch.manual_seed(0)
    plain = proxy("swap", repeats=2, samples=4).score(net, batch)
    torch.manual_seed(0)
    reg = proxy("swap", repeats=2, samples=4, mu=0.005, sigma=0.001).score(net, batch)
    assert reg == pytest.approx(plain * math.exp(-((0.007 - 0.005) ** 2) / 0.001))
    with pytest.raises(ValueError, match="mu and sigma"):
        proxy("swap", mu=1.0).score(net, batch)


def test_meco_eigenvalues_by_hand():
    uncorrelated = torch.tensor([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]])  # R = I
    assert min_correlation_eigenvalue(uncorrelated, None) == pytest.approx(1.0)
    correlated = torch.tensor([[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.1]])
    assert min_correlation_eigenvalue(correlated, None) == pytest.approx(1 - np.corrcoef(correlated.numpy())[0, 1])
    constant = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0]])  # NaN entries -> 0: R = diag(0, 1)
    assert min_correlation_eigenvalue(constant, None) == pytest.approx(0.0)


def test_meco_sums_over_every_hooked_module():
    # root Sequential and its Identity both output the same 2-channel map with R = I: 1 + 1
    net = nn.Sequential(nn.Identity())
    x = torch.tensor([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]]).reshape(1, 2, 2, 2)
    assert proxy("meco").score(net, Batch(x)) == pytest.approx(2.0)


class Scale(nn.Module):
    def __init__(self, a: float):
        super().__init__()
        self.a = a

    def forward(self, x):
        return self.a * x


def test_az_trainability_by_hand():
    # one channel: M = a·mean(v²) = a, so σ = |a| and a block scores 2 − a − 1/(a + 1e-6)
    x = torch.randn(2, 1, 3, 3, requires_grad=True)
    net = nn.Sequential(Scale(0.5), Scale(3.0))
    f = block_features(net, x, keep_graph=True)
    assert len(f) == 3 and f[0] is x
    assert block_trainability(f[0], f[1]) == pytest.approx(2 - 0.5 - 1 / (0.5 + 1e-6))
    assert block_trainability(f[1], f[2]) == pytest.approx(2 - 3.0 - 1 / (3.0 + 1e-6))
    ident = block_features(nn.Sequential(nn.Identity(), Scale(2.0)), x, keep_graph=True)
    assert math.isnan(block_trainability(ident[0], ident[1]))


def test_az_spectral_entropy_by_hand():
    # 4 channels with equal, uncorrelated variance: p = 1/4 each, H = −Σ ¼ log(¼ + 1e-8) ≈ log 4
    x = torch.tensor(np.kron(np.eye(4), [1.0, -1.0])).T.reshape(8, 4, 1, 1).float()
    assert spectral_entropy(x) == pytest.approx(-math.log(0.25 + 1e-8), rel=1e-6)
    one = torch.zeros(8, 4, 1, 1)
    one[:, 0, 0, 0] = torch.arange(8.0)  # a single non-constant channel: H = 0
    assert spectral_entropy(one) == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(spectral_entropy(torch.zeros(8, 4, 1, 1)))


def test_logsynflow_two_layer_closed_form():
    # R = Σ_j |v_j| Σ_k |W_jk| on ones: ∂R/∂W_jk = |v_j|, ∂R/∂v_j = Σ_k |W_jk|
    net = nn.Sequential(nn.Flatten(), nn.Linear(3, 2, bias=False), nn.ReLU(), nn.Linear(2, 1, bias=False))
    from nasearch.proxies._init import initialise

    torch.manual_seed(0)
    reference = initialise(net, "kaiming_fan_out")  # the proxy's own draw (it works on a copy)
    torch.manual_seed(0)
    score = proxy("logsynflow", repeats=1).score(net, Batch(torch.zeros(1, 3, 1, 1)))
    w, v = reference[1].weight.detach().abs().double(), reference[3].weight.detach().abs().double()[0]
    expected = float((w * torch.log1p(v[:, None])).sum() + (v * torch.log1p(w.sum(1))).sum())
    assert score == pytest.approx(expected, rel=1e-12)


@pytest.fixture(scope="module")
def tiny_nb201():
    space = NB201Space(channels=4, cells_per_stage=1)
    torch.manual_seed(0)
    batch = Batch(torch.randn(8, 3, 8, 8), torch.arange(8) % 3, fingerprint="test")
    return space, TASKS["cifar10"], batch


@pytest.mark.parametrize("name", NEW)
def test_every_new_proxy_on_nb201(name, tiny_nb201):
    space, task, batch = tiny_nb201
    config = {"repeats": 2} if name == "swap" else {"samples": 50} if name == "linear_regions" else {}
    good = space.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|")
    value, _ = compute_score(space, good, task, proxy(name, **config), batch, seed=0)
    assert math.isfinite(value)
    again, _ = compute_score(space, good, task, proxy(name, **config), batch, seed=0)
    assert again == value  # seeded
    empty = space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    value, _ = compute_score(space, empty, task, proxy(name, **config), batch, seed=0)
    if name in ("epe_nas", "zen", "ntk", "az_expressivity", "az_progressivity"):
        assert math.isnan(value)  # no path from input to output
    if name == "logsynflow":
        assert value == 0.0


def test_epsinas_whole_space_option():
    # float32 defined: log of the float32 score; float32 NaN (every path passes a convolution:
    # underflow in float32, not in float64): nan_scale·log(float64 score) + nan_shift; no path: −inf
    space = NB201Space()  # the full network: the narrow path makes it cheap
    task = TASKS["cifar10"]
    torch.manual_seed(0)
    batch = Batch(torch.rand(16, 3, 32, 32), fingerprint="t")
    w = (1e-7, 1.0)
    convs = space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|")
    skip = space.parse("|skip_connect~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|")
    empty = space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")

    def score(arch, **config):
        return compute_score(space, arch, task, proxy("epsinas", weights=w, **config), batch, seed=0)[0]

    assert not score(convs) > 0  # float32 underflows (NaN or 0)
    v64 = score(convs, dtype="float64")
    assert score(convs, whole_space=True) == pytest.approx(0.0969 * math.log(v64) - 0.482)
    assert score(convs, whole_space=True, nan_scale=1.0, nan_shift=0.0) == pytest.approx(math.log(v64))
    assert score(skip, whole_space=True) == pytest.approx(math.log(score(skip)))
    assert score(empty, whole_space=True) == -math.inf
    assert proxy("epsinas_whole").config.whole_space
