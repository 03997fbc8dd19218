"""Real training as a benchmark: NAS-Bench-201 cells trained for a short schedule on a user's images.

``ImageData`` holds train / validation / test images (from an ``.npz`` file or arrays);
``train_nb201(arch, data, config)`` trains the cell's network from scratch with SGD and a
cosine schedule and returns validation and test accuracy (percent) and the training seconds;
``TrainingBenchmark`` makes that the benchmark of any search::

    data = ImageData.from_npz("cifar10_partial_salvaged.npz", valid_fraction=0.2)
    bench = TrainingBenchmark(data, TrainingConfig(epochs=4))
    result = bench.train(space.parse("|nor_conv_3x3~0|+|...|"))   # really trains

The default schedule (4 epochs, the official C=16 skeleton with one cell per stage instead of
five) is sized to rank cells on a CPU in seconds to a minute each; experiments/automl/ measures
how it ranks against the 12-epoch and 200-epoch NAS-Bench-201 tables. Results depend on the
seed and, on GPU, on non-deterministic kernels; ``deterministic=True`` asks torch for
reproducible ones.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from pydantic import Field
from torch import nn

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, Config, ImageTask, TrainResult
from nasearch.spaces.nb201 import NB201Network


class TrainingConfig(Config):
    epochs: int = Field(4, ge=1, description="passes over the training images")
    batch_size: int = Field(64, ge=1)
    learning_rate: float = Field(0.05, gt=0, description="initial SGD learning rate (cosine decay to 0)")
    momentum: float = Field(0.9, ge=0, lt=1)
    weight_decay: float = Field(5e-4, ge=0)
    nesterov: bool = True
    channels: int = Field(16, ge=1, description="C: stem channels of the NB201 skeleton")
    cells_per_stage: int = Field(1, ge=1, description="N: cells per stage (the tables use 5)")
    augment: bool = Field(True, description="random crop (pad 4) and horizontal flip of training images")
    seed: int = 0
    device: str = Field("cpu", description="'cpu', 'cuda', 'cuda:1', ... or 'auto' (CUDA when available)")
    threads: int | None = Field(None, ge=1, description="torch CPU threads while training (None: leave as is)")
    deterministic: bool = False


@dataclass(frozen=True)
class ImageData:
    """Images (N, C, H, W) as float32 normalised tensors with integer labels, in three splits."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_valid: torch.Tensor
    y_valid: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int

    @classmethod
    def from_arrays(cls, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray | None = None,
                    y_test: np.ndarray | None = None, valid_fraction: float = 0.2, num_classes: int | None = None,
                    seed: int = 0, max_train: int | None = None, size: int | None = None) -> "ImageData":
        """Splits ``valid_fraction`` of the training images off as the validation split (seeded);
        the test split is ``x_test`` (the validation split again when there is none).

        Images are (N, C, H, W) or (N, H, W, C), uint8 pixels or floats; both are scaled to
        [0, 1] (uint8) and normalised with the training split's channel mean and std.
        ``max_train`` keeps only that many training images (after the split); ``size`` resizes
        every image to ``size`` x ``size`` (bilinear), e.g. 16 to train four times cheaper.
        """
        x_train, y_train = _checked(x_train, y_train, "train")
        if not 0 < valid_fraction < 1:
            raise ValueError(f"valid_fraction must be between 0 and 1 (exclusive), got {valid_fraction}")
        order = np.random.default_rng(seed).permutation(len(x_train))
        n_valid = int(round(valid_fraction * len(x_train)))
        if n_valid < 1 or n_valid >= len(x_train):
            raise ValueError(f"valid_fraction={valid_fraction} of {len(x_train)} images leaves an empty split")
        valid_idx, train_idx = order[:n_valid], order[n_valid:]
        if max_train is not None:
            train_idx = train_idx[:max_train]
        if (x_test is None) != (y_test is None):
            raise ValueError("pass both x_test and y_test, or neither")
        if x_test is not None:
            x_test, y_test = _checked(x_test, y_test, "test")
        else:
            x_test, y_test = x_train[valid_idx], y_train[valid_idx]
        if x_test.shape[1:] != x_train.shape[1:]:
            raise ValueError(f"test images have shape {x_test.shape[1:]}, training images {x_train.shape[1:]}")
        classes = int(max(y_train.max(), y_test.max())) + 1 if num_classes is None else num_classes
        if int(max(y_train.max(), y_test.max())) >= classes:
            raise ValueError(f"labels go up to {int(max(y_train.max(), y_test.max()))} but num_classes={classes}")
        scale = 255.0 if x_train.dtype == np.uint8 else 1.0
        train = torch.as_tensor(x_train[train_idx], dtype=torch.float32) / scale
        mean = train.mean(dim=(0, 2, 3), keepdim=True)
        std = train.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6)

        def norm(x: np.ndarray) -> torch.Tensor:
            out = (torch.as_tensor(x, dtype=torch.float32) / scale - mean) / std
            if size is not None and tuple(out.shape[2:]) != (size, size):
                out = nn.functional.interpolate(out, size=(size, size), mode="bilinear", align_corners=False,
                                                antialias=True)
            return out.contiguous()

        def labels(y: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(y, dtype=torch.long)

        return cls(norm(x_train[train_idx]), labels(y_train[train_idx]), norm(x_train[valid_idx]),
                   labels(y_train[valid_idx]), norm(x_test), labels(y_test), classes)

    @classmethod
    def from_npz(cls, path: str | Path, **kwargs) -> "ImageData":
        """``x_train``/``y_train`` and optional ``x_test``/``y_test`` arrays of an ``.npz`` file
        (never unpickled); keyword arguments as for ``from_arrays``."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"image file {str(path)!r} does not exist; pass an .npz with x_train and y_train")
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in ("x_train", "y_train") if k not in archive]
            if missing:
                raise KeyError(f"{path} lacks {', '.join(missing)} (it has {', '.join(archive.files)})")
            arrays = {k: archive[k] for k in ("x_train", "y_train", "x_test", "y_test") if k in archive}
        return cls.from_arrays(arrays["x_train"], arrays["y_train"], arrays.get("x_test"), arrays.get("y_test"),
                               **kwargs)

    @property
    def task(self) -> ImageTask:
        c, h, w = self.x_train.shape[1:]
        return ImageTask(f"images-{self.num_classes}", self.num_classes, (int(c), int(h), int(w)))


def _checked(x: np.ndarray, y: np.ndarray | None, split: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 4:
        raise ValueError(f"{split} images must be an array (N, C, H, W) or (N, H, W, C), got shape {x.shape}")
    if x.shape[1] not in (1, 3) and x.shape[-1] in (1, 3):
        x = x.transpose(0, 3, 1, 2)
    if y.shape != (len(x),):
        raise ValueError(f"{split} labels must have shape ({len(x)},), got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
        raise ValueError(f"{split} labels must be non-negative integers, got dtype {y.dtype}")
    return x, y


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} asked for, but torch sees no CUDA device; use device='cpu' or 'auto'")
    return device


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random crop with 4 pixels of zero padding and random horizontal flip, per image."""
    n, _, h, w = x.shape
    padded = nn.functional.pad(x, (4, 4, 4, 4))
    dy = torch.randint(0, 9, (n,), generator=gen, device="cpu").to(x.device)
    dx = torch.randint(0, 9, (n,), generator=gen, device="cpu").to(x.device)
    rows = (dy.view(n, 1) + torch.arange(h, device=x.device).view(1, h))  # (n, h)
    cols = (dx.view(n, 1) + torch.arange(w, device=x.device).view(1, w))  # (n, w)
    flip = torch.rand(n, generator=gen, device="cpu").to(x.device) < 0.5
    cols = torch.where(flip.view(n, 1), cols.flip(1), cols)
    index = torch.arange(n, device=x.device).view(n, 1, 1)
    out = padded.permute(0, 2, 3, 1)[index, rows.view(n, h, 1), cols.view(n, 1, w)]  # (n, h, w, c)
    return out.permute(0, 3, 1, 2).contiguous()


@torch.no_grad()
def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, device: torch.device, batch: int = 512) -> float:
    model.eval()
    correct = 0
    for start in range(0, len(x), batch):
        logits = model(x[start:start + batch].to(device))
        correct += int((logits.argmax(1).cpu() == y[start:start + batch]).sum())
    return 100.0 * correct / len(x)


