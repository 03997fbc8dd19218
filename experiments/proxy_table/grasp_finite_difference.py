"""grasp by double backward vs central finite differences of Wᵀ∇L along g, in float64 (small NB201 network).

    PYTHONPATH=$PWD .venv/bin/python experiments/proxy_table/grasp_finite_difference.py

grasp = -Wᵀ H g, and Wᵀ H g = d/dε [Wᵀ ∇L(θ + ε g)] at ε = 0. Source of the check quoted in notes.md
("Speed"): the double backward gives 1.7038; central differences agree at steps 1e-6 and 1e-7 and not at
1e-5 … 1e-3, where the steps cross ReLU kinks.
"""

import torch
import torch.nn.functional as F

from nasearch.interfaces import TASKS
from nasearch.proxies._modules import weight_layers
from nasearch.proxies.saliency import grasp_per_layer
from nasearch.spaces.nb201 import NB201Space


def main() -> None:
    torch.set_num_threads(1)
    space = NB201Space(channels=4, cells_per_stage=1)
    arch = space.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|")
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(16, 3, 8, 8, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 10, (16,), generator=gen)
    torch.manual_seed(0)
    model = space.build(arch, TASKS["cifar10"]).double()
    for module in model.modules():  # batch statistics only, so repeated passes see the same function
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.track_running_stats = False
    double_backward = sum(float(v.sum()) for v in grasp_per_layer(model, x, y))
    weights = [layer.weight for layer in weight_layers(model)]
    start = [w.detach().clone() for w in weights]

    def loss_grads() -> tuple[torch.Tensor, ...]:
        return torch.autograd.grad(F.cross_entropy(model(x), y), weights)

    g = [t.detach() for t in loss_grads()]

    def w_dot_grad(step: float) -> float:
        with torch.no_grad():
            for w, w0, gi in zip(weights, start, g):
                w.copy_(w0 + step * gi)
        return sum(float((w0 * gi).sum()) for w0, gi in zip(start, loss_grads()))

    print(f"double backward grasp {double_backward:.6f}")
    for step in [1e-3, 1e-4, 1e-5, 1e-6, 1e-7]:
        print(f"step {step:g}: finite-difference grasp {-(w_dot_grad(step) - w_dot_grad(-step)) / (2 * step):.6f}")


if __name__ == "__main__":
    main()
