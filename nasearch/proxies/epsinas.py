"""epsinas (papers 000, 001): output dispersion under two constant shared-weight initialisations.

Every convolution, linear and normalisation weight of the network is set to one constant
(biases to zero), a minibatch is passed forward once per constant, each flattened output is
min-max normalised, exact zeros are treated as missing, and the score is the mean absolute
difference of the two normalised outputs divided by their joint mean. Higher is better.
Undefined cases (a constant output, every value missing, overflow) give NaN.

Computation (``method``): ``plain`` runs the full network once per constant (the
reference); ``narrow`` runs it one channel wide, exactly (see ``nasearch.proxies.narrow``),
both constants in one pass, without ever allocating the full-width network; ``auto`` (the
default) narrows when the network keeps its channels identical and falls back to ``plain``
otherwise. ``dtype`` float32 (default) keeps the reference code's NaN cells: with weights
(1e-7, 1) about 41% of NAS-Bench-201 cells (those where every path passes a convolution)
underflow to NaN, and a search ranks them last. That filter helps search on NAS-Bench-201
(top-64/top-5% 62 vs 37 for float64, pool-top N=1000 validation 91.11 vs 90.06; see
``experiments/epsinas`` and ``experiments/search``). ``dtype="float64"`` scores every cell
exactly (it agrees with the plain float64 network to ~1e-12) but on a scale where the
float32-NaN cells mix poorly with the others. ``method="plain"`` runs the reference network.

``whole_space=True`` (issue 14) scores every cell, on a log scale: log(float32 score) where
float32 is defined and positive; for the float32-NaN (or zero) cells (on NAS-Bench-201 those where every path passes a
convolution) the float64 score, mapped as ``nan_scale``·log(score) + ``nan_shift``; −inf where
even float64 has no dispersion to measure (no path from input to output, or an output that
underflows float64), ranked last as the reference ranks its NaN cells. The map merges the two
groups *by rank from the top* (the k-th best float32-NaN cell lands beside the k-th best float32
cell); its default constants were fitted without accuracies, by least squares between the two
groups' score quantiles matched that way, over all NAS-Bench-201 cells (CIFAR-10 images, batch
256; a fit on a random half gives 0.093 / −0.489). See ``experiments/ranking``.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from pydantic import field_validator

from nasearch.proxies._modules import NORM_LAYERS, WEIGHT_LAYERS, materialise
from nasearch.proxies.narrow import NotNarrowable, narrow_outputs
from nasearch.registry import register_proxy

Method = Literal["auto", "plain", "narrow"]


class EpsinasConfig(Config):
    weights: tuple[float, float] = (1e-7, 1.0)
    # BN batch statistics, as both references compute (the NB101 reference calls eval() but its
    # BatchNorm layers keep no running statistics, so they normalise with the batch's)
    train_mode: bool = True
    dtype: Literal["float32", "float64"] = "float32"  # see the module docstring
    method: Method = "auto"
    num_threads: int = 1  # torch threads for the narrow path (0: leave torch's setting)
    # issue 14: defined on every cell (see the module docstring); the two calibration constants
    # map log(float64 score) of float32-NaN cells onto the float32 cells' log scale
    whole_space: bool = False
    nan_scale: float = 0.0969
    nan_shift: float = -0.482

    @field_validator("weights")
    @classmethod
    def _finite(cls, weights: tuple[float, float]) -> tuple[float, float]:
        if not all(math.isfinite(w) for w in weights):
            raise ValueError(f"epsinas weights must be finite numbers, got {weights}")
        return weights


def set_constant_weights(model: nn.Module, value: float) -> None:
    """Weights of conv/linear/affine-norm layers := value, their biases := 0."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, WEIGHT_LAYERS) or (isinstance(module, NORM_LAYERS) and module.weight is not None):
                module.weight.fill_(value)
                if module.bias is not None:
                    module.bias.zero_()


