"""Undoing a layer's removal brings the layer back with its trained weights (the undo
command holds them); layers the edit did not touch keep what they learnt meanwhile."""
from __future__ import annotations

import numpy as np

from engine.core.network import Network
from gui.editor.spec_edits import remove_layer
from test_undo_values import settle, train


def layer_params(spec, params, name):
    net = Network(spec, np.array(params))
    i = [l.name for l in spec.layers].index(name)
    return [w.copy() for w in net.weights[i]], net.biases[i].copy()


def test_undo_of_a_removal_restores_the_trained_layer(qtbot, window):
    s = window.session
    spec = s.spec
    assert [l.name for l in spec.layers] == ["h1", "h2", "out"]
    train(qtbot, s, 30)
    before = s.checkpoint()
    h1_w, h1_b = layer_params(before.spec, before.params, "h1")
    fresh = Network(spec)  # what a re-added h1 would get without the held weights
    assert not np.allclose(h1_w[0], fresh.weights[0][0])

    assert s.edit_spec(remove_layer(spec, 0), "Remove h1")
    settle(qtbot, s)
    assert [l.name for l in s.spec.layers] == ["h1", "out"]  # names by position: the old h2 is now h1
    train(qtbot, s, 5)  # training goes on without the first layer
    out_w_before_undo, _ = layer_params(s.checkpoint().spec, s.checkpoint().params, "out")

    s.undo_stack.undo()
    settle(qtbot, s)
    assert s.spec == spec
    back = s.checkpoint()
    w, b = layer_params(back.spec, back.params, "h1")
    np.testing.assert_array_equal(w[0], h1_w[0])  # trained, not fresh
    np.testing.assert_array_equal(b, h1_b)
    h2_w, _ = layer_params(back.spec, back.params, "h2")
    np.testing.assert_array_equal(h2_w[0], layer_params(before.spec, before.params, "h2")[0][0])  # h2 reads h1 again
    out_w, _ = layer_params(back.spec, back.params, "out")
    np.testing.assert_array_equal(out_w[0], out_w_before_undo[0])  # untouched layers keep their new learning
    np.testing.assert_array_equal(s.latest.params, back.params)  # and that is what is drawn

    s.undo_stack.redo()  # remove again, and undo again: still the trained h1
    settle(qtbot, s)
    s.undo_stack.undo()
    settle(qtbot, s)
    w, _ = layer_params(s.checkpoint().spec, s.checkpoint().params, "h1")
    np.testing.assert_array_equal(w[0], h1_w[0])


def test_a_layer_dropped_between_h1_and_h2_is_h2_and_the_old_h2_keeps_its_weights_as_h3(qtbot, window):
    from gui.editor.spec_edits import insert_layer

    s = window.session
    spec = s.spec
    train(qtbot, s, 20)
    before = s.checkpoint()
    assert s.edit_spec(insert_layer(spec, 1, units=3, activation="relu"), "Insert layer")
    settle(qtbot, s)
    assert [l.name for l in s.spec.layers] == ["h1", "h2", "h3", "out"]
    assert (s.spec.layers[1].units, s.spec.layers[1].activation) == (3, "relu")  # the new one, in the middle
    now = s.checkpoint()
    for old, new in (("h1", "h1"), ("out", "out")):
        np.testing.assert_array_equal(layer_params(now.spec, now.params, new)[1], layer_params(before.spec, before.params, old)[1])
    # out reads the old h2, now called h3: its weights carry over under the new name
    np.testing.assert_array_equal(layer_params(now.spec, now.params, "out")[0][0], layer_params(before.spec, before.params, "out")[0][0])
    assert window.editor.scene.layer_columns[1].layer.name == "h2"  # the canvas shows the names by position
    s.undo_stack.undo()
    settle(qtbot, s)
    assert s.spec == spec
    np.testing.assert_array_equal(s.checkpoint().params, before.params)  # every layer as it was
