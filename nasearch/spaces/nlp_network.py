"""The NAS-Bench-NLP language model: an AWD-LSTM-style network whose recurrent layers run a
recipe cell (``nasearch.spaces.nlp_recipe``).

As in the benchmark's code (``model.AWDRNNModel`` with ``custom_rnn.CustomRNN``): embedding
400, 3 layers of the cell with 600 hidden units (the last has 400 when the decoder is tied to
the embedding), a decoder with the embedding's weight, locked (variational) dropout on the
embedding (``dropouti``), between layers (``dropouth``) and on the output (``dropout``),
embedding dropout (``dropoute``) and DropConnect on the recurrent weights (``wdrop``: every
linear input other than ``x``), all active only in training mode. Initialisation: embedding
and decoder U(-0.1, 0.1), decoder bias 0, every cell parameter U(-1/sqrt(H), 1/sqrt(H)).

Each ``linear`` node is one ``nn.Linear`` per input (the first one carries the bias), so
proxies that walk ``nn.Linear`` layers see every weight matrix. Input: token ids (N, T);
output: next-token logits (N*T, vocab), rows in (sample, step) order, which is how the
language batches of ``nasearch.language`` lay out their targets.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from nasearch.spaces.nlp_recipe import ACTIVATIONS, Recipe, topological_order

_ACTIVATION = {
    "activation_tanh": torch.tanh,
    "activation_sigm": torch.sigmoid,
    "activation_leaky_relu": F.leaky_relu,
}

LinearFn = Callable[[str, Sequence[torch.Tensor]], torch.Tensor]


def run_cell(recipe: Recipe, order: Sequence[str], x: torch.Tensor, hidden: Sequence[torch.Tensor],
             linear: LinearFn) -> list[torch.Tensor]:
    """One step of the cell: the new hidden states ``h_new_0..`` from ``x`` and ``hidden``."""
    ops, inputs = recipe.op_of(), recipe.inputs_of()
    values: dict[str, torch.Tensor] = {"x": x}
    for i, h in enumerate(hidden):
        values[f"h_prev_{i}"] = h
    for name in order:
        args = [values[s] for s in inputs[name]]
        op = ops[name]
        if op == "linear":
            values[name] = linear(name, args)
        elif op == "blend":
            values[name] = args[0] * args[1] + (1 - args[0]) * args[2]
        elif op == "elementwise_prod":
            values[name] = args[0] * args[1]
        elif op == "elementwise_sum":
            values[name] = args[0] + args[1]
        elif op in ACTIVATIONS:
            values[name] = _ACTIVATION[op](args[0])
        else:  # parse_recipe admits only the ops above
            raise ValueError(f"unknown op {op!r}")
    return [values[f"h_new_{i}"] for i in range(recipe.hidden)]


class RecurrentLayer(nn.Module):
    """One layer of the recipe cell run over a sequence (``custom_rnn.CustomRNN``)."""

    def __init__(self, recipe: Recipe, input_size: int, hidden_size: int, weight_drop: float = 0.0):
        super().__init__()
        self.recipe = recipe
        self.order = topological_order(recipe) or []
        self.input_size, self.hidden_size, self.weight_drop = input_size, hidden_size, weight_drop
        self.linears = nn.ModuleDict()
        for name, op, srcs in recipe.nodes:
            if op == "linear":
                self.linears[name] = nn.ModuleList(
                    nn.Linear(input_size if s == "x" else hidden_size, hidden_size, bias=k == 0)
                    for k, s in enumerate(srcs))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _weights(self) -> dict[str, list[torch.Tensor]]:
        """Each linear's input matrices, recurrent ones DropConnect-ed in training mode."""
        inputs = self.recipe.inputs_of()
        result = {}
        for name, layers in self.linears.items():
            result[name] = [F.dropout(m.weight, self.weight_drop, training=True)
                            if self.training and self.weight_drop and inputs[name][k] != "x" else m.weight
                            for k, m in enumerate(layers)]
        return result

    def forward(self, x: torch.Tensor, hidden: Sequence[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """x (T, N, input_size), hidden [(N, H)] -> outputs (T, N, H) (h_new_0 per step), last hidden."""
        weights = self._weights()

        def linear(name: str, args: Sequence[torch.Tensor]) -> torch.Tensor:
            out = F.linear(args[0], weights[name][0], self.linears[name][0].bias)
            for arg, w in zip(args[1:], weights[name][1:]):
                out = out + F.linear(arg, w)
            return out

        state = list(hidden)
        outputs = []
        for step in x.unbind(0):
            state = run_cell(self.recipe, self.order, step, state, linear)
            outputs.append(state[0])
        return torch.stack(outputs), state


class LockedDropout(nn.Module):
    """One dropout mask per sequence, shared by every step (variational dropout)."""

    def forward(self, x: torch.Tensor, p: float) -> torch.Tensor:
        if not self.training or not p:
            return x
        mask = x.new_empty(1, x.shape[1], x.shape[2]).bernoulli_(1 - p) / (1 - p)
        return x * mask


class NLPNetwork(nn.Module):
    """The benchmark's language model for one recipe (see the module docstring)."""

    def __init__(self, recipe: Recipe, vocab_size: int, embedding_size: int = 400, hidden_size: int = 600,
                 layers: int = 3, tied: bool = True, dropout: float = 0.1, dropouth: float = 0.25,
                 dropouti: float = 0.4, dropoute: float = 0.0, wdrop: float = 0.1):
        super().__init__()
        self.recipe = recipe
        self.vocab_size, self.embedding_size, self.hidden_size = vocab_size, embedding_size, hidden_size
        self.tied = tied
        self.dropout, self.dropouth, self.dropouti, self.dropoute = dropout, dropouth, dropouti, dropoute
        self.encoder = nn.Embedding(vocab_size, embedding_size)
        self.rnns = nn.ModuleList(
            RecurrentLayer(recipe, embedding_size if i == 0 else hidden_size,
                           embedding_size if (tied and i == layers - 1) else hidden_size, wdrop)
            for i in range(layers))
        self.decoder = nn.Linear(self.rnns[-1].hidden_size, vocab_size)
        if tied:
            self.decoder.weight = self.encoder.weight
        self.lockdrop = LockedDropout()
        self.init_weights()

    def init_weights(self) -> None:
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        if not self.tied:
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def init_hidden(self, batch_size: int, value: float = 0.0) -> list[list[torch.Tensor]]:
        """Initial hidden states of every layer, filled with ``value`` (the benchmark: 0)."""
        ref = self.encoder.weight
        return [[ref.new_full((batch_size, rnn.hidden_size), value) for _ in range(self.recipe.hidden)]
                for rnn in self.rnns]

    def _embed(self, tokens: torch.Tensor) -> torch.Tensor:
        weight = self.encoder.weight
        if self.training and self.dropoute:
            mask = weight.new_empty(weight.shape[0], 1).bernoulli_(1 - self.dropoute) / (1 - self.dropoute)
            weight = weight * mask
        return F.embedding(tokens, weight)

    def layer_outputs(self, tokens: torch.Tensor, hidden: list[list[torch.Tensor]] | None = None
                      ) -> list[torch.Tensor]:
        """Raw output (T, N, width) of every recurrent layer, before dropout, for tokens (N, T)."""
        if tokens.ndim != 2 or tokens.is_floating_point():
            raise ValueError(f"a language model reads integer token ids of shape (N, T), got "
                             f"{tokens.dtype} {tuple(tokens.shape)}")
        if hidden is None:
            hidden = self.init_hidden(tokens.shape[0])
        x = self.lockdrop(self._embed(tokens.t()), self.dropouti)
        raw = []
        for i, rnn in enumerate(self.rnns):
            out, _ = rnn(x, hidden[i])
            raw.append(out)
            x = self.lockdrop(out, self.dropouth if i != len(self.rnns) - 1 else self.dropout)
        self._last_dropped = x
        return raw

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        self.layer_outputs(tokens)
        out = self._last_dropped.transpose(0, 1)  # (N, T, width)
        return self.decoder(out.reshape(-1, out.shape[-1]))

    def constant_weight_hidden(self, tokens: torch.Tensor, values: Sequence[float], embedding: torch.Tensor,
                               bias: str = "constant", hidden: str = "constant",
                               dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """Exact narrow computation of the last layer's output when every cell weight equals one
        constant (the epsinas setting), for each constant, with ``embedding`` as the encoder
        weight. Needs no weights of the network itself (it may live on the meta device).

        Under such weights every unit of a linear node computes the same number from the same
        inputs, so (by induction over steps and layers, the initial hidden state being constant
        too) all units of every node are equal: one unit per layer suffices, a linear node being
        ``w * sum_k fan_in_k * v_k + bias`` and layer 0 reading the row sum of the embedding.
        ``bias``: "constant" (the epsinas reference code sets cell biases to the constant as
        well) or "zero"; ``hidden``: initial hidden state "constant" (the reference) or "zero".
        ``embedding`` may also stack several (E, vocab, width): the rows then run every
        embedding with every constant, embedding-major.
        Returns (E * len(values), T, N): the value every unit of the last layer's output holds.
        """
        if bias not in ("constant", "zero") or hidden not in ("constant", "zero"):
            raise ValueError(f"bias and hidden must be 'constant' or 'zero', got {bias!r}, {hidden!r}")
        emb_sum = embedding.to(dtype).sum(dim=-1).reshape(-1, embedding.shape[-2])  # (E, vocab)
        count = emb_sum.shape[0]
        w = torch.tensor(list(values) * count, dtype=dtype).view(-1, 1)  # (E*W, 1), broadcast over the batch
        x_seq = emb_sum[:, tokens.t()].repeat_interleave(len(values), dim=0)  # (E*W, T, N)
        fan_x = 1
        inputs = self.recipe.inputs_of()
        b = w if bias == "constant" else torch.zeros_like(w)
        h0 = w if hidden == "constant" else torch.zeros_like(w)
        for rnn in self.rnns:
            width = rnn.hidden_size

            def linear(name: str, args: Sequence[torch.Tensor], fan_x: int = fan_x, width: int = width
                       ) -> torch.Tensor:
                total = sum((fan_x if s == "x" else width) * a for s, a in zip(inputs[name], args))
                return w * total + b

            state = [h0.expand(-1, tokens.shape[0]).clone() for _ in range(self.recipe.hidden)]
            outputs = []
            for step in x_seq.unbind(1):
                state = run_cell(self.recipe, rnn.order, step, state, linear)
                outputs.append(state[0])
            x_seq = torch.stack(outputs, dim=1)
            fan_x = width
        return x_seq
