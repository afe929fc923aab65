"""The epoch timeline: bounded over long runs, exact replay, resets and topology edits."""
import numpy as np
import pytest

from engine.data.datasets import planar
from engine.core.spec import NetworkSpec
from engine.explain.timeline import Timeline
from engine.training.trainer import Trainer


def test_memory_stays_bounded_over_100000_epochs():
    spec = NetworkSpec.stack(2, [8, 8], 1)
    size = spec.n_parameters()
    tl = Timeline(capacity=64)
    params = np.zeros(size)
    counts = []
    for epoch in range(100_001):
        params[0] = epoch  # a writable buffer: the timeline must keep its own copy
        tl.offer(epoch, params, 1.0 / (epoch + 1), spec)
        if epoch % 10_000 == 0:
            counts.append(len(tl))
    assert max(counts) <= 65 and len(tl) <= 65
    assert tl.nbytes() <= 65 * size * 8
    epochs = tl.epochs()
    assert epochs[0] == 0 and epochs[-1] == 100_000  # first and newest kept
    gaps = np.diff(epochs[:-1])
    assert gaps.max() <= tl.stride and gaps.min() >= tl.stride // 2  # evenly spread
    assert all(e.params[0] == e.epoch for e in tl.entries())  # copies, not the live buffer


def test_replay_returns_the_weights_and_boundaries_of_that_epoch():
    data = planar("xor", 40, seed=2)
    spec = NetworkSpec.stack(2, [3], 1, features=["x", "y"], seed=1)
    t = Trainer(spec, data)
    tl = Timeline(capacity=8)
    seen = {}
    for _ in range(40):
        t.step(1)
        t.record()
        snap = t.snapshot()
        seen[snap.epoch] = snap
        tl.offer_snapshot(snap)
    assert len(tl) <= 9
    for entry in tl.entries():
        assert np.array_equal(entry.params, seen[entry.epoch].params)
        assert entry.loss == seen[entry.epoch].train_loss
    target = tl.entries()[2].epoch
    assert tl.at(target + tl.stride // 2).epoch == target
    replay = tl.snapshot_at(target, data, grid_resolution=12, history=snap.history)
    assert replay.epoch == target
    assert np.array_equal(replay.params, seen[target].params)
    assert replay.train_loss == pytest.approx(seen[target].train_loss, rel=1e-12)
    fresh = Trainer(spec, data)
    fresh.network.set_params(seen[target].params)
    assert np.array_equal(replay.grids["h1"], fresh.snapshot(12).grids["h1"])
    assert replay.history[-1, 0] == target and len(replay.history) == target


def test_reset_and_topology_edit_start_a_new_timeline():
    a = NetworkSpec.stack(2, [2], 1)
    b = NetworkSpec.stack(2, [2, 2], 1)
    tl = Timeline(capacity=4)
    for e in range(10):
        tl.offer(e, np.zeros(a.n_parameters()), 0.5, a)
    tl.offer(3, np.ones(a.n_parameters()), 0.5, a)  # reset: epochs went back
    assert list(tl.epochs()) == [3]
    tl.offer(4, np.ones(b.n_parameters()), 0.5, b)
    assert [e.spec for e in tl.entries()] == [b]
    epochs, values, losses = tl.path([0, 5])
    assert values.shape == (1, 2) and losses.tolist() == [0.5]
    with pytest.raises(LookupError):
        Timeline().at(0)
