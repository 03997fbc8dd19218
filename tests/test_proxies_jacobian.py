"""jacov and paper 003's Jacobian scores against analytic Jacobians computed with numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from nasearch.interfaces import Batch
from nasearch.metrics import monotonicity
from nasearch.proxies.jacobian_score import cosine_similarity_score, eigen_similarity, js_bounds
from nasearch.registry import proxies

K = 1e-5


def f(v):
    return np.log(v + K) + 1.0 / (v + K)


def eig_score(rows):
    """Independent JS: np.corrcoef, np.linalg.eig (general solver), the paper's formula, exact bounds."""
    b = rows.shape[0]
    values = np.real(np.linalg.eig(np.corrcoef(rows))[0])
    raw = -np.sum(f(np.clip(values, 0, None)))
    low, high = -(f(b) + (b - 1) * f(0.0)), -b * f(1.0)
    return (raw - low) / (high - low)


def cos_score(rows, root=20.0):
    b = rows.shape[0]
    total = 0.0
    for i in range(b):
        for j in range(b):
            if i != j:
                cos = rows[i] @ rows[j] / (np.linalg.norm(rows[i]) * np.linalg.norm(rows[j]))
                total += min(abs(cos), 1.0) ** (1 / root)
    return 1 - total / (b * b - b)


class HalfSquare(nn.Module):
    """f(x) = ½‖x‖² per image, so ∂(Σ f)/∂x = x."""

    def forward(self, x):
        return 0.5 * (x ** 2).sum(dim=1, keepdim=True)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture
