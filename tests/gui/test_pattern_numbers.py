"""Patterns are counted from 1 on screen (like units: h1[1] is unit 0) in the patterns table,
the step-through's picker, its phase titles, the canvas caption, the chain-rule card's error
map and the error-signal rows; the code keeps 0-based indices (value(), pattern_index)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.core.spec import NetworkSpec
from engine.data.datasets import xor_table
from engine.training.trainer import Trainer
from gui.panels.backward.pattern_picker import PatternSpinBox
from gui.panels.backward.error_maps import ErrorMapsPanel
from gui.panels.pattern_table import PatternTable
from test_stage import build


def test_pattern_picker_shows_and_takes_numbers_from_1(qtbot):
    box = PatternSpinBox()
    qtbot.addWidget(box)
    box.setRange(0, 3)  # four patterns: indices 0..3
    box.show()
    assert box.value() == 0 and box.text() == "pattern 1"
    box.setValue(3)
    assert box.text() == "pattern 4"
    box.lineEdit().selectAll()
    QTest.keyClicks(box.lineEdit(), "2")
    QTest.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert box.value() == 1 and box.text() == "pattern 2"  # typed 2: the second pattern, index 1
    box.lineEdit().selectAll()
    QTest.keyClicks(box.lineEdit(), "5")  # there is no fifth pattern: refused
    QTest.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert box.value() == 1
    box.stepBy(-1)
    assert box.value() == 0 and box.text() == "pattern 1"
    box.stepBy(-1)
    assert box.value() == 0  # nothing below the first


def test_step_through_texts_and_error_map_count_patterns_from_1(qtbot):
    t = Trainer(NetworkSpec.stack(2, [3], 1, seed=3), xor_table())
    t.step(20)
    editor, card = build(qtbot, t)
    card.mode_action.trigger()
    card.pattern_box.setValue(2)  # index 2: the third row of the table
    assert card.walk.pattern_index == 2
    assert card.pattern_box.text() == "pattern 3"
    assert card.phase_label.text() == "Phase 1/6: Inputs"  # the picker above says "pattern 3"
    assert editor.step_picture.caption.startswith("Pattern 3 · step 1 of 6: Inputs\n")  # said once
    assert editor.view.step_caption.startswith("Pattern 3 ·")
    card.select_unit("h1", 0)
    em = card.error_map
    assert "pattern 3 outlined" in em.title.text()
    # bars at 1..4 on the axis, the stepped pattern's bar outlined at 3
    xs = np.asarray(em.bars.opts["x"])
    assert list(xs) == [1, 2, 3, 4]
    assert list(em.mark_bar.opts["x"]) == [3] and em.mark_bar.opts["height"][0] == em.values[2]
    assert em.plot.getAxis("bottom")._tickLevels == [[(1, "1"), (2, "2"), (3, "3"), (4, "4")]]  # no "1.5"


def test_patterns_table_rows_and_tooltips_count_from_1(qtbot):
    t = Trainer(NetworkSpec.stack(2, [2], 1, seed=1), xor_table())
    table = PatternTable()
    qtbot.addWidget(table)
    table.set_dataset(t.data)
    table.show_snapshot(t.snapshot())
    m = table.model
    headers = [m.headerData(r, Qt.Orientation.Vertical) for r in range(m.rowCount())]
    assert headers == ["1 · 0 0", "2 · 0 1", "3 · 1 0", "4 · 1 1"]
    assert "Pattern 2 of 4" in m.headerData(1, Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole)
    c = m.columns_of("target")[0]
    assert m.data(m.index(0, c), Qt.ItemDataRole.ToolTipRole).startswith("pattern 1 (0 0) · ")
    # data whose inputs are shown in their own columns (points on the plane): just the number
    from engine.data.datasets import planar

    t2 = Trainer(NetworkSpec.stack(2, [2], 1, features=["x", "y"], seed=1), planar("xor", 20, seed=1))
    table2 = PatternTable()
    qtbot.addWidget(table2)
    table2.set_dataset(t2.data)
    m2 = table2.model
    assert not m2.inputs_in_row_labels
    assert [m2.headerData(r, Qt.Orientation.Vertical) for r in range(3)] == ["1", "2", "3"]
    x, y = t2.data.x_train[0]
    assert f"inputs: {x:.2f}, {y:.2f}" in m2.headerData(0, Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole)
    # what is drawn: the header's first row reads "1 · 0 0"
    table.resize(300, 300)
    table.show()
    vh = table.view.verticalHeader()
    assert vh.sectionSize(0) > 0 and vh.width() >= vh.fontMetrics().horizontalAdvance("4 · 1 1")


def test_error_signal_rows_put_pattern_1_and_unit_1_at_1_on_the_axes(qtbot):
    t = Trainer(NetworkSpec.stack(2, [3], 1, seed=3), xor_table())
    panel = ErrorMapsPanel(resolution=12)
    qtbot.addWidget(panel)
    panel.set_context(t.data)
    panel.show_snapshot(t.snapshot())
    panel.refresh_now()
    img, _ = panel.pattern_cells["h1"]
    rect = img.mapRectToParent(img.boundingRect())
    assert (rect.left(), rect.right()) == (0.5, 4.5)  # 4 patterns centred on 1, 2, 3, 4
    assert (rect.top(), rect.bottom()) == (0.5, 3.5)  # 3 units centred on 1, 2, 3 (h1[1] .. h1[3])
    plot = panel.pattern_plots["h1"]
    assert plot.getAxis("bottom")._tickLevels == [[(1, "1"), (2, "2"), (3, "3"), (4, "4")]]  # whole numbers
    assert plot.getAxis("left")._tickLevels == [[(1, "1"), (2, "2"), (3, "3")]]


def test_patterns_table_built_late_shows_the_outputs_at_once(qtbot, window):
    """Opened after training has paused, the table shows the network's outputs straight away
    (the window gives a new view the latest snapshot, then the data: the data must not wipe it)."""
    from PySide6.QtWidgets import QApplication

    s = window.session
    s.step(3)
    qtbot.waitUntil(lambda: s.latest is not None and s.latest.epoch >= 3, timeout=10000)
    assert not s.playing
    window.show_workspace("inspect")
    QApplication.processEvents()
    table = window.docks["patternsDock"].view.view()  # the placeholder's view, built when its tab opened
    m = table.model
    assert m.columns_of("output"), "no output columns until the next snapshot"
    out = m.columns_of("output")[0]
    assert m.value(0, out) == s.latest.pattern_activations[s.spec.layers[-1].name][0, 0]
