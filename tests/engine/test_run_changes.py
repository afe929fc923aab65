"""The next trainer after a change of network, data or run (engine/training/changes.py)."""
from __future__ import annotations

import numpy as np

from engine.core.spec import LayerSpec, NetworkSpec
from engine.data.datasets import planar
from engine.training import changes
from engine.training.checkpoint import Checkpoint
from engine.training.trainer import Trainer


def trainer() -> Trainer:
    t = Trainer(NetworkSpec.stack(2, [3], 1, features=("x", "y")), planar("xor", 60, seed=2))
    t.record()
    t.step(5)
    t.record()
    return t


def test_a_wider_layer_keeps_the_trained_weights_and_the_epoch():
    old = trainer()
    spec = old.spec.with_changes(layers=(LayerSpec(4, "tanh", "h1"), old.spec.layers[-1]))
    before = old.network.params.copy()
    new, note = changes.with_spec(old, spec)
    assert new.epoch == 5 and note is not None and "h1" in note.text
    np.testing.assert_array_equal(new.network.weights[0][0][:, :3], old.network.weights[0][0])
    np.testing.assert_array_equal(old.network.params, before)  # the old run is untouched


def test_a_new_seed_starts_again_and_says_so():
    new, note = changes.with_spec(trainer(), trainer().spec.with_changes(seed=3))
    assert new.epoch == 0 and note == changes.Note("reinitialised", changes.REINITIALISED)


def test_a_run_comes_back_exactly_from_its_checkpoint():
    old = trainer()
    saved = Checkpoint.of(old)
    old.step(7)
    back = changes.with_run(old, saved.spec, saved.data, saved)
    assert back.epoch == 5 and back.data is saved.data
    np.testing.assert_array_equal(back.network.params, saved.params)
    np.testing.assert_array_equal(back.history.array(), saved.history)
    back.step(3)
    replay = changes.with_run(old, saved.spec, saved.data, saved)
    replay.step(3)
    np.testing.assert_array_equal(back.network.params, replay.network.params)  # optimiser state restored too


def test_checkpoints_are_read_only_values():
    saved = Checkpoint.of(trainer())
    for a in (saved.params, saved.history, saved.velocity, saved.adam_m, saved.adam_v):
        assert not a.flags.writeable
