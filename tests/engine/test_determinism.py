"""Same seed and settings -> bit-identical parameters, in every update mode."""
from __future__ import annotations


import numpy as np
import pytest

from engine.data.datasets import planar
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer, TrainSettings


def make(seed: int, batch: int | None, optimizer: str = "sgd") -> Trainer:
    spec = NetworkSpec.stack(2, [5, 3], 1, ["tanh", "sigmoid"], "tanh", seed=seed, features=("x", "y", "xy"))
    opt = OptimizerSettings(optimizer, lr=0.05 if optimizer == "sgd" else 0.01, momentum=0.5 if optimizer == "sgd" else 0.0)
    return Trainer(spec, planar("circle", 120, 0.1, 0.5, seed), TrainSettings(opt, batch_size=batch))


@pytest.mark.parametrize("batch", [None, 10, 1], ids=["full", "mini-batch", "online"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_same_seed_gives_bit_identical_parameters(batch, optimizer):
    a, b = make(3, batch, optimizer), make(3, batch, optimizer)
    a.step(15)
    b.step(15)
    assert a.network.params.tobytes() == b.network.params.tobytes()
    assert a.evaluate() == b.evaluate()


@pytest.mark.parametrize("batch", [None, 10, 1], ids=["full", "mini-batch", "online"])
def test_a_different_seed_gives_different_parameters(batch):
    a, b = make(3, batch), make(4, batch)
    a.step(5)
    b.step(5)
    assert not np.array_equal(a.network.params, b.network.params)


def test_reset_replays_the_same_run():
    t = make(5, 10)
    t.step(10)
    first = t.network.params.copy()
    t.reset()
    t.step(10)
    assert np.array_equal(first, t.network.params)


def test_splitting_a_run_into_chunks_changes_nothing():
    a, b = make(6, 7), make(6, 7)
    a.step(12)
    for _ in range(4):
        b.step(3)
    assert np.array_equal(a.network.params, b.network.params)


def test_numpy_path_is_deterministic_too():
    a, b = make(8, 10), make(8, 10)
    a.path = b.path = "buffered"
    a.step(6)
    b.step(6)
    assert np.array_equal(a.network.params, b.network.params)
