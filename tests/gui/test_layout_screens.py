"""The window on the common screens: it opens within the available screen geometry and
every main view is on screen, whole and at least its smallest readable size
(gui/workspaces.py MIN_*): editor 480x300, plots 240x180, data 190x280, the backward
pass side panel 470x440 with the chain-rule card and its error map fully visible.

The screen is simulated (MainWindow(screen=...)): the tests need no real display."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, QSize
from PySide6.QtWidgets import QApplication, QToolBar, QWidget

from gui.app import make_application
from gui.main_window import MainWindow
from gui.workspaces import MIN_CARD, MIN_DATA, MIN_EDITOR, MIN_INSPECT, MIN_PLOT, window_rect_for

# (screen size, available geometry): bare screens and ones with a 48-px panel (taskbar)
SCREENS = [
    QRect(0, 0, 1280, 720),
    QRect(0, 0, 1280, 672),
    QRect(0, 0, 1366, 768),
    QRect(0, 48, 1366, 720),
    QRect(0, 0, 1920, 1080),
    QRect(0, 0, 1920, 1032),
]


@pytest.fixture
def on_screen(qtbot, tmp_path, monkeypatch):
    made: list[MainWindow] = []

    def build(available: QRect) -> MainWindow:
        make_application([])
        monkeypatch.setenv("BPP_RECOVERY_PATH", str(tmp_path / "recovery.json"))
        settings = QSettings(str(tmp_path / f"layout{len(made)}.ini"), QSettings.Format.IniFormat)
        w = MainWindow(settings=settings, grid_resolution=16, restore_layout=False, files=False, speed=None,
                       screen=available)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        qtbot.waitUntil(lambda: w.session.latest is not None, timeout=10000)
        qtbot.wait(120)  # the frame refit after show
        made.append(w)
        return w

    yield build
    for w in made:
        w.close()


def on_screen_rect(w: MainWindow, widget: QWidget) -> QRect:
    """The widget's rectangle in screen coordinates."""
    return QRect(widget.mapTo(w, QPoint(0, 0)) + w.geometry().topLeft(), widget.size())


def assert_shown_whole(w: MainWindow, widget: QWidget, minimum: QSize, available: QRect, what: str) -> None:
    QApplication.processEvents()
    assert widget.isVisible(), f"{what} is not visible"
    rect = on_screen_rect(w, widget)
    assert available.contains(rect), f"{what} at {rect} leaves the screen {available}"
    assert w.geometry().contains(rect), f"{what} at {rect} leaves the window {w.geometry()}"
    assert widget.width() >= minimum.width() and widget.height() >= minimum.height(), \
        f"{what} is {widget.size().toTuple()}, below its minimum {minimum.toTuple()}"
    seen = unclipped(w, widget)
    assert seen.size() == widget.size(), f"{what} is cut: only {seen.size().toTuple()} of {widget.size().toTuple()} can be seen"


