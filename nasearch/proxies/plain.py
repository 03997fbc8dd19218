"""plain (as NASLib / zero-cost-nas define it): Σ over conv/linear weights of θ · ∂L/∂θ.

One cross-entropy forward/backward pass on a labelled batch (train-mode batch norm). The
sum is signed (snip takes |θ · ∂L/∂θ|); Σ θ·∇L is dL(αθ)/dα at α = 1, so a layer followed by
train-mode batch norm contributes about 0 and on NAS-Bench-201 what remains is mostly the
classifier and the downsample convolutions. NASLib ranks higher as better and so does this
proxy; measured on NAS-Bench-201 that orientation correlates *negatively* with accuracy
(see experiments/proxies_new). NaN when the loss or the sum is not finite.
"""

from __future__ import annotations

import math

from torch import nn

from nasearch.interfaces import Batch, Proxy
from nasearch.proxies._grad import cross_entropy, grads_or_zeros, layer_weights, require_labels
from nasearch.registry import register_proxy


@register_proxy("plain")
class Plain(Proxy):
    """Σ θ · ∂L/∂θ over conv/linear weights (signed; higher is better as in NASLib)."""

    higher_is_better = True
    needs_labels = True
    needs_gradients = True
    needs_dead_branches = False

    def score(self, model: nn.Module, batch: Batch) -> float:
        labels = require_labels(batch, self.name)
        weights = layer_weights(model)
        loss = cross_entropy(model, batch.inputs, labels)
        if not bool(loss.isfinite()):
            return math.nan
        grads = grads_or_zeros(loss, weights)
        total = math.fsum(float((w.detach().double() * g.double()).sum()) for w, g in zip(weights, grads))
        return total if math.isfinite(total) else math.nan
