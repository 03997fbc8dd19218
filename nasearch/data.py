"""Minibatch sources: a user's arrays or ``.npz`` file, and synthetic images.

Nothing is downloaded. Images are returned as float32 tensors (N, C, H, W), normalised with
the CIFAR-10 channel statistics when they come as uint8 pixels, as the reference NAS-Bench
code does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from nasearch.fingerprint import fingerprint
from nasearch.interfaces import Batch, Task

SYNTHETIC = ("grey", "uniform", "normal")
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


def make_batch(inputs: np.ndarray | torch.Tensor, labels: np.ndarray | torch.Tensor | None = None) -> Batch:
    """A Batch from arrays (float images as given; uint8 pixels are scaled and normalised)."""
    x = torch.as_tensor(np.asarray(inputs))
    if x.ndim != 4:
        raise ValueError(f"images must be an array (N, C, H, W), got shape {tuple(x.shape)}")
    if x.dtype == torch.uint8:
        x = x.float() / 255.0
        if x.shape[1] == 3:
            mean = torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)
            std = torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
            x = (x - mean) / std
    x = x.float().contiguous()
    y = None
    if labels is not None:
        y = torch.as_tensor(np.asarray(labels)).long()
        if y.shape != (x.shape[0],):
            raise ValueError(f"labels must have shape ({x.shape[0]},), got {tuple(y.shape)}")
    return Batch(inputs=x, labels=y, fingerprint=fingerprint(x, y))


def synthetic_batch(kind: str, task: Task, batch_size: int, seed: int = 0) -> Batch:
    """Synthetic images as studied in the epsinas paper (no labels unless the task needs them).

    ``grey``: each image one solid grey level (the same on every channel and pixel), the
    levels evenly spaced from black (0) to white (1) across the batch; ``uniform``: i.i.d.
    U(-1, 1) pixels; ``normal``: i.i.d. N(0, 1).
    Random labels are attached so that label-needing proxies can still run.
    """
    gen = torch.Generator().manual_seed(seed)
    shape = (batch_size, *task.input_shape)
    if kind == "grey":
        levels = torch.linspace(0.0, 1.0, batch_size).view(batch_size, 1, 1, 1)
        x = levels.expand(shape).contiguous()
    elif kind == "uniform":
        x = torch.rand(shape, generator=gen) * 2 - 1
    elif kind == "normal":
        x = torch.randn(shape, generator=gen)
    else:
        raise ValueError(f"unknown synthetic data {kind!r}; choose one of {', '.join(SYNTHETIC)} or a .npz path")
    y = torch.randint(task.num_classes, (batch_size,), generator=gen)
    return Batch(inputs=x, labels=y, fingerprint=f"{kind}-{fingerprint(x, y)}")


def npz_batch(path: str | Path, task: Task, batch_size: int, seed: int = 0, split: str = "train") -> Batch:
    """A random minibatch from an ``.npz`` file with ``x_<split>`` (or ``x``) and optional labels.

    Images are (N, C, H, W) or (N, H, W, C); they are resized (bilinear) to the task's input
    size when they differ, e.g. CIFAR-10 images for ImageNet16-120 networks.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file {str(path)!r} does not exist; pass an .npz file or one of {SYNTHETIC}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:  # not a numpy file, or one holding pickled objects
        raise ValueError(f"data file {str(path)!r} is not an .npz archive of numeric arrays ({err.__class__.__name__}); "
                         f"pass an .npz with x_{split} (N,C,H,W or N,H,W,C) or one of {', '.join(SYNTHETIC)}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"data file {str(path)!r} holds a single array, not an .npz archive: "
                         f"save it with np.savez(path, x_{split}=images[, y_{split}=labels])")
    try:
        with archive:
            key = f"x_{split}" if f"x_{split}" in archive else "x"
            if key not in archive:
                raise KeyError(f"{path} has no array 'x_{split}' or 'x' (it has {', '.join(archive.files)})")
            images = archive[key]
            label_key = key.replace("x", "y", 1)
            labels = archive[label_key] if label_key in archive else None
    except (ValueError, OSError, EOFError) as err:  # pickled objects, truncated or not a zip archive
        raise ValueError(f"{path} is not a usable .npz of numeric arrays ({err}); nasearch never unpickles "
                         "data files: save plain numeric arrays with numpy.savez") from None
    if images.ndim != 4:
        raise ValueError(f"{path}:{key} must be 4-dimensional images, got shape {images.shape}")
    if images.shape[1] not in (1, 3) and images.shape[-1] in (1, 3):
        images = images.transpose(0, 3, 1, 2)
    if batch_size > len(images):
        raise ValueError(f"batch size {batch_size} is larger than the {len(images)} images in {path}")
    rng = np.random.default_rng(seed)
    index = np.sort(rng.choice(len(images), size=batch_size, replace=False))
    batch = make_batch(images[index], None if labels is None else labels[index])
    x = batch.inputs
    if tuple(x.shape[2:]) != tuple(task.input_shape[1:]):
        x = torch.nn.functional.interpolate(x, size=task.input_shape[1:], mode="bilinear", align_corners=False)
        batch = Batch(x, batch.labels, fingerprint(x, batch.labels))
    if batch.labels is not None and int(batch.labels.max()) >= task.num_classes:
        batch = Batch(batch.inputs, batch.labels % task.num_classes, batch.fingerprint)
    return batch


def load_batch(spec: str, task: Task, batch_size: int, seed: int = 0) -> Batch:
    """``grey`` | ``uniform`` | ``normal`` | path to an ``.npz`` file; for a language task, token
    batches (``uniform`` | ``zipf`` | a token file: see ``nasearch.language``)."""
    if task.kind == "language":
        from nasearch.language import language_batch

        return language_batch(spec, task, batch_size, seed)
    if spec in SYNTHETIC:
        return synthetic_batch(spec, task, batch_size, seed)
    if spec.endswith(".npz") or Path(spec).exists():
        return npz_batch(spec, task, batch_size, seed)
    raise ValueError(f"unknown data {spec!r}: use one of {', '.join(SYNTHETIC)} or the path of an .npz file")
