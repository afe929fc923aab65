"""Issue 10 in the window: the learning-rule choice, the passes read-out and the layer lock."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.core.spec import NetworkSpec
from engine.training.rules import learning_mask
from gui.panels.controls import passes_text
from test_editor_support import SpecRecorder, click, make_editor, settle, view_point


def choose(qtbot, combo, data) -> None:
    """Pick an entry as a user does: the popup's choice arrives as `activated`."""
    index = combo.findData(data)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_learning_rule_choice_is_an_undoable_setting_that_changes_the_passes(qtbot, window):
    c, s = window.controls, window.session
    assert c.rule.currentData() == "backprop" and "Weight perturbation" in [c.rule.itemText(i) for i in range(2)]
    assert "nudge each weight" in c.rule.toolTip()
    s.edit_settings(replace(s.settings, batch_size=None), "full batch")
    s.step(3)
    qtbot.waitUntil(lambda: s.latest.epoch == 3, timeout=5000)
    assert s.latest.passes == 3 * 2 and c.passes_label.text() == passes_text(6, s.latest.seconds)
    assert c.passes_label.text().startswith("6 passes") and "pass:" in c.passes_label.toolTip()
    long_run = passes_text(12_345_678, 1234.5)  # a long run's read-out is not cut off
    assert c.passes_label.fontMetrics().horizontalAdvance(long_run) <= c.passes_label.width()
    choose(qtbot, c.rule, "perturbation")
    assert s.settings.rule == "perturbation"
    s.step(2)
    qtbot.waitUntil(lambda: s.latest.epoch == 5, timeout=5000)
    n = s.spec.n_parameters()
    assert s.latest.passes == 6 + 2 * (1 + n)
    assert c.passes_label.text().startswith(f"{6 + 2 * (1 + n):,} passes")
    s.undo_stack.undo()
    assert s.settings.rule == "backprop" and c.rule.currentData() == "backprop"
    s.undo_stack.redo()
    assert c.rule.currentData() == "perturbation"


def test_passes_read_out_says_what_its_seconds_are():
    """No "0.0 s" beside a pass count: the seconds appear from 0.1 s and say they are training time."""
    assert passes_text(0, 0.0) == ""
    assert passes_text(1, 0.0) == "1 pass"
    assert passes_text(6, 0.04) == "6 passes"
    assert passes_text(1234, 0.1) == "1,234 passes · 0.1 s of training"
    assert passes_text(1234, 2.46) == "1,234 passes · 2.5 s of training"


def test_lock_freezes_a_layer_undoably_and_looks_different(qtbot):
    editor = make_editor(qtbot, NetworkSpec.stack(2, [4, 3], features=["x", "y"]))
    rec = SpecRecorder(editor)
    h1 = editor.scene.layer_columns[0]
    assert not h1.frozen and not h1.lock_button.locked and "freeze" in h1.lock_button.toolTip()
    before = editor.view.grab().toImage()
    click(qtbot, editor, view_point(editor, h1.lock_button))
    settle()
    assert [l.learns for l in rec.last.layers] == [False, True, True]
    h1 = editor.scene.layer_columns[0]
    assert h1.frozen and h1.lock_button.locked and "Frozen" in h1.toolTip()
    after = editor.view.grab().toImage()
    assert before != after  # the header is hatched and the padlock closed
    # the output layer has a lock too; clicking h1's again lets it learn
    out = editor.scene.layer_columns[-1]
    click(qtbot, editor, view_point(editor, out.lock_button))
    settle()
    assert [l.learns for l in rec.last.layers] == [False, True, False]
    click(qtbot, editor, view_point(editor, editor.scene.layer_columns[0].lock_button))
    settle()
    assert [l.learns for l in rec.last.layers] == [True, True, False]


def test_frozen_layer_in_the_window_keeps_its_weights_while_training(qtbot, window):
    s = window.session
    h1 = window.editor.scene.layer_columns[0]
    click(qtbot, window.editor, view_point(window.editor, h1.lock_button))
    settle()
    assert not s.spec.layers[0].learns
    qtbot.waitUntil(lambda: s.latest.spec == s.spec, timeout=5000)
    start = np.array(s.latest.params)
    s.step(20)
    qtbot.waitUntil(lambda: s.latest.epoch >= 20, timeout=10000)
    mask = learning_mask(window.session.worker._trainer.network)
    frozen = mask == 0.0
    assert np.array_equal(s.latest.params[frozen], start[frozen])
    assert not np.array_equal(s.latest.params[~frozen], start[~frozen])
    assert window.editor.scene.layer_columns[0].frozen
    s.undo_stack.undo()
    assert s.spec.layers[0].learns and not window.editor.scene.layer_columns[0].frozen
