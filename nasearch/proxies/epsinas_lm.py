"""epsinas on language models (paper 001, NAS-Bench-NLP; Tables 5, 8 and 11).

As the authors' NAS-Bench-NLP code computes it: every weight and bias of the recurrent cells is
set to one constant w, the initial hidden states are filled with w, the embedding is drawn once
(seeded, the same for both constants; the reference draws U(0, 1)), the network runs in eval
mode (no dropout) on a batch of token ids, and the output is the last recurrent layer's first
unit at every step and sequence (before the decoder). The two outputs (w = 1e-5 and 1e-3 by
default, the paper's NLP pair) go through the same statistic as image epsinas: min-max
normalisation, zeros dropped, MAE over the mean. Higher is better; NaN when undefined.

``method``: ``plain`` runs the network; ``narrow`` uses the network's exact one-unit-per-layer
computation (``constant_weight_hidden``): with constant weights and a constant initial state,
every unit of a layer holds the same value at every step, so one unit carries the network
(checked in the tests and in ``experiments/nlp``); ``auto`` (default) narrows when the
network offers it. Embedding initialisations (Table 11): ``uniform_positive_0.1`` U(0, 0.1),
``uniform_positive_1`` U(0, 1), ``uniform_centered_0.1`` U(-0.1, 0.1), ``uniform_centered_1``
U(-1, 1), ``normal_0.1`` N(0, 0.1²), ``normal_1`` N(0, 1).
"""

from __future__ import annotations

import math
from typing import Literal, Protocol, Sequence, runtime_checkable

import numpy as np
import torch
from pydantic import field_validator
from torch import nn

from nasearch.interfaces import Batch, Config, Proxy
from nasearch.proxies.epsinas import epsinas_statistic
from nasearch.registry import register_proxy

EMBEDDINGS = ("uniform_positive_0.1", "uniform_positive_1", "uniform_centered_0.1", "uniform_centered_1",
              "normal_0.1", "normal_1")
Embedding = Literal["uniform_positive_0.1", "uniform_positive_1", "uniform_centered_0.1", "uniform_centered_1",
                    "normal_0.1", "normal_1"]


@runtime_checkable
class ConstantWeightLanguageModel(Protocol):
    """What epsinas-lm needs of a language model (``NLPNetwork`` has it)."""

    encoder: nn.Embedding
    rnns: nn.ModuleList

    def layer_outputs(self, tokens: torch.Tensor, hidden: list[list[torch.Tensor]] | None = None
                      ) -> list[torch.Tensor]: ...

    def init_hidden(self, batch_size: int, value: float = 0.0) -> list[list[torch.Tensor]]: ...

    def constant_weight_hidden(self, tokens: torch.Tensor, values: Sequence[float], embedding: torch.Tensor,
                               bias: str = "constant", hidden: str = "constant",
                               dtype: torch.dtype = torch.float32) -> torch.Tensor: ...


class EpsinasLMConfig(Config):
    weights: tuple[float, float] = (1e-5, 1e-3)
    embedding: Embedding = "uniform_positive_1"
    embedding_seed: int = 21  # the reference seeds 21 before drawing the embedding
    bias: Literal["constant", "zero"] = "constant"  # reference code: cell biases = the constant
    hidden: Literal["constant", "zero"] = "constant"  # reference code: initial state = the constant
    dtype: Literal["float32", "float64"] = "float32"
    method: Literal["auto", "plain", "narrow"] = "auto"

    @field_validator("weights")
    @classmethod
    def _finite(cls, weights: tuple[float, float]) -> tuple[float, float]:
        if not all(math.isfinite(w) for w in weights):
            raise ValueError(f"epsinas weights must be finite numbers, got {weights}")
        return weights


def draw_embedding(kind: str, shape: tuple[int, int], seed: int) -> torch.Tensor:
    """The embedding weight for one of ``EMBEDDINGS``, drawn from a seeded generator."""
    generator = torch.Generator().manual_seed(seed)
    if kind.startswith("uniform_"):
        scale = float(kind.rsplit("_", 1)[1])
        low = 0.0 if "positive" in kind else -scale
        return torch.rand(shape, generator=generator, device="cpu") * (scale - low) + low
    if kind.startswith("normal_"):
        return torch.randn(shape, generator=generator, device="cpu") * float(kind.rsplit("_", 1)[1])
    raise ValueError(f"unknown embedding initialisation {kind!r}; choose one of {', '.join(EMBEDDINGS)}")


def plain_outputs(model: nn.Module, tokens: torch.Tensor, weights: Sequence[float], embedding: torch.Tensor,
                  bias: str, hidden: str, dtype: torch.dtype) -> list[np.ndarray]:
    """The reference computation: the full network, first unit of the last layer, per constant."""
    from nasearch.proxies._modules import materialise

    model = materialise(model).to(dtype).eval()
    outputs = []
    with torch.no_grad():
        model.encoder.weight.copy_(embedding.to(dtype))
        for w in weights:
            for layer in model.rnns.modules():
                if isinstance(layer, nn.Linear):
                    layer.weight.fill_(w)
                    if layer.bias is not None:
                        layer.bias.fill_(w if bias == "constant" else 0.0)
            state = model.init_hidden(tokens.shape[0], w if hidden == "constant" else 0.0)
            last = model.layer_outputs(tokens, state)[-1]
            outputs.append(last[..., 0].double().cpu().numpy())
    return outputs


@register_proxy("epsinas-lm")
class EpsinasLM(Proxy):
    """epsinas for language models (paper 001's NLP setting: weights 1e-5 and 1e-3, embedding U(0, 1), hidden state at the constant)."""

    higher_is_better = True
    needs_data = True
    needs_random_init = False  # every weight used is set here; the network may be on the meta device
    isomorphism_invariant = True
    task_kinds = frozenset({"language"})
    Config = EpsinasLMConfig

    def __init__(self, **config) -> None:
        super().__init__(**config)
        self.last_method = ""

    def score(self, model: nn.Module, batch: Batch) -> float:
        if not isinstance(model, ConstantWeightLanguageModel):
            raise ValueError("epsinas-lm scores language models with an embedding and recurrent layers "
                             f"(like the nlp space's network), not {type(model).__name__}")
        cfg: EpsinasLMConfig = self.config
        tokens = batch.inputs
        if tokens.is_floating_point() or tokens.ndim != 2:
            raise ValueError(f"epsinas-lm needs token ids (N, T), got {tokens.dtype} {tuple(tokens.shape)}")
        dtype = torch.float64 if cfg.dtype == "float64" else torch.float32
        embedding = draw_embedding(cfg.embedding, tuple(model.encoder.weight.shape), cfg.embedding_seed)
        if cfg.method == "plain":
            low, high = plain_outputs(model, tokens, cfg.weights, embedding, cfg.bias, cfg.hidden, dtype)
            self.last_method = "plain"
        else:
            with torch.no_grad():
                out = model.constant_weight_hidden(tokens, cfg.weights, embedding, cfg.bias, cfg.hidden, dtype)
            low, high = out[0].double().cpu().numpy(), out[1].double().cpu().numpy()
            self.last_method = "narrow"
        return epsinas_statistic(low.ravel(), high.ravel())
