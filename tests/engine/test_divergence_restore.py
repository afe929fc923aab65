"""Divergence goes back to the last state whose loss was finite and whose weights are sane,
history included (issue 13 item 7), on the epoch-by-epoch path and in compiled chunks."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.core.optimizers import OptimizerSettings
from engine.core.spec import NetworkSpec
from engine.data.datasets import planar
from engine.fast import fastchunk
from engine.training.trainer import MAX_WEIGHT, Trainer, TrainSettings


def regression_trainer(lr: float, params: np.ndarray | None = None) -> Trainer:
    """`train --lr LR --activation relu --dataset regression` as the CLI builds it."""
    spec = NetworkSpec.stack(2, [4, 2], 1, "relu", "linear", features=("x", "y"))
    t = Trainer(spec, planar("regression", 200, 0.0, 0.5, 0), TrainSettings(OptimizerSettings("sgd", lr=lr), 10),
                history_limit=None)
    if params is not None:
        t.network.set_params(params)
    t.record()
    return t


def assert_sane(t: Trainer) -> None:
    m = t.evaluate()
    assert math.isfinite(m.train_loss)
    assert np.isfinite(t.history.array()[:, 1:3]).all()
    assert np.abs(t.network.params).max() <= MAX_WEIGHT
    assert t.history.array()[-1, 0] == t.epoch


def test_huge_learning_rate_keeps_a_sane_state_and_history_and_resumes(tmp_path):
    t = regression_trainer(1e6)
    for _ in range(50):  # the CLI's loop: one epoch, one record
        if t.step(1) == 0:
            break
        t.record()
    assert t.diverged is not None
    assert_sane(t)
    resumed = regression_trainer(0.01, t.network.params.copy())
    assert resumed.step(50) == 50 and resumed.diverged is None  # not at once, nor later


@pytest.mark.parametrize("path", ["reference", "buffered", "numba"])
def test_every_path_keeps_the_same_state_as_the_reference_loop(path):
    if path == "numba" and not fastchunk.available():
        pytest.skip("numba is not installed")
    t = regression_trainer(1e6)
    t.path = path  # numba: 50 epochs in compiled chunks
    done = t.step(50)
    t.record()
    assert done < 50 and t.diverged is not None
    assert_sane(t)
    reference = regression_trainer(1e6)
    reference.path = "reference"
    reference.step(50)
    np.testing.assert_array_equal(t.network.params, reference.network.params)
    assert t.epoch == reference.epoch


class InfiniteLoss:
    """An epoch path whose epoch measures an infinite loss and changes nothing."""

    name, chunks = "test", False

    def run_epoch(self, x, y, batch_size, outputs):
        return float("inf"), 0


def test_a_non_finite_loss_goes_back_one_more_epoch_and_cuts_the_history(monkeypatch):
    """Full batch: the loss an epoch reports is that of the state it started from; when it is
    not finite, that state is no good either: the epoch before it is kept."""
    t = regression_trainer(0.001)
    t.settings = TrainSettings(OptimizerSettings("sgd", lr=0.001), None)
    states = [t.network.params.copy()]
    for _ in range(3):
        assert t.step(1) == 1
        t.record()
        states.append(t.network.params.copy())
    assert [row[0] for row in t.history.array()] == [0, 1, 2, 3]
    monkeypatch.setattr(t, "_path", lambda bs: InfiniteLoss())  # the state at epoch 3 measures inf
    assert t.step(1) == 0
    assert t.diverged is not None and t.diverged.epoch == 4
    assert t.epoch == 2
    np.testing.assert_array_equal(t.network.params, states[2])
    assert t.history.array()[-1, 0] == 2


def test_an_edited_weight_is_not_undone_by_an_older_good_state(monkeypatch):
    t = regression_trainer(0.001)
    t.step(2)
    t.network.params[0] += 0.5  # the user edits a weight: the state one epoch back is not this run's
    edited = t.network.params.copy()
    monkeypatch.setattr(t, "_path", lambda bs: InfiniteLoss())
    assert t.step(1) == 0
    assert t.epoch == 2
    np.testing.assert_array_equal(t.network.params, edited)
