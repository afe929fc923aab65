"""The training worker on its own thread: commands, the one-slot mailbox, pacing, divergence."""
from __future__ import annotations

import time

import numpy as np
import pytest

from engine.data import datasets
from engine.core.network import Network
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer, TrainSettings
from engine.files.transplant import transplant
from gui.worker import TrainingWorker


def wait_until(predicate, timeout: float = 10.0, what: str = "condition"):
    """Poll until predicate() is truthy; the timeout only guards against a hang."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.002)
    raise AssertionError(f"timed out waiting for {what}")


def xor_trainer(hidden=(4, 2), lr: float = 0.03, output: str = "tanh") -> Trainer:
    spec = NetworkSpec.stack(2, list(hidden), 1, "tanh", output, features=("x", "y"))
    data = datasets.planar("xor", n_points=100, test_ratio=0.5, seed=1)
    trainer = Trainer(spec, data, TrainSettings(OptimizerSettings("sgd", lr=lr), batch_size=10))
    trainer.record()
    return trainer


@pytest.fixture
def worker():
    w = TrainingWorker(xor_trainer(), grid_resolution=16)
    w.start()
    yield w
    w.stop()
    assert not w.alive


def latest(w: TrainingWorker, timeout: float = 10.0):
    return wait_until(w.take_snapshot, timeout, "a snapshot")


def settle(w: TrainingWorker):
    """Wait until the worker is paused and has published its final state; return it."""
    wait_until(lambda: w.idle, what="pause")
    snap = None
    for _ in range(3):  # drain: the newest state replaces older ones in the slot
        s = w.take_snapshot()
        snap = s or snap
        time.sleep(0.01)
    return snap or w.query(lambda t: t.snapshot(None))


def test_first_snapshot_is_epoch_zero_with_grids_for_every_unit(worker):
    snap = latest(worker)
    assert snap.epoch == 0
    assert set(snap.grids) == {"input", "h1", "h2", "out"}
    assert snap.grids["h1"].shape == (4, 16, 16)
    assert not snap.grids["h1"].flags.writeable


def test_play_trains_and_pause_stops(worker):
    latest(worker)
    worker.play()
    wait_until(lambda: worker.query(lambda t: t.epoch) > 30, what="training")
    worker.pause()
    snap = settle(worker)
    frozen = worker.query(lambda t: t.epoch)
    assert snap.epoch == frozen
    time.sleep(0.05)
    assert worker.query(lambda t: t.epoch) == frozen
    assert worker.take_snapshot() is None  # nothing changed: nothing new to draw


def test_step_adds_exactly_one_epoch(worker):
    start = latest(worker).epoch
    worker.step(1)
    snap = wait_until(lambda: (s := worker.take_snapshot()) and s.epoch > start and s, what="step")
    assert snap.epoch == start + 1
    worker.step(1)
    assert wait_until(worker.take_snapshot).epoch == start + 2


def test_play_until_stops_at_that_epoch(worker):
    latest(worker)
    worker.play(until_epoch=57)
    wait_until(lambda: not worker.playing and worker.query(lambda t: t.epoch) == 57, what="stop at 57")
    assert worker.query(lambda t: t.epoch) == 57


def test_full_speed_makes_no_snapshot_nobody_takes(worker):
    """Grids are computed per drawn frame: with nobody drawing, one snapshot waits in the slot."""
    latest(worker)
    made = worker.snapshots_made
    worker.play()
    wait_until(lambda: worker.snapshots_made == made + 1, what="the first frame while playing")
    epoch = worker.query(lambda t: t.epoch)
    wait_until(lambda: worker.query(lambda t: t.epoch) > epoch + 500, what="training")
    assert worker.snapshots_made == made + 1
    worker.take_snapshot()
    wait_until(lambda: worker.snapshots_made == made + 2, what="the next frame once that one was taken")
    worker.pause()


def test_slow_motion_publishes_every_epoch_in_order(worker):
    latest(worker)
    worker.set_speed(60)  # at or below the frame rate: every epoch is drawn
    worker.play(until_epoch=12)
    seen = []
    while len(seen) < 12:
        snap = latest(worker)
        seen.append(snap.epoch)
    assert seen == list(range(1, 13))


def test_reset_returns_to_epoch_zero_with_the_initial_weights(worker):
    first = latest(worker)
    worker.step(20)
    wait_until(lambda: (s := worker.take_snapshot()) and s.epoch == 20, what="20 epochs")
    worker.reset()
    snap = wait_until(lambda: (s := worker.take_snapshot()) and s.epoch == 0 and s, what="reset")
    np.testing.assert_array_equal(snap.params, first.params)


def test_divergence_pauses_and_reports_the_message():
    w = TrainingWorker(xor_trainer(lr=1e6, output="linear"), grid_resolution=8)
    w.start()
    try:
        w.play()
        wait_until(lambda: any(e.kind == "diverged" for e in w.take_events()), what="divergence report")
        assert not w.playing
        assert np.isfinite(w.query(lambda t: t.network.params.copy())).all()  # the last finite weights were kept
    finally:
        w.stop()


def test_new_spec_keeps_unchanged_layers_and_reports_fresh_ones(worker):
    latest(worker)
    worker.step(30)
    before = wait_until(lambda: (s := worker.take_snapshot()) and s.epoch == 30 and s, what="30 epochs")
    spec = worker.query(lambda t: t.spec)
    grown = spec.with_changes(layers=(spec.layers[0], spec.layers[1].__class__(3, "tanh", "h2"), spec.layers[2]))
    worker.set_spec(grown)
    after = wait_until(lambda: (s := worker.take_snapshot()) and s.spec == grown and s, what="new spec")
    assert after.epoch == 30  # training continues from where it was
    np.testing.assert_array_equal(after.weights[0][0], before.weights[0][0])  # h1 untouched
    np.testing.assert_array_equal(after.weights[1][0][:, :2], before.weights[1][0])  # h2 keeps its 2 units
    events = w_events(worker)
    assert any("h2" in e.text for e in events)


def w_events(worker):
    return wait_until(worker.take_events, what="an event")


def test_new_seed_reinitialises_and_says_so(worker):
    latest(worker)
    worker.step(10)
    wait_until(lambda: (s := worker.take_snapshot()) and s.epoch == 10, what="10 epochs")
    worker.set_spec(worker.query(lambda t: t.spec).with_changes(seed=7))
    snap = wait_until(lambda: (s := worker.take_snapshot()) and s.spec.seed == 7 and s, what="new seed")
    assert snap.epoch == 0
    np.testing.assert_array_equal(snap.params, Network(snap.spec).params)
    assert any(e.kind == "reinitialised" for e in w_events(worker))


def test_weight_edit_and_settings_apply_between_chunks(worker):
    latest(worker)
    worker.set_weight(0, 0, 1, 2, 1.25)
    snap = wait_until(lambda: (s := worker.take_snapshot()) and s.weights[0][0][1, 2] == 1.25 and s, what="weight")
    assert snap.weights[0][0][1, 2] == 1.25
    worker.set_settings(TrainSettings(OptimizerSettings("adam", lr=0.01), batch_size=5))
    worker.step(1)
    wait_until(lambda: worker.query(lambda t: t.settings.optimizer.name) == "adam", what="settings")
    assert worker.query(lambda t: t.settings.batch_size) == 5


def test_a_bad_command_is_reported_and_training_survives(worker):
    latest(worker)
    worker.set_weight(9, 0, 0, 0, 1.0)  # no layer 9
    assert any(e.kind == "error" for e in w_events(worker))
    worker.step(1)
    assert wait_until(worker.take_snapshot).epoch == 1


def test_new_data_restarts_training():
    w = TrainingWorker(xor_trainer(), grid_resolution=8)
    w.start()
    try:
        latest(w)
        w.step(5)
        wait_until(lambda: (s := w.take_snapshot()) and s.epoch == 5, what="5 epochs")
        w.set_data(datasets.planar("circle", n_points=80, seed=2))
        wait_until(lambda: w.query(lambda t: t.data.name) == "circle", what="new data")
        assert w.query(lambda t: t.epoch) == 0
    finally:
        w.stop()


def test_transplant_matches_input_rows_by_feature_name():
    old_spec = NetworkSpec.stack(2, [3], 1, features=("x", "y"))
    old = Network(old_spec)
    new_spec = NetworkSpec.stack(3, [3], 1, features=("x", "xy", "y"))
    new, report = transplant(old, new_spec)
    np.testing.assert_array_equal(new.weights[0][0][0], old.weights[0][0][0])  # x row
    np.testing.assert_array_equal(new.weights[0][0][2], old.weights[0][0][1])  # y row moved down
    assert report.partial == ("h1",) and report.kept == ("out",) and not report.fresh


def test_after_replace_trainer_no_snapshot_of_the_old_run_arrives(worker):
    latest(worker)
    worker.play()
    wait_until(lambda: worker.query(lambda t: t.epoch) > 50, what="training")
    new = xor_trainer(hidden=(3,))
    worker.replace_trainer(new)
    seen = []
    worker.step(2)
    while not seen or seen[-1].epoch < 2:
        snap = latest(worker)
        seen.append(snap)
    assert all(s.spec == new.spec for s in seen)
    assert [s.epoch for s in seen][-1] == 2 and not worker.playing
