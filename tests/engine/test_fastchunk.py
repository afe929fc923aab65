"""The numba path's chunks of epochs give exactly what it gives epoch by epoch.

`Trainer.step(n)` on the numba path runs n epochs in one compiled call; `step(1)` n times
runs one per call. Same kernel, same pattern orders from the trainer's generator, same
divergence rule: bit for bit the same. (That the kernel equals the reference network is
test_fastpath.py's job.)
"""
from __future__ import annotations

import copy

import numpy as np
import pytest

from engine.data import datasets

from engine.fast import fastchunk
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer, TrainSettings

pytestmark = pytest.mark.skipif(not fastchunk.available(), reason="numba is not installed")


def make(settings: TrainSettings, hidden=(5, 3), output="tanh", loss="squared") -> Trainer:
    spec = NetworkSpec.stack(2, list(hidden), 1, "tanh", output, loss=loss, features=("x", "y"), seed=4)
    t = Trainer(spec, datasets.planar("circle", n_points=120, seed=2), copy.deepcopy(settings))
    t.path = "numba"
    return t


CASES = [
    TrainSettings(OptimizerSettings("sgd", lr=0.05, momentum=0.9), batch_size=10),
    TrainSettings(OptimizerSettings("sgd", lr=0.1, l2=0.001), batch_size=1),
    TrainSettings(OptimizerSettings("adam", lr=0.01, l1=0.0005), batch_size=7),
    TrainSettings(OptimizerSettings("sgd", lr=0.3), batch_size=None),
    TrainSettings(OptimizerSettings("sgd", lr=0.05), batch_size=10, shuffle=False),
]


@pytest.mark.parametrize("settings", CASES)
def test_chunks_equal_epoch_by_epoch_bit_for_bit(settings):
    a, b = make(settings), make(settings)
    for _ in range(37):
        assert a.step(1) == 1
    for n in (1, 16, 20):
        assert b.step(n) == n
    assert a.epoch == b.epoch == 37
    np.testing.assert_array_equal(a.network.params, b.network.params)
    np.testing.assert_array_equal(a.optimizer.velocity, b.optimizer.velocity)
    assert a.optimizer.state.t == b.optimizer.state.t
    assert a.last_epoch_loss == b.last_epoch_loss
    a.step(1)
    b.step(1)  # the pattern-order generators stayed in step too
    np.testing.assert_array_equal(a.network.params, b.network.params)


def test_divergence_inside_a_chunk_equals_epoch_by_epoch():
    settings = TrainSettings(OptimizerSettings("sgd", lr=1e6), batch_size=10)
    a, b = make(settings, output="linear"), make(settings, output="linear")
    with np.errstate(all="ignore"):
        done_a = sum(a.step(1) for _ in range(50))
        done_b = b.step(50)
    assert done_a == done_b < 50
    assert a.diverged == b.diverged and b.diverged is not None
    np.testing.assert_array_equal(a.network.params, b.network.params)
    assert np.isfinite(b.network.params).all() and not b.optimizer.velocity.any()
    a.clear_divergence(), b.clear_divergence()
    a.set_settings(TrainSettings(OptimizerSettings("sgd", lr=0.01), batch_size=10))
    b.set_settings(TrainSettings(OptimizerSettings("sgd", lr=0.01), batch_size=10))
    a.step(1), a.step(1), a.step(1)
    b.step(3)  # the generator was rewound to where epoch-by-epoch training left it
    np.testing.assert_array_equal(a.network.params, b.network.params)


def test_an_epoch_hook_runs_before_every_epoch():
    calls = []
    t = make(TrainSettings(batch_size=10))
    t.epoch_hook = lambda trainer: calls.append(trainer.epoch)
    assert t.path_in_use() == "numba"
    assert t.step(4) == 4
    assert calls == [0, 1, 2, 3]
