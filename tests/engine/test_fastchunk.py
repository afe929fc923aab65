"""Chunks of epochs in one compiled call give exactly what Trainer.step gives."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data import datasets

from engine.fast import fastchunk
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer, TrainSettings

pytestmark = pytest.mark.skipif(fastchunk._get() is False, reason="numba is not installed")


def make(settings: TrainSettings, hidden=(5, 3), output="tanh", loss="squared") -> Trainer:
    spec = NetworkSpec.stack(2, list(hidden), 1, "tanh", output, loss=loss, features=("x", "y"), seed=4)
    return Trainer(spec, datasets.planar("circle", n_points=120, seed=2), settings)


CASES = [
    TrainSettings(OptimizerSettings("sgd", lr=0.05, momentum=0.9), batch_size=10),
    TrainSettings(OptimizerSettings("sgd", lr=0.1, l2=0.001), batch_size=1),
    TrainSettings(OptimizerSettings("adam", lr=0.01, l1=0.0005), batch_size=7),
    TrainSettings(OptimizerSettings("sgd", lr=0.3), batch_size=None),
    TrainSettings(OptimizerSettings("sgd", lr=0.05), batch_size=10, shuffle=False),
]


@pytest.mark.parametrize("settings", CASES)
def test_chunks_equal_step_bit_for_bit(settings):
    import copy

    a, b = make(copy.deepcopy(settings)), make(copy.deepcopy(settings))
    assert fastchunk.applicable(b)
    a.step(37)
    for n in (1, 16, 20):
        assert fastchunk.step(b, n) == n
    assert a.epoch == b.epoch == 37
    np.testing.assert_array_equal(a.network.params, b.network.params)
    np.testing.assert_array_equal(a.optimizer.velocity, b.optimizer.velocity)
    assert a.last_epoch_loss == b.last_epoch_loss
    a.step(5)
    fastchunk.step(b, 5)  # the pattern-order generators stayed in step too
    np.testing.assert_array_equal(a.network.params, b.network.params)


def test_divergence_matches_step():
    settings = TrainSettings(OptimizerSettings("sgd", lr=1e6), batch_size=10)
    a, b = make(settings, output="linear"), make(TrainSettings(OptimizerSettings("sgd", lr=1e6), batch_size=10), output="linear")
    with np.errstate(all="ignore"):
        done_a = a.step(50)
        done_b = fastchunk.step(b, 50)
    assert done_a == done_b < 50
    assert a.diverged == b.diverged and b.diverged is not None
    np.testing.assert_array_equal(a.network.params, b.network.params)
    assert np.isfinite(b.network.params).all() and not b.optimizer.velocity.any()
    a.clear_divergence(), b.clear_divergence()
    a.set_settings(TrainSettings(OptimizerSettings("sgd", lr=0.01), batch_size=10))
    b.set_settings(TrainSettings(OptimizerSettings("sgd", lr=0.01), batch_size=10))
    a.step(3)
    fastchunk.step(b, 3)
    np.testing.assert_array_equal(a.network.params, b.network.params)


def test_falls_back_to_step_with_an_epoch_hook():
    calls = []
    t = make(TrainSettings(batch_size=10))
    t.epoch_hook = lambda trainer: calls.append(trainer.epoch)
    assert not fastchunk.applicable(t)
    assert fastchunk.step(t, 4) == 4
    assert calls == [0, 1, 2, 3]
