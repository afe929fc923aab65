"""The editor's edge overlay switch: edges draw weights, gradients dE/dw on the training set,
or the optimiser's last change, in the weight colour scheme (colour = sign, width = size)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.core.activations import get_activation
from engine.data.datasets import planar, targets_for
from engine.core.features import transform
from engine.core.network import Network
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer
from gui.editor import colors
from test_editor_live import hover, point_on_edge
from test_editor_support import make_editor

RES = 16


@pytest.fixture
def trained():
    spec = NetworkSpec.stack(2, [4, 3], features=["x", "y"])
    data = planar("xor", 120, seed=3)
    trainer = Trainer(spec, data)
    trainer.step(40)
    return spec, data, trainer.snapshot(RES)


def engine_gradient(spec, snap, data) -> list[list[np.ndarray]]:
    """dE/dw per layer and source from one Network.backward over the whole training set."""
    net = Network(spec, np.array(snap.params))
    x = transform(data.x_train, spec.features)
    act = get_activation(spec.output_activation)
    y = targets_for(data.y_train, data.task, act.low, act.high)
    grad = Network(spec, net.backward(net.forward(x), y).gradient)
    return [[np.array(w) for w in ws] for ws in grad.weights]


def drawn(editor, spec) -> dict[tuple[int, int], np.ndarray]:
    """Pen index of every edge as drawn, keyed by (layer, source)."""
    return {(b.layer_index, b.source_index): np.array(b.pen_index) for b in editor.scene.bundles}


def assert_pens_follow(editor, values: list[list[np.ndarray]]) -> None:
    peak = max(float(np.abs(v).max()) for vs in values for v in vs)
    for b in editor.scene.bundles:
        v = values[b.layer_index][b.source_index]
        for r in range(b.rows):
            for c in range(b.cols):
                k = int(b.pen_index[b.edge_index(r, c)])
                assert (k >= colors.WEIGHT_BINS) == (v[r, c] >= 0)  # colour = sign
                expected_bin = round(abs(v[r, c]) / peak * (colors.WEIGHT_BINS - 1))
                assert k % colors.WEIGHT_BINS == expected_bin  # width = |value| / largest |value|
    widest = max(b.pen_for(int(b.edge_rows[e]), int(b.edge_cols[e])).widthF()
                 for b in editor.scene.bundles for e in range(len(b.values)))
    assert widest == pytest.approx(colors.MAX_WIDTH)  # the largest value is drawn widest, however small


def test_gradients_last_change_and_back_to_weights(qtbot, trained):
    spec, data, snap = trained
    editor = make_editor(qtbot, spec)
    editor.set_dataset(data)
    editor.show_snapshot(snap)
    as_weights = drawn(editor, spec)

    grad = engine_gradient(spec, snap, data)
    assert max(float(np.abs(g).max()) for gs in grad for g in gs) < colors.WEIGHT_SATURATION / 4
    editor.set_edge_mode("gradients")
    assert_pens_follow(editor, grad)
    assert editor.view.width_key == "width = |gradient|"

    velocity = Network(spec, np.array(snap.optimizer_state["velocity"]))
    change = [[np.array(w) for w in ws] for ws in velocity.weights]
    assert any(np.abs(w).max() > 0 for ws in change for w in ws)
    editor.set_edge_mode("last change")
    assert_pens_follow(editor, change)
    assert editor.view.width_key == "width = |last change|"
    assert editor.edge_switch.mode == "last change"  # the combo follows code too

    editor.set_edge_mode("weights")
    after = drawn(editor, spec)
    assert all(np.array_equal(after[k], as_weights[k]) for k in as_weights)
    assert editor.view.width_key == "width = |weight|"


def test_combo_drives_the_overlay_and_hover_names_the_quantity(qtbot, trained):
    spec, data, snap = trained
    editor = make_editor(qtbot, spec)
    editor.set_dataset(data)
    editor.show_snapshot(snap)
    switch = editor.edge_switch
    assert switch.mode == "weights"
    with qtbot.waitSignal(switch.modeChanged, timeout=2000):
        qtbot.keyClick(switch, Qt.Key.Key_Down)
    assert editor.edge_mode == "gradients"
    grad = engine_gradient(spec, snap, data)
    bundle = editor.scene.bundle("h2", "out")
    assert np.allclose(bundle.values, grad[2][0].ravel())
    hover(qtbot, editor, editor.view.mapFromScene(point_on_edge(bundle, 1)))
    text = editor.info_label.text()
    assert text.startswith("∂E/∂w of weight h2[2] → out[1]")
    assert f"{grad[2][0][1, 0]:+.4g}" in text
    assert f"{float(snap.weights[2][0][1, 0]):+.4f}" in text  # the weight itself is still named

    qtbot.keyClick(switch, Qt.Key.Key_Down)
    assert editor.edge_mode == "last change"
    hover(qtbot, editor, editor.view.mapFromScene(point_on_edge(bundle, 0)))
    assert editor.info_label.text().startswith("Δw of weight")

    qtbot.keyClick(switch, Qt.Key.Key_Up)
    qtbot.keyClick(switch, Qt.Key.Key_Up)
    assert editor.edge_mode == "weights"
    hover(qtbot, editor, editor.view.mapFromScene(point_on_edge(bundle, 1)))
    assert editor.info_label.text().startswith("weight h2[2] → out[1]")


def test_gradients_come_with_the_snapshot_no_backward_pass_here(qtbot, trained, monkeypatch):
    """Issue 11 item 6: the snapshot's own dE/dw is drawn; the GUI thread runs no backward pass."""
    from engine.explain import blame

    spec, data, snap = trained
    assert snap.gradient is not None
    expected = blame.training_gradient(spec, snap.params, data)
    monkeypatch.setattr(blame, "training_gradient", lambda *a: pytest.fail("backward pass on the GUI thread"))
    editor = make_editor(qtbot, spec)
    editor.show_snapshot(snap)
    editor.set_edge_mode("gradients")
    bundle = editor.scene.bundle("h2", "out")
    assert np.allclose(bundle.values, blame.split_weights(spec, expected)[2][0].ravel())


def test_gradients_without_dataset_say_why_and_draw_weights(qtbot, trained):
    spec, _, snap = trained
    snap = dataclasses.replace(snap, gradient=None)  # e.g. a training set too big for per-frame gradients
    editor = make_editor(qtbot, spec)
    editor.show_snapshot(snap)
    editor.set_edge_mode("gradients")
    assert "dataset" in editor.message_label.text()
    bundle = editor.scene.bundle("h2", "out")
    assert np.allclose(bundle.values, np.asarray(snap.weights[2][0]).ravel())
