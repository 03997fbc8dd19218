"""The real-training benchmark: it learns, depends on the cell, records its cost, and says
clearly what is wrong with bad image files."""

from __future__ import annotations

import numpy as np
import pytest

from nasearch.benchmarks.training import ImageData, TrainingBenchmark, TrainingConfig, train_nb201
from nasearch.loop import run_search
from nasearch.spaces.nb201 import NB201Space
from nasearch.strategies.random_search import RandomSearch

SPACE = NB201Space()
CONV = SPACE.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|")
DEAD = SPACE.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")  # the cell outputs zero
TINY = TrainingConfig(epochs=4, batch_size=32, channels=4, cells_per_stage=1, augment=False, threads=1)


def bright_or_dark(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 images are brighter than class 0: learnable by any network that sees the input."""
    rng = np.random.default_rng(seed)
    y = rng.integers(2, size=n)
    x = rng.integers(0, 120, size=(n, 3, 8, 8)) + 120 * y[:, None, None, None]
    return x.astype(np.uint8), y


@pytest.fixture(scope="module")
def easy() -> ImageData:
    x, y = bright_or_dark(200, 0)
    xt, yt = bright_or_dark(100, 1)
    return ImageData.from_arrays(x, y, xt, yt, valid_fraction=0.25)


def test_a_cell_that_sees_its_input_learns_and_a_dead_cell_does_not(easy):
    learned = train_nb201(CONV, easy, TINY)
    dead = train_nb201(DEAD, easy, TINY)
    assert learned.valid_accuracy > 80 and learned.test_accuracy > 80
    assert dead.test_accuracy < 70  # constant features: one class for every image (~50%)
    assert learned.cost_seconds > 0


def test_same_seed_same_accuracy_on_cpu(easy):
    assert train_nb201(CONV, easy, TINY) .valid_accuracy == train_nb201(CONV, easy, TINY).valid_accuracy


def test_as_the_benchmark_of_a_search_training_seconds_are_the_cost(easy):
    result = run_search(RandomSearch(SPACE, seed=0), TrainingBenchmark(easy, TINY), budget=2)
    assert len(result.trajectory) == 2 and result.trajectory[-1].train_seconds > 0


def test_real_cifar10_images_from_npz(shared_data):
    data = ImageData.from_npz(shared_data / "cifar10-partial" / "cifar10_partial_salvaged.npz",
                              valid_fraction=0.2, size=8, max_train=256)
    assert (len(data.x_train), len(data.x_valid), len(data.x_test)) == (256, 932, 846)
    assert data.x_train.shape[1:] == (3, 8, 8) and data.num_classes == 10
    assert abs(float(data.x_train.mean())) < 0.2  # normalised with the training split's statistics


def test_bad_inputs_say_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ImageData.from_npz(tmp_path / "missing.npz")
    np.savez(tmp_path / "x.npz", x_train=np.zeros((4, 3, 8, 8), np.uint8))
    with pytest.raises(KeyError, match="lacks y_train"):
        ImageData.from_npz(tmp_path / "x.npz")
    with pytest.raises(ValueError, match="labels must have shape"):
        ImageData.from_arrays(np.zeros((4, 3, 8, 8)), np.zeros(3, int))
    with pytest.raises(ValueError, match="num_classes"):
        ImageData.from_arrays(np.zeros((4, 3, 8, 8)), np.array([0, 1, 2, 3]), num_classes=2)
    with pytest.raises(ValueError, match="valid_fraction"):
        ImageData.from_arrays(np.zeros((4, 3, 8, 8)), np.zeros(4, int), valid_fraction=1.5)
    with pytest.raises(ValueError, match="NAS-Bench-201"):
        train_nb201(CONV.__class__("other", "x", ()), ImageData.from_arrays(*bright_or_dark(8, 0)), TINY)