def data():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(6, 5, generator=gen, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    return x, y


def linear(d, m, seed=0):
    torch.manual_seed(seed)
    return nn.Linear(d, m, bias=False).double()


# --- jacov ---------------------------------------------------------------------------------

def test_jacov_of_half_square_is_eigen_score_of_inputs(data):
    x, _ = data
    values = np.real(np.linalg.eig(np.corrcoef(x.numpy()))[0])
    expected = -np.sum(f(np.clip(values, 0, None)))
    assert proxies.get("jacov").score(HalfSquare(), Batch(x)) == pytest.approx(expected, rel=1e-9)


def test_jacov_of_linear_map_has_rank_one_correlation(data):
    # J_b = Σ of the weight rows for every image: all rows equal, correlation all ones,
    # eigenvalues (B, 0, ..., 0)
    x, _ = data
    b = x.shape[0]
    expected = -(f(b) + (b - 1) * f(0.0))
    assert proxies.get("jacov").score(linear(5, 3), Batch(x)) == pytest.approx(expected, rel=1e-6)


def test_jacov_nan_when_output_ignores_input(data):
    x, _ = data
    assert math.isnan(proxies.get("jacov").score(nn.Sequential(nn.Linear(5, 3).double(), nn.Flatten(), ZeroOut()),
                                                 Batch(x)))


class ZeroOut(nn.Module):
    def forward(self, x):
        return x * 0.0


# --- similarities ------------------------------------------------------------------------------

def test_similarity_bounds():
    uncorrelated = np.array([[1.0, -1, 1, -1], [1, 1, -1, -1]])
    parallel = np.array([[1.0, 2, 3], [2, 4, 6]])
    assert eigen_similarity(uncorrelated) == pytest.approx(1.0)
    assert eigen_similarity(parallel) == pytest.approx(0.0, abs=1e-9)
    assert cosine_similarity_score(uncorrelated) == pytest.approx(1.0)
    assert cosine_similarity_score(-parallel * [[1], [-1]]) == pytest.approx(0.0)  # opposite = same
    low, high = js_bounds(2)
    assert high == pytest.approx(-2 * f(1.0)) and low == pytest.approx(-(f(2.0) + f(0.0)))


def test_similarities_nan_for_zero_row():
    rows = np.array([[1.0, 2, 3], [0, 0, 0], [3, 1, 2]])
    assert math.isnan(eigen_similarity(rows))
    assert math.isnan(cosine_similarity_score(rows))


# --- JS family on a linear classifier -------------------------------------------------------

def analytic_input_jacobian(model, x, y):
    """∂ Σ_b CE(W x_b, y_b) / ∂x_b = Wᵀ (softmax(W x_b) - onehot(y_b))."""
    w = model.weight.detach().numpy()
    xs = x.numpy()
    delta = softmax(xs @ w.T)
    delta[np.arange(len(y)), y.numpy()] -= 1
    return delta @ w


def test_js_and_jsc_match_analytic_jacobian(data):
    x, y = data
    model = linear(5, 3)
    rows = analytic_input_jacobian(model, x, y)
    assert proxies.get("js").score(model, Batch(x, y)) == pytest.approx(eig_score(rows), rel=1e-9)
    assert proxies.get("jsc").score(model, Batch(x, y)) == pytest.approx(cos_score(rows), rel=1e-9)


@pytest.mark.parametrize("name, base, amplitudes, times_clean", [
    ("sns", "js", (0.1,), False), ("snsc", "jsc", (0.1,), False),
    ("lns", "js", (10.0,), False), ("lnsc", "jsc", (10.0,), False),
    ("mnjs", "js", (0.1, 10.0, 100.0), True), ("mnjsc", "jsc", (0.1, 10.0, 100.0), True),
])
def test_noise_variants_follow_paper_formula(data, name, base, amplitudes, times_clean):
    x, y = data
    model = linear(5, 3)
    seed = 7
    eps = torch.randn(x.shape, generator=torch.Generator().manual_seed(seed), dtype=x.dtype)
    variance = float(np.var(x.numpy()))
    sim = eig_score if base == "js" else cos_score
    clean = sim(analytic_input_jacobian(model, x, y))
    expected = clean if times_clean else 1.0
    for a in amplitudes:
        noisy = sim(analytic_input_jacobian(model, x + a * variance * eps, y))
        expected *= 1 - abs(clean - noisy)
    got = proxies.get(name, seed=seed).score(model, Batch(x, y))
    assert got == pytest.approx(expected, rel=1e-9)
    assert got != proxies.get(name, seed=seed + 1).score(model, Batch(x, y))


def test_label_free_batch_is_rejected(data):
    x, _ = data
    for name in ("js", "sns", "pjs"):
        with pytest.raises(ValueError, match="needs labels"):
            proxies.get(name).score(linear(5, 3), Batch(x))


# --- parameter-space variants ------------------------------------------------------------------

class TwoLinear(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.first = nn.Linear(5, 4, bias=False).double()
        self.second = nn.Linear(4, 3, bias=False).double()
        self.unused = nn.Linear(2, 2, bias=False).double()  # not in forward: gradient None, skipped

    def forward(self, x):
        return self.second(self.first(x))


def analytic_weight_gradients(model, x, y):
    w1, w2 = model.first.weight.detach().numpy(), model.second.weight.detach().numpy()
    xs = x.numpy()
    h = xs @ w1.T
    delta = softmax(h @ w2.T)
    delta[np.arange(len(y)), y.numpy()] -= 1
    delta /= len(y)  # mean cross-entropy
    return (delta @ w2).T @ xs, delta.T @ h  # ∂L/∂W1 (4×5), ∂L/∂W2 (3×4)


def test_parameter_scores_match_analytic_gradients(data):
    x, y = data
    model = TwoLinear()
    g1, g2 = analytic_weight_gradients(model, x, y)
    s1, s2 = eig_score(g1), eig_score(g2)
    c1, c2 = cos_score(g1), cos_score(g2)
    batch = Batch(x, y)
    assert proxies.get("pjs").score(model, batch) == pytest.approx((s1 + s2) / 2, rel=1e-9)
    assert proxies.get("pjsc").score(model, batch) == pytest.approx((c1 + c2) / 2, rel=1e-9)
    assert proxies.get("wpjs").score(model, batch) == pytest.approx((s1 + 2 * s2) / 3, rel=1e-9)
    assert proxies.get("wpjsi").score(model, batch) == pytest.approx((2 * s1 + s2) / 3, rel=1e-9)
    assert all(p.grad is None for p in model.parameters())


def test_parameter_scores_nan_for_zero_gradient_row(data):
    x, y = data
    model = TwoLinear()
    with torch.no_grad():
        model.second.weight[:, 0] = 0.0  # unit 0 of the first layer reaches nothing: its gradient row is 0
    for name in ("pjs", "pjsc", "wpjs", "wpjsi"):
        assert math.isnan(proxies.get(name).score(model, Batch(x, y))), name


def test_unused_tensor_nan_when_not_skipped(data):
    x, y = data
    assert math.isnan(proxies.get("pjs", skip_zero_gradient=False).score(TwoLinear(), Batch(x, y)))


# --- monotonicity ------------------------------------------------------------------------------

def brute_monotonicity(x, y):
    n = len(x)
    total = sum(np.sign((x[i] - x[j]) * (y[i] - y[j])) for j in range(n) for i in range(j + 1, n))
    return abs(2.0 / (n * n - n) * total)


def test_monotonicity_equals_paper_formula_with_ties_and_nan():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, 60).astype(float)
    y = rng.integers(0, 8, 60).astype(float) + 0.1 * x
    assert monotonicity(x, y) == pytest.approx(brute_monotonicity(x, y), rel=1e-12)
    x_nan = np.append(x, np.nan)
    assert monotonicity(x_nan, np.append(y, 1.0)) == pytest.approx(brute_monotonicity(x, y), rel=1e-12)
    t = np.linspace(-10, 10, 50)
    assert monotonicity(t, np.exp(t)) == pytest.approx(1.0)
    assert monotonicity(t, -np.exp(t)) == pytest.approx(1.0)
    assert monotonicity(t, np.sin(t)) < 0.3


def test_family_scoring_shares_jacobians_and_matches_each_proxy():
    from nasearch.data import synthetic_batch
    from nasearch.interfaces import TASKS
    from nasearch.proxies import jacobian_score
    from nasearch.spaces.nb201 import NB201Space

    space, task = NB201Space(channels=4, cells_per_stage=1), TASKS["cifar10"]
    arch = space.parse("|nor_conv_3x3~0|+|avg_pool_3x3~0|skip_connect~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|")
    batch = synthetic_batch("normal", task, 12, seed=1)
    names = ["js", "jsc", "sns", "snsc", "lns", "lnsc", "mnjs", "mnjsc"]
    family = [proxies.get(n) for n in names]

    def model():
        torch.manual_seed(0)
        return space.build(arch, task)

    one_by_one = [p.score(model(), batch) for p in family]
    passes = []
    original = jacobian_score.loss_input_jacobian

    def counting(*args):
        passes.append(1)
        return original(*args)

    jacobian_score.loss_input_jacobian = counting
    try:
        together = jacobian_score.score_family(model(), batch, family)
    finally:
        jacobian_score.loss_input_jacobian = original
    assert together == one_by_one
    assert len(passes) == 4  # clean, 1/10, 10, 100
    with pytest.raises(ValueError, match="one noise draw"):
        jacobian_score.score_family(model(), batch, [proxies.get("sns"), proxies.get("lns", seed=1)])