def minmax(values: np.ndarray) -> np.ndarray:
    """Min-max normalisation to [0, 1]; infinities count as missing, a constant vector is all NaN."""
    v = np.where(np.isinf(values), np.nan, values.astype(np.float64))
    if np.all(np.isnan(v)):
        return v
    low, high = np.nanmin(v), np.nanmax(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (v - low) / (high - low)


def epsinas_statistic(output_low: np.ndarray, output_high: np.ndarray) -> float:
    """MAE of the two min-max normalised outputs over their mean (zeros count as missing)."""
    v = np.stack([minmax(np.ravel(output_low)), minmax(np.ravel(output_high))])
    v[v == 0] = np.nan
    if np.all(np.isnan(v)):
        return math.nan
    with np.errstate(invalid="ignore"), _quiet_nanmean():
        mae = np.nanmean(np.abs(v[0] - v[1]))
        mean = np.nanmean(v)
    score = mae / mean if mean != 0 else math.nan
    return float(score) if np.isfinite(score) else math.nan


class _quiet_nanmean:
    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def constant_outputs(model: nn.Module, inputs: torch.Tensor, weights: tuple[float, ...],
                     train_mode: bool, dtype: torch.dtype) -> list[np.ndarray]:
    """Flattened outputs of ``model`` on ``inputs`` for each constant weight."""
    model = model.to(dtype)
    model.train(train_mode)
    x = inputs.to(dtype)
    outputs = []
    with torch.no_grad():
        for value in weights:
            set_constant_weights(model, value)
            out = model(x)
            if isinstance(out, (tuple, list)):
                out = out[0]
            outputs.append(out.detach().double().cpu().numpy().reshape(out.shape[0], -1))
    tolerance = 1e-9 if dtype == torch.float64 else 1e-4
    collapsed = [collapse_identical_units(out, tolerance) for out in outputs]
    if len({c.shape for c in collapsed}) > 1:  # e.g. one output overflowed: compare them unit by unit
        return [out.ravel() for out in outputs]
    return collapsed


def collapse_identical_units(output: np.ndarray, rtol: float) -> np.ndarray:
    """One value per sample when all output units of every sample agree up to rounding, else all.

    Under constant weights a channel-symmetric network gives every output unit the same
    value, but BLAS sums them in different orders, so the copies differ in the last bits.
    ``epsinas_statistic`` drops exact zeros, and that rounding would then decide which copies
    of the smallest output count (about 1% of the score). Keeping one copy computes the exact
    network's statistic, the same one the narrow path computes.
    """
    if output.shape[1] == 1 or not np.isfinite(output).all():
        return output.ravel()
    if np.all(np.abs(output - output[:, :1]) <= rtol * np.abs(output).max()):
        return output[:, 0].copy()
    return output.ravel()


def epsinas_outputs(model: nn.Module, inputs: torch.Tensor, weights: tuple[float, ...], train_mode: bool,
                    dtype: torch.dtype, method: Method = "auto",
                    num_threads: int = 1) -> tuple[list[np.ndarray], str]:
    """(flattened output per constant, the method used: "narrow" or "plain").

    Narrowed outputs hold each distinct value once instead of once per output unit, which
    leaves ``epsinas_statistic`` unchanged.
    """
    if method != "plain":
        try:
            outputs = narrow_outputs(model, inputs, weights, train_mode, dtype, num_threads)
            return [out.double().cpu().numpy().ravel() for out in outputs], "narrow"
        except NotNarrowable as err:
            if method == "narrow":
                raise ValueError(f"epsinas method 'narrow' cannot handle this network: {err}. "
                                 "Use method='auto' (falls back to the plain path) or 'plain'.") from err
    return constant_outputs(materialise(model, device=inputs.device), inputs, weights, train_mode, dtype), "plain"


@register_proxy("epsinas")
class Epsinas(Proxy):
    """epsinas (reference weights 1e-7 and 1, train mode, float32; the exact narrow path when the network allows).

    ``last_method`` tells which computation the latest ``score`` used.
    """

    higher_is_better = True
    needs_data = True
    needs_random_init = False
    isomorphism_invariant = True  # a function of the network's outputs only
    infinite_values = True  # whole_space=True gives -inf to cells with no path (ranked last, not undefined)
    Config = EpsinasConfig

    def __init__(self, **config) -> None:
        super().__init__(**config)
        self.last_method = ""

    def check_task(self, task) -> None:
        if task.kind == "language":
            raise ValueError(f"proxy 'epsinas' scores image networks; for the language task {task.name!r} use "
                             "'epsinas-lm' (the paper's NLP setting: constant recurrent weights, hidden state at "
                             "the constant, a drawn embedding)")
        super().check_task(task)

    def score(self, model: nn.Module, batch: Batch) -> float:
        cfg: EpsinasConfig = self.config
        if cfg.whole_space:
            return self._whole_space(model, batch)
        return self._statistic(model, batch, torch.float64 if cfg.dtype == "float64" else torch.float32)

    def _statistic(self, model: nn.Module, batch: Batch, dtype: torch.dtype) -> float:
        cfg: EpsinasConfig = self.config
        (out_low, out_high), self.last_method = epsinas_outputs(
            model, batch.inputs, cfg.weights, cfg.train_mode, dtype, cfg.method, cfg.num_threads)
        return epsinas_statistic(out_low, out_high)

    def _whole_space(self, model: nn.Module, batch: Batch) -> float:
        cfg: EpsinasConfig = self.config
        value = self._statistic(model, batch, torch.float32)
        if value > 0:  # NaN and 0 (float32 underflow) go on to float64
            return math.log(value)
        value = self._statistic(model, batch, torch.float64)
        if math.isnan(value) or value <= 0:
            return -math.inf  # no measurable dispersion even in float64: ranked last
        return cfg.nan_scale * math.log(value) + cfg.nan_shift


class EpsinasWholeConfig(EpsinasConfig):
    whole_space: bool = True


@register_proxy("epsinas_whole")
class EpsinasWhole(Epsinas):
    """epsinas with ``whole_space=True`` by default: defined on every cell (log scale; see epsinas)."""

    Config = EpsinasWholeConfig
