"""Gradient saliencies, gradient statistics, SSNR/T-CET and cv against hand-worked values."""

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from nasearch import registry
from nasearch.data import synthetic_batch
from nasearch.interfaces import TASKS, Batch
from nasearch.proxies.compressibility import layer_snr, ssnr_from_layers, tcet_from_layers, weight_layer_kernels
from nasearch.proxies.cv import coefficient_of_variation
from nasearch.proxies.gradient_stats import gsnr_from_gradients, zico_from_gradients
from nasearch.spaces.nb201 import NB201Space

TINY = NB201Space(channels=4, cells_per_stage=1)
CIFAR = TASKS["cifar10"]


def proxy(name, **config):
    return registry.proxies.get(name, **config)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture
def linear_problem():
    """A one-layer linear classifier (no bias) and its cross-entropy gradient worked out by hand."""
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(6, 5, generator=gen, dtype=torch.float64)
    y = torch.tensor([0, 2, 1, 2, 0, 1])
    model = nn.Linear(5, 3, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(3, 5, generator=gen, dtype=torch.float64))
    w, xn = model.weight.detach().numpy(), x.numpy()
    onehot = np.eye(3)[y.numpy()]
    p = softmax(xn @ w.T)
    grad = (p - onehot).T @ xn / len(xn)  # dL/dW of the mean cross-entropy
    per_sample = [np.outer(p[i] - onehot[i], xn[i]) for i in range(len(xn))]
    return model, Batch(x, y), w, grad, per_sample, p, onehot


def test_grad_norm_and_snip_of_linear_classifier(linear_problem):
    model, batch, w, grad, *_ = linear_problem
    assert proxy("grad_norm").score(model, batch) == pytest.approx(np.linalg.norm(grad), rel=1e-10)
    assert proxy("snip").score(model, batch) == pytest.approx(np.abs(w * grad).sum(), rel=1e-10)


def test_grad_norm_is_a_sum_of_per_layer_norms():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2)).double()
    x, y = torch.randn(5, 4, dtype=torch.float64), torch.tensor([0, 1, 1, 0, 1])
    loss = nn.functional.cross_entropy(model(x), y)
    g1, g2 = torch.autograd.grad(loss, [model[0].weight, model[2].weight])
    assert proxy("grad_norm").score(model, Batch(x, y)) == pytest.approx(float(g1.norm() + g2.norm()), rel=1e-10)


def test_grad_sign_of_linear_classifier(linear_problem):
    model, batch, w, grad, per_sample, *_ = linear_problem
    expected = np.abs(np.sum([np.sign(g) for g in per_sample], axis=0)).sum()
    assert proxy("grad_sign").score(model, batch) == expected
    assert proxy("grad_sign", log=True).score(model, batch) == pytest.approx(math.log(expected))


def test_synflow_two_layer_linear_network_analytic():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 7), nn.BatchNorm1d(7), nn.Linear(7, 4))
    batch = Batch(torch.randn(3, 3, 2, 2))
    w1, b1 = model[1].weight.detach().double().abs(), model[1].bias.detach().double().abs()
    w2 = model[3].weight.detach().double().abs()
    ones = torch.ones(12, dtype=torch.float64)
    # R = 1ᵀ|W2|(|W1|1 + |b1|) + Σ|b2| with BN removed; W ⊙ ∂R/∂W summed per layer:
    term1 = float(w2.sum(0) @ (w1 @ ones))  # layer 1: ∂R/∂W1 = |W2|ᵀ1 1ᵀ
    term2 = float(w2.sum(0) @ (w1 @ ones + b1))  # layer 2: ∂R/∂W2 = 1 (|W1|1+|b1|)ᵀ
    value = proxy("synflow").score(model, batch)
    assert value == pytest.approx(term1 + term2, rel=1e-12)
    assert proxy("synflow", log=True).score(model, batch) == pytest.approx(math.log(term1 + term2))
    # the network handed in is left untouched (signs, BN layer, float32)
    assert isinstance(model[2], nn.BatchNorm1d) and model[1].weight.dtype == torch.float32
    assert (model[1].weight < 0).any()


def test_synflow_nan_when_log_of_zero():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2, bias=False))
    nn.init.zeros_(model[1].weight)
    batch = Batch(torch.randn(2, 1, 2, 2))
    assert proxy("synflow").score(model, batch) == 0.0
    assert math.isnan(proxy("synflow", log=True).score(model, batch))