def train_nb201(arch: Architecture, data: ImageData, config: TrainingConfig | None = None) -> TrainResult:
    """Train ``arch``'s NB201 network from scratch on ``data``; accuracies in percent.

    ``cost_seconds`` is the wall time of the training passes (evaluation excluded). A loss
    that becomes NaN or infinite stops training: the accuracies are then those of the
    diverged network (usually chance), never a substituted number.
    """
    config = config or TrainingConfig()
    if arch.space != "nb201":
        raise ValueError(f"train_nb201 trains NAS-Bench-201 cells, got a cell of space {arch.space!r}")
    device = _device(config.device)
    old_threads = torch.get_num_threads()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    old_deterministic = torch.are_deterministic_algorithms_enabled()
    try:
        if config.deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
        torch.manual_seed(config.seed)
        gen = torch.Generator().manual_seed(config.seed)
        model = NB201Network(arch.ops, data.num_classes, config.channels, config.cells_per_stage,
                             in_channels=data.x_train.shape[1]).to(device)
        optimiser = torch.optim.SGD(model.parameters(), lr=config.learning_rate, momentum=config.momentum,
                                    weight_decay=config.weight_decay, nesterov=config.nesterov and config.momentum > 0)
        steps_per_epoch = math.ceil(len(data.x_train) / config.batch_size)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=config.epochs * steps_per_epoch)
        loss_fn = nn.CrossEntropyLoss()
        x_all, y_all = data.x_train.to(device), data.y_train.to(device)
        start = time.perf_counter()
        diverged = False
        for _ in range(config.epochs):
            model.train()
            order = torch.randperm(len(x_all), generator=gen).to(device)
            for first in range(0, len(order), config.batch_size):
                index = order[first:first + config.batch_size]
                x = _augment(x_all[index], gen) if config.augment else x_all[index]
                loss = loss_fn(model(x), y_all[index])
                if not torch.isfinite(loss):
                    diverged = True
                    break
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                schedule.step()
            if diverged:
                break
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
        valid = _accuracy(model, data.x_valid, data.y_valid, device)
        test = _accuracy(model, data.x_test, data.y_test, device)
    finally:
        if config.threads is not None:
            torch.set_num_threads(old_threads)
        if config.deterministic:
            torch.use_deterministic_algorithms(old_deterministic)
    return TrainResult(valid, test, seconds)


class TrainingBenchmark(Benchmark):
    """Every NB201 cell is trained for real (``train_nb201``) when a search asks for it; the
    training seconds are the result's cost. Nothing is cached here: a search never trains a
    cell twice, and a user who wants caching wraps the benchmark."""

    name = "nb201-train"
    space_name = "nb201"

    def __init__(self, data: ImageData, config: TrainingConfig | None = None):
        self.data = data
        self.config = config or TrainingConfig()
        self.task = data.task

    def covers(self, arch: Architecture) -> bool:
        return arch.space == self.space_name

    def train(self, arch: Architecture) -> TrainResult:
        return train_nb201(arch, self.data, self.config)

    def manifest(self) -> dict[str, object]:
        return {"benchmark": self.name, "training": self.config.model_dump(mode="json"),
                "images": {"train": len(self.data.x_train), "valid": len(self.data.x_valid),
                           "test": len(self.data.x_test)}}
