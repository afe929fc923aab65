"""Driving the network editor as a user does: drops from the palette, header drags, buttons,
keys, menus and feature clicks, each checked on the spec the editor emits."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QContextMenuEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from engine.core.spec import NetworkSpec
from gui.editor import menus
from gui.editor.layout import PITCH, gap_x
from test_editor_support import SpecRecorder, click, drag, make_editor, scene_point, settle, view_point


def xor_spec(*hidden: int) -> NetworkSpec:
    return NetworkSpec.stack(2, hidden or (4,), features=["x", "y"])


def drop(editor, mime: QMimeData, pos: QPoint) -> QDropEvent:
    """What a real palette drag delivers, sent directly (QDrag.exec is a no-op offscreen)."""
    vp = editor.view.viewport()
    posf = QPointF(pos)
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, enter)
    move = QDragMoveEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, move)
    event = QDropEvent(posf, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, event)
    return event


def right_click(editor, pos: QPoint) -> None:
    """The context-menu event a right click produces (menus are answered by choose_menu_entry)."""
    vp = editor.view.viewport()
    QApplication.sendEvent(vp, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, vp.mapToGlobal(pos)))


def choose_menu_entry(monkeypatch, text: str) -> list[list[str]]:
    """Make QMenu.exec pick the entry whose text contains `text`; record what was offered."""
    offered: list[list[str]] = []

    def fake_exec(menu, *args, **kwargs):
        offered.append([a.text() for a in menu.actions()])
        for a in menu.actions():
            if text in a.text():
                return a
        return None

    monkeypatch.setattr(menus, "run_menu", fake_exec)
    return offered


def test_palette_drop_between_columns_inserts_a_layer_there(qtbot):
    editor = make_editor(qtbot, xor_spec(4))
    rec = SpecRecorder(editor)
    mime = editor.palette.tiles["relu"].mime_data()
    drop(editor, mime, scene_point(editor, gap_x(0), 0))  # between the features and h1
    new = rec.last
    assert [(l.units, l.activation) for l in new.layers] == [(4, "relu"), (4, "tanh"), (1, "tanh")]
    assert new.is_plain_stack()
    settle()
    assert [c.layer.name for c in editor.scene.layer_columns] == [l.name for l in new.layers]

    mime = editor.palette.tiles["sigmoid"].mime_data()
    drop(editor, mime, scene_point(editor, gap_x(2), 0))  # between the second layer and the output
    assert [l.activation for l in rec.last.layers] == ["relu", "tanh", "sigmoid", "tanh"]
    assert len(rec.specs) == 2


def test_foreign_drop_is_ignored(qtbot):
    editor = make_editor(qtbot, xor_spec(4))
    rec = SpecRecorder(editor)
    mime = QMimeData()
    mime.setText("not a layer")
    event = drop(editor, mime, scene_point(editor, gap_x(0), 0))
    assert not event.isAccepted()
    assert rec.specs == []


def test_drag_layer_header_to_reorder(qtbot):
    spec = NetworkSpec.stack(2, [4, 2], activation=["tanh", "relu"], features=["x", "y"])
    editor = make_editor(qtbot, spec)
    rec = SpecRecorder(editor)
    h1 = editor.scene.layer_columns[0]
    start = view_point(editor, h1, h1.header_rect().topLeft() + QPointF(20, 12))
    end = scene_point(editor, gap_x(2) - 10, h1.mapToScene(QPointF(0, -40)).y())  # past h2
    vp = editor.view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    for i in range(1, 7):
        qtbot.mouseMove(vp, start + (end - start) * (i / 6))
    mark = editor.scene.insert_mark
    assert mark.isVisible() and mark.line().x1() == pytest.approx(gap_x(2))  # between h2 and out
    assert h1.x() > editor.scene.layer_columns[1].x()  # the card follows the pointer
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=end)
    assert not mark.isVisible()
    assert [(l.name, l.units, l.activation) for l in rec.last.layers] == [("h2", 2, "relu"), ("h1", 4, "tanh"), ("out", 1, "tanh")]
    assert rec.last.is_plain_stack()


def test_short_header_drag_only_selects(qtbot):
    editor = make_editor(qtbot, xor_spec(4, 2))
    rec = SpecRecorder(editor)
    h1 = editor.scene.layer_columns[0]
    click(qtbot, editor, view_point(editor, h1, h1.header_rect().topLeft() + QPointF(20, 12)))
    assert h1.isSelected() and rec.specs == []


def test_delete_key_removes_the_selected_layer(qtbot):
    editor = make_editor(qtbot, xor_spec(4, 2))
    rec = SpecRecorder(editor)
    h2 = editor.scene.layer_columns[1]
    click(qtbot, editor, view_point(editor, h2, h2.header_rect().topLeft() + QPointF(20, 12)))
    qtbot.keyClick(editor.view.viewport(), Qt.Key.Key_Delete)
    assert [l.units for l in rec.last.layers] == [4, 1]
    settle()
    qtbot.keyClick(editor.view.viewport(), Qt.Key.Key_Delete)  # nothing selected now
    assert len(rec.specs) == 1
    assert "Select a hidden layer" in editor.message_label.text()


def test_plus_minus_keys_resize_the_selected_layer(qtbot):
    editor = make_editor(qtbot, xor_spec(4, 2))
    rec = SpecRecorder(editor)
    h2 = editor.scene.layer_columns[1]
    click(qtbot, editor, view_point(editor, h2, h2.header_rect().topLeft() + QPointF(20, 12)))
    qtbot.keyClick(editor.view.viewport(), Qt.Key.Key_Plus)
    assert [l.units for l in rec.last.layers] == [4, 3, 1]
    settle()
    h2 = editor.scene.layer_columns[1]
    h2.setSelected(True)
    qtbot.keyClick(editor.view.viewport(), Qt.Key.Key_Minus)
    assert [l.units for l in rec.last.layers] == [4, 2, 1]


def test_remove_button(qtbot):
    editor = make_editor(qtbot, xor_spec(4, 2))
    rec = SpecRecorder(editor)
    h1 = editor.scene.layer_columns[0]
    click(qtbot, editor, view_point(editor, h1.remove_button))
    assert [l.units for l in rec.last.layers] == [2, 1]
    assert editor.scene.layer_columns[-1].remove_button is None  # the output has none


def test_plus_minus_buttons_and_the_one_unit_limit(qtbot):
    editor = make_editor(qtbot, xor_spec(2))
    rec = SpecRecorder(editor)
    click(qtbot, editor, view_point(editor, editor.scene.layer_columns[0].plus_button))
    assert rec.last.layers[0].units == 3
    settle()
    click(qtbot, editor, view_point(editor, editor.scene.layer_columns[0].minus_button))
    assert rec.last.layers[0].units == 2
    settle()
    click(qtbot, editor, view_point(editor, editor.scene.layer_columns[0].minus_button))
    settle()
    assert rec.last.layers[0].units == 1
    click(qtbot, editor, view_point(editor, editor.scene.layer_columns[0].minus_button))
    assert len(rec.specs) == 3  # refused
    assert "at least one unit" in editor.message_label.text()
    assert len(editor.scene.layer_columns[0].units) == 1


def test_drag_resize_handle(qtbot):
    editor = make_editor(qtbot, xor_spec(3))
    rec = SpecRecorder(editor)
    handle = editor.scene.layer_columns[0].handle
    start_scene = handle.mapToScene(QPointF(0, 6))
    start = editor.view.mapFromScene(start_scene)
    end = editor.view.mapFromScene(start_scene + QPointF(0, 2 * PITCH + 3))
    drag(qtbot, editor, start, end)
    assert rec.last.layers[0].units == 5


def test_activation_menu(qtbot, monkeypatch):
    editor = make_editor(qtbot, xor_spec(4))
    rec = SpecRecorder(editor)
    offered = choose_menu_entry(monkeypatch, "Leaky ReLU")
    click(qtbot, editor, view_point(editor, editor.scene.layer_columns[0].activation_button))
    assert rec.last.layers[0].activation == "leaky_relu"
    assert "Softmax" not in offered[0]  # hidden layers are never offered softmax
    settle()
    assert editor.scene.layer_columns[0].activation_button.text.startswith("LReLU")


def test_click_feature_toggles_it(qtbot):
    editor = make_editor(qtbot, xor_spec(4))
    rec = SpecRecorder(editor)
    features = editor.scene.input_columns[0].feature_nodes
    click(qtbot, editor, view_point(editor, features["x2"], QPointF(0, 0)))
    assert rec.last.features == ("x", "y", "x2") and rec.last.n_inputs == 3
    settle()
    features = editor.scene.input_columns[0].feature_nodes
    click(qtbot, editor, view_point(editor, features["x"], QPointF(0, 0)))
    assert rec.last.features == ("y", "x2")
    settle()
    assert editor.scene.bundle("input", "h1").shape_full == (2, 4)


def test_drag_a_connection_then_remove_it(qtbot, monkeypatch):
    editor = make_editor(qtbot, xor_spec(4))
    rec = SpecRecorder(editor)
    port = editor.scene.input_columns[0].port
    out = editor.scene.layer_columns[-1]
    drag(qtbot, editor, view_point(editor, port, QPointF(0, 0)), view_point(editor, out.units[0], QPointF(0, 0)))
    assert rec.last.sources_of(1) == ("h1", "input")
    settle()
    skip = editor.scene.bundle("input", "out")
    assert skip is not None and skip.curved and skip.shape_full == (2, 1)

    choose_menu_entry(monkeypatch, "Remove connection")
    pos = editor.view.mapFromScene(skip.midpoint(0))
    right_click(editor, pos)
    assert rec.last.is_plain_stack() and len(rec.specs) == 2
    settle()
    assert editor.scene.bundle("input", "out") is None

    only = editor.scene.bundle("h1", "out")
    pos = editor.view.mapFromScene(only.midpoint(0))
    right_click(editor, pos)
    assert len(rec.specs) == 2
    assert "only input" in editor.message_label.text()


def test_connection_into_an_input_is_refused(qtbot):
    editor = make_editor(qtbot, xor_spec(4))
    rec = SpecRecorder(editor)
    h1 = editor.scene.layer_columns[0]
    feat = editor.scene.input_columns[0].feature_nodes["x"]
    drag(qtbot, editor, view_point(editor, h1.port, QPointF(0, 0)), view_point(editor, feat, QPointF(0, 0)))
    assert rec.specs == []
    assert "not into inputs" in editor.message_label.text()


def test_click_unit_selects_it(qtbot):
    editor = make_editor(qtbot, xor_spec(4))
    with qtbot.waitSignal(editor.unitSelected) as blocker:
        click(qtbot, editor, view_point(editor, editor.scene.layer_columns[0].units[2], QPointF(0, 0)))
    assert blocker.args == ["h1", 2]
    units = editor.scene.layer_columns[0].units
    assert units[2].is_selected_unit() and not units[1].is_selected_unit()


def test_family_tree_shape_draws_groups_and_skip_curves(qtbot):
    from test_editor_edits import family_like

    editor = make_editor(qtbot, family_like())
    scene = editor.scene
    assert [c.name for c in scene.input_columns] == ["person", "relation"]
    assert scene.bundle("relation", "enc_r").curved  # skips the enc_p column
    assert not scene.bundle("enc_r", "shared").curved
    assert len(scene.bundle("person", "enc_p").points) == 5 * 3


def test_a_refused_edit_leaves_the_drawing_alone(qtbot):
    editor = make_editor(qtbot, xor_spec(3))
    rec = SpecRecorder(editor, accept=False)
    click(qtbot, editor, view_point(editor, editor.scene.layer_columns[0].plus_button))
    settle()
    assert rec.last.layers[0].units == 4
    assert editor.spec.layers[0].units == 3 and len(editor.scene.layer_columns[0].units) == 3


def test_without_listeners_the_editor_applies_its_own_edits(qtbot):
    editor = make_editor(qtbot, xor_spec(3))
    click(qtbot, editor, view_point(editor, editor.scene.layer_columns[0].plus_button))
    settle()
    assert editor.spec.layers[0].units == 4 and len(editor.scene.layer_columns[0].units) == 4


def test_narrow_editor_gets_an_icon_palette_that_still_drops(qtbot):
    editor = make_editor(qtbot, xor_spec(4))
    assert not editor.palette.compact
    editor.resize(600, 420)
    qtbot.waitUntil(lambda: editor.palette.compact)
    assert editor.palette.width() < 60 and not editor.palette.hint.isVisible()
    rec = SpecRecorder(editor)
    editor.view.fit()
    drop(editor, editor.palette.tiles["softplus"].mime_data(), scene_point(editor, gap_x(1), 0))
    assert [l.activation for l in rec.last.layers] == ["tanh", "softplus", "tanh"]


def test_the_output_layer_cannot_be_dragged_away(qtbot):
    editor = make_editor(qtbot, xor_spec(4))
    rec = SpecRecorder(editor)
    out = editor.scene.layer_columns[-1]
    start = view_point(editor, out, out.header_rect().topLeft() + QPointF(20, 12))
    drag(qtbot, editor, start, scene_point(editor, gap_x(0), out.mapToScene(QPointF(0, -40)).y()))
    assert rec.specs == []
    assert "stays last" in editor.message_label.text()
