"""Language-modelling tasks and minibatches of token ids.

Tasks ``ptb`` (Penn Treebank, vocabulary 10,000) and ``wikitext2`` (WikiText-2, vocabulary
33,278) are registered on import, with the benchmark's training sequence length (70).

A language ``Batch`` holds ``inputs``: token ids (N, T) as int64, and ``labels``: the next-token
targets flattened to (N*T,) in (sample, step) order, which is the row order of a language
model's (N*T, vocab) logits, so ``F.cross_entropy(model(inputs), labels)`` is the language
model loss, as in the benchmark's training code.

Sources: a token stream read from a user's file (``.npy`` with a 1-D integer array, or a
text file tokenised as the benchmark's ``data.Corpus`` does: whitespace-split words and an
``<eos>`` after each line, ids in order of first appearance, so the PTB training file gives
the official ids), and synthetic streams that need no file: ``uniform`` (i.i.d. uniform
ids) and ``zipf`` (i.i.d. ids with probability proportional to 1/(rank+1), the shape of word
frequencies). The stream is cut into N contiguous rows as the benchmark's ``batchify`` does,
and the batch is the T columns from an offset (0 for seed 0, as the epsinas reference uses).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from nasearch.fingerprint import fingerprint
from nasearch.interfaces import Batch, LanguageTask, Task, register_task

PTB = register_task(LanguageTask("ptb", vocab_size=10_000, seq_len=70))
WIKITEXT2 = register_task(LanguageTask("wikitext2", vocab_size=33_278, seq_len=70))
SYNTHETIC_TOKENS = ("uniform", "zipf")


def _fingerprint(tokens: torch.Tensor, targets: torch.Tensor) -> str:
    return fingerprint(tokens, targets)


def read_tokens(path: str | Path) -> tuple[np.ndarray, dict[str, int] | None]:
    """(token stream, vocabulary or None) from a ``.npy`` array or a text file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"token file {str(path)!r} does not exist; pass a .npy array of token ids, "
                                f"a text file, or one of {', '.join(SYNTHETIC_TOKENS)}")
    if path.suffix == ".npy":
        tokens = np.load(path, allow_pickle=False)
        if tokens.ndim != 1 or not np.issubdtype(tokens.dtype, np.integer):
            raise ValueError(f"{path} must hold a 1-D array of integer token ids, got {tokens.dtype} {tokens.shape}")
        return tokens.astype(np.int64), None
    vocab: dict[str, int] = {}
    ids: list[int] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            for word in line.split() + ["<eos>"]:
                ids.append(vocab.setdefault(word, len(vocab)))
    return np.asarray(ids, dtype=np.int64), vocab


def synthetic_tokens(kind: str, vocab_size: int, length: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.integers(vocab_size, size=length, dtype=np.int64)
    if kind == "zipf":
        p = 1.0 / np.arange(1, vocab_size + 1)
        return rng.choice(vocab_size, size=length, p=p / p.sum()).astype(np.int64)
    raise ValueError(f"unknown synthetic tokens {kind!r}; choose {', '.join(SYNTHETIC_TOKENS)} or a file path")


def token_batch(tokens: np.ndarray, task: Task, batch_size: int, seq_len: int | None = None,
                offset: int | None = None, seed: int = 0) -> Batch:
    """The (N, T) inputs and flattened next-token targets of a token stream (see module docstring)."""
    if not isinstance(task, LanguageTask):
        raise ValueError(f"token batches are for language tasks, not the {task.kind} task {task.name!r}")
    tokens = np.asarray(tokens)
    if tokens.ndim != 1 or not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(f"a token stream is a 1-D array of integer ids, got {tokens.dtype} {tokens.shape}")
    if len(tokens) and (tokens.min() < 0 or tokens.max() >= task.vocab_size):
        raise ValueError(f"token ids must lie in 0..{task.vocab_size - 1} for task {task.name!r}, "
                         f"got {int(tokens.min())}..{int(tokens.max())}")
    seq_len = seq_len or task.seq_len
    columns = len(tokens) // batch_size
    if columns < seq_len + 1:
        raise ValueError(f"{len(tokens)} tokens give {batch_size} rows of {columns}; a batch of sequence length "
                         f"{seq_len} needs rows of at least {seq_len + 1} tokens: use a smaller batch or a longer text")
    rows = torch.as_tensor(tokens[: columns * batch_size].reshape(batch_size, columns))
    if offset is None:
        offset = 0 if seed == 0 else int(np.random.default_rng(seed).integers(columns - seq_len))
    if not 0 <= offset <= columns - seq_len - 1:
        raise ValueError(f"offset {offset} is outside 0..{columns - seq_len - 1}")
    inputs = rows[:, offset: offset + seq_len].contiguous()
    targets = rows[:, offset + 1: offset + seq_len + 1].reshape(-1).contiguous()
    return Batch(inputs=inputs, labels=targets, fingerprint=_fingerprint(inputs, targets))


def language_batch(spec: str, task: Task, batch_size: int, seed: int = 0, seq_len: int | None = None) -> Batch:
    """``uniform`` | ``zipf`` | path of a ``.npy`` token array or a text file."""
    if not isinstance(task, LanguageTask):
        raise ValueError(f"token batches are for language tasks, not the {task.kind} task {task.name!r}")
    seq_len = seq_len or task.seq_len
    if spec in SYNTHETIC_TOKENS:
        tokens = synthetic_tokens(spec, task.vocab_size, batch_size * (seq_len + 1), seed)
        batch = token_batch(tokens, task, batch_size, seq_len, offset=0)
        return Batch(batch.inputs, batch.labels, f"{spec}-{batch.fingerprint}")
    if not Path(spec).is_file():
        raise ValueError(f"unknown token data {spec!r}: use {', '.join(SYNTHETIC_TOKENS)} or the path of a .npy "
                         "token array or a text file")
    tokens, vocab = read_tokens(spec)
    if vocab is not None and len(vocab) > task.vocab_size:
        raise ValueError(f"{spec} has {len(vocab)} distinct words, more than the {task.vocab_size} of task "
                         f"{task.name!r}: pass the task's own corpus or a .npy array of ids")
    return token_batch(tokens, task, batch_size, seq_len, seed=seed)
