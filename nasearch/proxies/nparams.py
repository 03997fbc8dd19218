"""nparams: the number of trainable parameters, the naive baseline every proxy must beat."""

from __future__ import annotations

from torch import nn

from nasearch.interfaces import Batch, Proxy
from nasearch.registry import register_proxy


@register_proxy("nparams")
class NParams(Proxy):
    """Trainable parameters of the network (higher is better). Needs no data."""

    higher_is_better = True
    needs_data = False
    needs_random_init = False  # works on a meta-device network: only shapes are read
    task_kinds = frozenset({"image", "language"})  # a tied embedding/decoder counts once

    def score(self, model: nn.Module, batch: Batch) -> float:
        return float(sum(p.numel() for p in model.parameters() if p.requires_grad))
