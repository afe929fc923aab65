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
    assert [l.name for l in s.spec.layers] == ["h2", "out"]
    train(qtbot, s, 5)  # training goes on without h1
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
