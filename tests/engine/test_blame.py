"""Error-signal maps, saturation and edge overlays agree with the engine's own passes."""
import numpy as np
import pytest

from engine.explain.blame import (edge_values, error_signal_maps, nearest_labels, pattern_error_signals, saturation,
                          training_gradient)
from engine.data.datasets import planar, xor_table
from engine.core.network import Network
from engine.core.optimizers import OptimizerSettings
from engine.training.snapshot import grid_points
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer, TrainSettings


def trained(features=("x", "y"), hidden=(4, 3), act="tanh", steps=20):
    data = planar("circle", 60, seed=5)
    spec = NetworkSpec.stack(2, list(hidden), 1, activation=act, features=list(features), seed=1)
    t = Trainer(spec, data, TrainSettings(OptimizerSettings(lr=0.05, momentum=0.9)))
    t.step(steps)
    return t, data


def test_nearest_labels_match_brute_force():
    rng = np.random.default_rng(0)
    pts, train = rng.normal(size=(300, 2)), rng.normal(size=(50, 2))
    y = rng.integers(0, 2, (50, 1)).astype(float)
    brute = y[np.argmin(((pts[:, None, :] - train[None]) ** 2).sum(-1), axis=1)]
    assert np.array_equal(nearest_labels(pts, train, y), brute)


def test_error_signal_map_is_each_grid_points_single_pattern_delta():
    t, data = trained(features=("x", "y", "xy"))
    res = 9
    maps = error_signal_maps(t.spec, t.network.params, data, res)
    assert set(maps) == {"h1", "h2", "out"} and maps["h1"].shape == (4, res, res)
    pts = grid_points(res, (-6.0, 6.0))
    net = Network(t.spec, t.network.params.copy())
    for k in (0, 13, 40, 80):
        nearest = np.argmin(((data.x_train - pts[k]) ** 2).sum(1))
        x = t.inputs(pts[k : k + 1])
        bp = net.backward(net.forward(x), t.y_train[nearest : nearest + 1])  # batch of one
        row, col = divmod(k, res)
        for layer in ("h1", "h2", "out"):
            assert np.allclose(maps[layer][:, row, col], bp.deltas[layer][0], rtol=1e-5, atol=1e-7)
    assert np.abs(maps["h1"]).max() > 0


def test_saturation_counts_flat_derivatives():
    t, data = trained(act="tanh", steps=0)
    big = t.network.params * 40  # huge weights drive tanh into its flat tails
    sat = saturation(t.spec, big, t.x_train)
    fp = Network(t.spec, big).forward(t.x_train)
    expected = (1 - fp.activations["h1"] ** 2 < 0.05).mean(axis=0)
    assert np.array_equal(sat["h1"], expected) and expected.mean() > 0.5
    small = saturation(t.spec, t.network.params * 0.01, t.x_train)
    assert small["h1"].max() == 0.0
    r, _ = trained(act="relu", steps=0)
    sat_r = saturation(r.spec, r.network.params, r.x_train)
    z = Network(r.spec, r.network.params).forward(r.x_train).pre_activations["h2"]
    assert np.array_equal(sat_r["h2"], (z <= 0).mean(axis=0))


def test_edge_overlays_are_the_gradient_and_the_last_change():
    t, data = trained()
    snap = t.snapshot()
    grads = edge_values("gradients", snap, data)
    loss, g = Network(t.spec, t.network.params.copy()).gradient(t.x_train, t.y_train)
    flat = np.concatenate([np.concatenate([w.ravel() for w in ws] + [np.zeros(0)]) for ws in grads])
    mask = t.network.weight_mask().astype(bool)
    assert np.array_equal(flat, g[mask])
    # and the engine's gradient equals finite differences of the training loss
    net, h = Network(t.spec, t.network.params.copy()), 1e-6
    for k in np.flatnonzero(mask)[::3]:
        p = net.params[k]
        net.params[k] = p + h
        up = net.loss(t.x_train, t.y_train)
        net.params[k] = p - h
        down = net.loss(t.x_train, t.y_train)
        net.params[k] = p
        assert (up - down) / (2 * h) == pytest.approx(g[k], rel=1e-5, abs=1e-9)
    change = edge_values("last change", snap)
    before = t.network.params.copy()
    t.step(1)  # the last update's velocity is what the next snapshot shows
    snap2 = t.snapshot()
    assert np.array_equal(edge_values("last change", snap2)[0][0].ravel(), t.optimizer.velocity[: 2 * 4])
    assert change[0][0].shape == snap.weights[0][0].shape
    assert edge_values("weights", snap) is snap.weights
    with pytest.raises(ValueError):
        edge_values("colours", snap)
    assert not np.array_equal(before, t.network.params)


def test_views_follow_a_different_spec():
    t, data = trained(features=("x", "y"), hidden=(2,))
    maps_a = error_signal_maps(t.spec, t.network.params, data, 5)
    t2, _ = trained(features=("x", "y", "x2", "y2"), hidden=(5, 2, 2))
    maps_b = error_signal_maps(t2.spec, t2.network.params, data, 5)
    assert maps_a["h1"].shape == (2, 5, 5) and maps_b["h3"].shape == (2, 5, 5)
    with pytest.raises(ValueError):
        error_signal_maps(NetworkSpec.stack(2, [2], 1), np.zeros(9), xor_table(), 5)
    assert training_gradient(t2.spec, t2.network.params, data).shape == t2.network.params.shape


def test_pattern_error_signals_are_each_patterns_own_delta():
    data = xor_table()
    spec = NetworkSpec.stack(2, [3], 1, seed=4)
    t = Trainer(spec, data)
    t.step(3)
    rows = pattern_error_signals(spec, t.network.params, data)
    net = Network(spec, t.network.params.copy())
    for k in range(4):
        bp = net.backward(net.forward(t.x_train[k : k + 1]), t.y_train[k : k + 1])
        assert np.allclose(rows["h1"][k], bp.deltas["h1"][0], rtol=1e-12, atol=0)
    full = net.backward(net.forward(t.x_train), t.y_train)  # mean reduction: the same, divided by n
    assert np.allclose(rows["h1"] / 4, full.deltas["h1"], rtol=1e-12, atol=1e-18)
