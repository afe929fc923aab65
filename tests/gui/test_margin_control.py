"""The loss controls' error-margin box: an undoable spec edit that reaches the worker."""
from PySide6.QtCore import Qt


def test_margin_box_edits_the_spec_undoably_and_follows_the_loss(window, qtbot):
    s, box = window.session, window.controls.margin
    assert box.value() == 0.0 and box.text() == "off" and box.isEnabled()
    assert "no error" in box.toolTip()
    box.setValue(0.2)
    assert s.spec.margin == 0.2
    qtbot.waitUntil(lambda: s.latest is not None and s.latest.spec.margin == 0.2, timeout=30000)
    s.undo_stack.undo()
    assert s.spec.margin == 0.0 and box.value() == 0.0
    s.undo_stack.redo()
    assert s.spec.margin == 0.2 and box.value() == 0.2
    # cross-entropy has no margin: choosing it clears the margin and disables the box
    loss = window.controls.loss
    loss.setCurrentIndex(loss.findData("bce"))
    loss.activated.emit(loss.currentIndex())
    assert s.spec.loss == "bce" and s.spec.margin == 0.0
    assert not box.isEnabled()
    s.undo_stack.undo()
    assert s.spec.loss == "squared" and s.spec.margin == 0.2 and box.isEnabled()


def test_typing_a_margin_makes_one_edit(window, qtbot):
    s, box = window.session, window.controls.margin
    before = s.undo_stack.count()
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box.lineEdit(), "0.25")
    assert s.spec.margin == 0.0  # nothing while typing
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert s.spec.margin == 0.25 and s.undo_stack.count() == before + 1