def test_grasp_matches_finite_difference_hessian_vector_product():
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3)).double()
    x, y = torch.randn(7, 4, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1, 2, 0])
    weights = [model[0].weight, model[2].weight]

    def grads():
        loss = nn.functional.cross_entropy(model(x), y)
        return [g.detach().clone() for g in torch.autograd.grad(loss, weights)]

    g = grads()
    eps = 1e-5
    with torch.no_grad():
        for w, gi in zip(weights, g):
            w.add_(eps * gi)
    plus = grads()
    with torch.no_grad():
        for w, gi in zip(weights, g):
            w.sub_(2 * eps * gi)
    minus = grads()
    with torch.no_grad():
        for w, gi in zip(weights, g):
            w.add_(eps * gi)
    hg = [(p - m) / (2 * eps) for p, m in zip(plus, minus)]
    expected = float(sum((-w.detach() * h).sum() for w, h in zip(weights, hg)))
    assert proxy("grasp").score(model, Batch(x, y)) == pytest.approx(expected, rel=1e-6)


def test_fisher_against_direct_computation():
    torch.manual_seed(4)
    conv, lin = nn.Conv2d(2, 3, 3, padding=1, bias=False).double(), nn.Linear(3 * 4 * 4, 5).double()
    model = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), lin)
    x, y = torch.randn(6, 2, 4, 4, dtype=torch.float64), torch.tensor([0, 1, 2, 3, 4, 0])
    # direct: activations recomputed functionally, logits gradient written out by hand
    a1 = nn.functional.conv2d(x, conv.weight, padding=1).requires_grad_(True)
    logits = nn.functional.linear(torch.relu(a1).flatten(1), lin.weight, lin.bias)
    p = torch.softmax(logits, 1).detach()
    d_logits = (p - nn.functional.one_hot(y, 5).double()) / len(y)
    (d_a1,) = torch.autograd.grad(logits, a1, d_logits)
    fisher_conv = 0.5 * (a1.detach() * d_a1).sum(dim=(2, 3)).pow(2).mean(0).sum()
    fisher_lin = 0.5 * (logits.detach() * d_logits).pow(2).mean(0).sum()
    value = proxy("fisher").score(model, Batch(x, y))
    assert value == pytest.approx(float(fisher_conv + fisher_lin), rel=1e-10)


def test_zico_and_gsnr_formulas_by_hand():
    layer1 = torch.tensor([[1.0, 2.0, 5.0], [3.0, 2.0, -1.0]], dtype=torch.float64)  # 2 minibatches x 3 weights
    layer2 = torch.tensor([[0.0, 0.0], [0.0, 0.0]], dtype=torch.float64)  # dead layer: skipped
    # element 0: mean|g| 2, std 1 -> 2; element 1: std 0 -> left out; element 2: mean|g| 3, std 3 -> 1
    assert zico_from_gradients([layer1, layer2]) == pytest.approx(math.log(3.0))
    assert math.isnan(zico_from_gradients([layer2]))
    xi = 0.5
    expected = 2.0**2 / (1 + xi) + 2.0**2 / (0 + xi) + 2.0**2 / (9 + xi)
    assert gsnr_from_gradients([layer1, layer2], xi) == pytest.approx(expected)


def test_zico_on_network_matches_two_half_batch_gradients(linear_problem):
    model, batch, *_ = linear_problem
    grads = []
    for half in (slice(0, 3), slice(3, 6)):
        loss = nn.functional.cross_entropy(model(batch.inputs[half]), batch.labels[half])
        grads.append(torch.autograd.grad(loss, model.weight)[0].reshape(-1))
    g = torch.stack(grads).numpy()
    std, mean_abs = g.std(0), np.abs(g).mean(0)
    expected = math.log((mean_abs[std != 0] / std[std != 0]).sum())
    assert proxy("zico").score(model, batch) == pytest.approx(expected, rel=1e-10)


def test_ssnr_per_layer_formula():
    s1 = torch.tensor([1.0, 2.0, 3.0])  # S = 6, population std sqrt(2/3)
    s2 = torch.tensor([4.0, 4.0])  # sigma 0: left out
    s3 = torch.tensor([-1.0, 1.0, 3.0])  # S = 3, std sqrt(8/3)
    snr1, snr3 = 6 / math.sqrt(2 / 3), 3 / math.sqrt(8 / 3)
    assert layer_snr(s1) == pytest.approx(snr1)
    assert math.isnan(layer_snr(s2))
    assert ssnr_from_layers([s1, s2, s3]) == pytest.approx(snr1 + snr3)
    assert ssnr_from_layers([s1, s2, s3], log=True) == pytest.approx(math.log(snr1) + math.log(snr3))
    assert math.isnan(ssnr_from_layers([s2, torch.zeros(4)]))
    assert tcet_from_layers([s1, s2, s3], [2.0, 7.0, -1.0]) == pytest.approx(2 * snr1 - snr3)
    with pytest.raises(ValueError, match="pairs layers"):
        tcet_from_layers([s1], [1.0, 2.0])