def unclipped(w: MainWindow, widget: QWidget) -> QRect:
    """The part of the widget its ancestors (scroll areas, slots) leave on view, in window coordinates."""
    seen = QRect(widget.mapTo(w, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not w:
        seen &= QRect(parent.mapTo(w, QPoint(0, 0)), parent.size())
        parent = parent.parentWidget()
    return seen


@pytest.mark.parametrize("available", SCREENS, ids=lambda r: f"{r.width()}x{r.height()}+{r.y()}")
def test_every_view_fits_and_is_readable(on_screen, available):
    w = on_screen(available)
    assert available.contains(w.frameGeometry())
    assert w.frameGeometry().width() >= min(available.width(), 1280) - 8  # uses the room there is

    assert w.workspace == "train"
    assert_shown_whole(w, w.editor, MIN_EDITOR, available, "the network editor")
    assert_shown_whole(w, w.data_panel.parentWidget(), MIN_DATA, available, "the data panel")
    assert_shown_whole(w, w.output_plot, MIN_PLOT, available, "the output map")
    w.docks["lossDock"].show()  # a lesson may have brought the unit maps' tab forward
    assert_shown_whole(w, w.loss_plot, MIN_PLOT, available, "the loss plot")
    w.docks["unitsDock"].show()
    assert_shown_whole(w, w.unit_maps, MIN_PLOT, available, "the unit maps")
    assert_shown_whole(w, w.output_plot, MIN_PLOT, available, "the output map beside the unit maps")
    w.docks["lossDock"].show()
    assert_shown_whole(w, w.controls.play_button, QSize(20, 20), available, "the play button")
    assert_shown_whole(w, w.controls.full_speed_button, QSize(20, 20), available, "the full-speed button")

    w.show_backward_workspace()
    panel = w.backward_panel
    step = panel.step_through
    assert step.active and panel.currentWidget() is step
    assert_shown_whole(w, w.editor, MIN_EDITOR, available, "the editor in the backward pass")
    assert_shown_whole(w, panel, MIN_CARD, available, "the backward-pass side panel")
    assert_shown_whole(w, step.card, QSize(300, 250), available, "the chain-rule card")
    assert_shown_whole(w, step.chain_text, step.chain_text.minimumSizeHint(), available, "the chain-rule text")
    assert_shown_whole(w, step.error_map, step.error_map.minimumSizeHint(), available, "the unit's error map")
    for bar in step.findChildren(QToolBar):  # every step button on view, none folded into a ">>" menu
        assert bar.width() >= bar.sizeHint().width(), f"toolbar {bar.windowTitle()} is folded"

    w.show_workspace("inspect")
    assert not step.active  # leaving the backward pass turns the step-through off
    w.docks["hintonDock"].show()
    assert_shown_whole(w, w.docks["hintonDock"], MIN_INSPECT, available, "the Hinton diagrams")
    assert_shown_whole(w, w.docks["patternsDock"], MIN_PLOT, available, "the pattern table")


def test_the_window_rect_for_a_screen_leaves_room_for_the_frame():
    frame_margins = __import__("PySide6.QtCore", fromlist=["QMargins"]).QMargins(1, 30, 1, 1)
    for available in SCREENS:
        inner = window_rect_for(available, frame_margins)
        outer = inner.adjusted(-1, -30, 1, 1)
        assert available.contains(outer)
        assert outer.width() == available.width() and outer.height() == available.height()
    huge = window_rect_for(QRect(0, 0, 3840, 2160), frame_margins)
    assert huge.width() == 1920 and QRect(0, 0, 3840, 2160).contains(huge)  # centred, not a wall of window


def test_views_named_by_other_parts_are_a_click_away(on_screen):
    w = on_screen(QRect(0, 0, 1366, 768))
    w.docks["lossDock"].show()
    assert w.workspace == "train" and w.docks["lossDock"].isVisible()
    w.docks["patternsDock"].show()
    assert w.workspace == "inspect" and w.docks["patternsDock"].isVisible()
    w.docks["hintonDock"].raise_()
    assert w.docks["patternsDock"].isVisible() and w.docks["hintonDock"].isVisible()  # seen together
    w.docks["raceDock"].raise_()
    assert w.workspace == "inspect" and w.docks["raceDock"].isVisible()
    w.workspace_actions[1].trigger()  # View > Backward pass (Ctrl+2)
    assert w.workspace == "backward"
    w.workspace_actions[0].trigger()
    assert w.workspace == "train" and not w.backward_panel.step_through.active


def test_step_through_mode_brings_the_backward_pass_on_stage(on_screen):
    w = on_screen(QRect(0, 0, 1366, 768))
    w.session.play()
    w.backward_panel.step_through.mode_action.trigger()  # Ctrl+B, from the Build & train workspace
    assert w.workspace == "backward"
    assert not w.session.playing  # stepping pauses training
    assert w.editor.parentWidget().objectName() == "backwardEditor"


def test_a_message_never_moves_what_is_under_the_cursor(on_screen):
    w = on_screen(QRect(0, 0, 1366, 768))
    before = {name: on_screen_rect(w, widget) for name, widget in
              (("editor", w.editor), ("output", w.output_plot), ("controls", w.controls))}
    w.show_message("info", "XOR: a long example description " * 8)
    QApplication.processEvents()
    assert w.banner.active and w.banner.label.text().endswith("…")  # one line, elided
    assert w.banner.toolTip().startswith("XOR: a long")  # the whole text on hover
    after = {name: on_screen_rect(w, widget) for name, widget in
             (("editor", w.editor), ("output", w.output_plot), ("controls", w.controls))}
    assert after == before
    w.banner.close_button.click()
    QApplication.processEvents()
    assert not w.banner.active
    assert {name: on_screen_rect(w, widget) for name, widget in
            (("editor", w.editor), ("output", w.output_plot), ("controls", w.controls))} == before