def test_snip_snr_and_tcet_on_network_agree_with_parts():
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)).double()
    x, y = torch.randn(5, 6, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1])
    batch = Batch(x, y)
    loss = nn.functional.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, [model[0].weight, model[2].weight])
    sal = [(w.detach() * g).abs() for w, g in zip([model[0].weight, model[2].weight], grads)]
    snrs = [float(s.sum() / s.std(unbiased=False)) for s in sal]
    assert proxy("snip_snr").score(model, batch) == pytest.approx(sum(snrs), rel=1e-10)
    # kernels from each layer's output sign pattern
    logdets = []
    for out in (model[0](x), model[2](model[1](model[0](x)))):
        c = (out.detach() > 0).double()
        sign, ld = np.linalg.slogdet((c @ c.T + (1 - c) @ (1 - c).T).numpy())
        logdets.append(ld if sign != 0 else 0.0)
    assert weight_layer_kernels(model, x) == pytest.approx(logdets)
    assert proxy("tcet_snip").score(model, batch) == pytest.approx(sum(s * k for s, k in zip(snrs, logdets)))


def test_tcet_kernels_follow_kernel_mode_and_restore_the_model_mode():
    # the authors' compute_naswot takes the kernels in eval mode: BatchNorm on its running statistics
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 32)).double()
    with torch.no_grad():
        model[1].running_mean.fill_(0.3)  # make eval and train statistics differ
    x = torch.randn(7, 6, dtype=torch.float64)

    def manual(train: bool) -> list[float]:
        net = copy.deepcopy(model).train(train)  # a train-mode forward moves the running statistics
        with torch.no_grad():
            outs = [net[0](x), net[3](net[2](net[1](net[0](x))))]
        result = []
        for out in outs:
            c = (out > 0).double()
            sign, ld = np.linalg.slogdet((c @ c.T + (1 - c) @ (1 - c).T).numpy())
            result.append(ld if sign != 0 else 0.0)
        return result

    expected_eval, expected_train = manual(False), manual(True)
    assert expected_eval != expected_train
    model.train()
    assert weight_layer_kernels(model, x, "eval") == pytest.approx(expected_eval)
    assert model.training
    assert weight_layer_kernels(copy.deepcopy(model), x, "train") == pytest.approx(expected_train)
    assert proxy("tcet_snip").config.kernel_mode == "eval"


def test_non_finite_inputs_give_nan():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    x = torch.randn(4, 1, 2, 2)
    x[0, 0, 0, 0] = float("nan")
    batch = Batch(x, torch.tensor([0, 1, 0, 1]))
    for name in ["grad_norm", "snip", "grasp", "fisher", "snip_snr"]:
        assert math.isnan(proxy(name).score(model, batch)), name


def test_zico_needs_enough_images():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    with pytest.raises(ValueError, match="cannot split"):
        proxy("gsnr", splits=8).score(model, Batch(torch.randn(4, 1, 2, 2), torch.tensor([0, 1, 0, 1])))


def test_cv_by_hand_and_on_network():
    assert coefficient_of_variation([0.2, 0.4]) == pytest.approx(0.1 / 0.3)
    assert math.isnan(coefficient_of_variation([0.0, 0.0]))
    cls = registry.proxies.get_class("cv")
    assert cls.higher_is_better is False and cls.needs_labels
    arch = TINY.from_ops(["nor_conv_3x3"] * 6)
    batch = synthetic_batch("normal", CIFAR, 16)
    with torch.device("meta"):
        meta = TINY.build(arch, CIFAR)
    value = proxy("cv", inits=4).score(meta, batch)
    # independent: four networks initialised by seed, accuracies by hand
    accs = []
    for seed in range(4):
        torch.manual_seed(seed)
        model = TINY.build(arch, CIFAR).train()
        with torch.no_grad():
            accs.append(float((model(batch.inputs).argmax(1) == batch.labels).double().mean()))
    assert value == pytest.approx(np.std(accs) / np.mean(accs))


def test_combined_is_the_stated_standardisation():
    arch = TINY.from_ops(["nor_conv_3x3", "skip_connect", "nor_conv_1x1", "avg_pool_3x3", "none", "nor_conv_3x3"])
    batch = synthetic_batch("normal", CIFAR, 8)
    torch.manual_seed(0)
    model = TINY.build(arch, CIFAR)
    log_syn = proxy("synflow", log=True).score(model, batch)
    # naswot computed independently: kernel of ReLU-input codes, summed over ReLUs
    codes = []
    hooks = [m.register_forward_pre_hook(lambda m, a: codes.append((a[0].detach().flatten(1) > 0).double()))
             for m in model.modules() if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        model(batch.inputs)
    for h in hooks:
        h.remove()
    c = torch.cat(codes, 1)
    naswot = float(np.linalg.slogdet((c @ c.T + (1 - c) @ (1 - c).T).numpy())[1])
    expected = 0.6 * (naswot - 764.0) / 43.4 + 0.4 * (log_syn - 64.6) / 17.0
    assert proxy("combined").score(model, batch) == pytest.approx(expected)
