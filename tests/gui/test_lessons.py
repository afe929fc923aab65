"""The lessons on the real window, walked as a learner would: open the panel, set up, do the
task with clicks and keys, see the check fire; progress survives a new window; a broken
lesson file is refused with one line while the others load."""
from __future__ import annotations

import json
import shutil

from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtWidgets import QApplication

from gui.app import make_application
from gui.lessons import model
from gui.main_window import MainWindow
from test_editor_support import view_point

WAIT = 60000  # ms; training here takes a second or two, the first numba compile may take longer on a busy machine


def lessons_of(window):
    return window.lessons


def open_panel(qtbot, window):
    """Ctrl+L, as the Lessons menu says."""
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    L = lessons_of(window)
    qtbot.waitUntil(lambda: L.panel.isVisible() and L.panel.setup_button.isVisible(), timeout=5000)
    return L


def go_to(qtbot, window, lesson_id):
    """Click the lesson's numbered tick button at the top of the panel."""
    L = open_panel(qtbot, window)
    index = [l.id for l in L.controller.lessons].index(lesson_id)
    qtbot.mouseClick(L.panel.tick_buttons[index], Qt.MouseButton.LeftButton)
    assert L.controller.index == index
    assert L.panel.heading.text().startswith(f"Lesson {index + 1} of ")
    return L


def set_up(qtbot, window, lesson_id):
    L = go_to(qtbot, window, lesson_id)
    qtbot.mouseClick(L.panel.setup_button, Qt.MouseButton.LeftButton)
    assert L.controller.armed
    return L


def press_play(qtbot, window, playing=True):
    qtbot.mouseClick(window.controls.play_button, Qt.MouseButton.LeftButton)
    assert window.session.playing == playing


def wait_done(qtbot, L, lesson_id):
    qtbot.waitUntil(lambda: L.controller.done_text is not None, timeout=WAIT)
    assert L.controller.is_done(lesson_id)
    assert L.panel.result_text().startswith("✓ Done!")
    return L.panel.result_text()


def click_editor(qtbot, window, item):
    qtbot.mouseClick(window.editor.view.viewport(), Qt.MouseButton.LeftButton, pos=view_point(window.editor, item))


def click_unit(qtbot, window, column, unit):
    window.editor.view.fit()
    QApplication.processEvents()
    item = window.editor.scene.layer_columns[column].units[unit]
    qtbot.mouseClick(window.editor.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view_point(window.editor, item, QPointF(0, 0)))


# ----- the six lessons -------------------------------------------------------------------------
def test_lesson_1_remove_the_hidden_layer_and_play(qtbot, window):
    L = set_up(qtbot, window, "perceptron-xor")
    assert [l.units for l in window.session.spec.layers] == [4, 1]
    assert window.session.speed == 100
    assert "still has 1 hidden layer" in L.panel.result_text()
    press_play(qtbot, window)  # training before the edit must not count
    qtbot.waitUntil(lambda: window.session.latest.epoch >= 5, timeout=WAIT)
    press_play(qtbot, window, playing=False)  # pause
    window.editor.view.fit()
    click_editor(qtbot, window, window.editor.scene.layer_columns[0].remove_button)
    assert window.session.spec.hidden == ()
    qtbot.waitUntil(lambda: "Trained 0 of 200" in L.panel.result_text(), timeout=5000)
    press_play(qtbot, window)
    text = wait_done(qtbot, L, "perceptron-xor")
    snap = window.session.latest
    assert snap.spec.hidden == () and snap.train_acc < 0.75  # XOR stays out of reach
    shown = int(text.split("only ")[1].split("%")[0])
    assert shown < 75 and "one straight line" in text


def test_lesson_2_hidden_layer_learns_xor(qtbot, window):
    L = set_up(qtbot, window, "hidden-layer")
    assert window.session.spec.layers[0].units == 4 and window.session.dataset.planar
    assert not L.controller.done_text
    press_play(qtbot, window)
    text = wait_done(qtbot, L, "hidden-layer")
    shown = int(text.split("Test accuracy ")[1].split("%")[0])  # what the check saw (training goes on)
    assert shown >= 95 and L.controller.result.values["epoch"] > 0
    assert "Nobody gave the hidden units a target" in text


def test_lesson_3_the_race_at_200_weights(qtbot, window):
    L = set_up(qtbot, window, "perturbation-cost")
    race = window.race_panel
    QApplication.processEvents()
    assert not race.visibleRegion().isEmpty()  # the lesson brought the race forward
    assert race.spec == window.session.spec and race.n_weights == 105 and not race.racing
    assert "105 weights now" in L.panel.result_text() or "give it more hidden units" in L.panel.result_text()
    spin = race.width_spin
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, "12")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert race.n_weights == 205  # two hidden layers of 12: the weights grow with the square of the width
    qtbot.waitUntil(lambda: "205 weights now" in L.panel.result_text(), timeout=5000)
    qtbot.mouseClick(race.start_button, Qt.MouseButton.LeftButton)
    assert race.racing
    text = wait_done(qtbot, L, "perturbation-cost")
    race.pause()
    values = L.controller.result.values
    assert values["passes_per_step"] == 206 and values["backprop_passes_per_step"] == 2  # measured by the race
    assert "costs 206 passes" in text and "needs only 2" in text


def test_lesson_4_frozen_hidden_layer_fails_xor(qtbot, window):
    L = set_up(qtbot, window, "frozen-hidden")
    assert window.session.spec.layers[0].learns is False
    before = window.session.latest.weights[0][0].copy()
    press_play(qtbot, window)
    text = wait_done(qtbot, L, "frozen-hidden")
    snap = window.session.latest
    assert (snap.weights[0][0] == before).all()  # the frozen layer kept its weights
    assert snap.train_acc < 1.0 and "patterns are right" in text


def test_lesson_5_step_through_and_find_the_largest_blame(qtbot, window):
    L = set_up(qtbot, window, "backprop-blame")
    step = window.backward_panel.step_through
    QApplication.processEvents()
    assert step.isVisible() and not step.visibleRegion().isEmpty()  # the lesson brought its tab to the front
    assert any(f.parentWidget() is step for f in L.highlighter.frames)
    qtbot.mouseClick(step.toolbar.widgetForAction(step.mode_action), Qt.MouseButton.LeftButton)
    assert step.active
    assert "Next" in L.panel.result_text()
    next_button = step.toolbar.widgetForAction(step.next_action)
    while "h1" not in step.walk.current.deltas:
        qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert step.walk.current.kind == "backward"
    deltas = step.walk.current.deltas["h1"]  # the δ values drawn on the editor's units
    best = int(abs(deltas).argmax())
    wrong = 1 - best
    click_unit(qtbot, window, 0, wrong)  # the editor's canvas shows each unit's δ during the step-through
    assert step.selected == ("h1", wrong)
    if abs(deltas[wrong]) < abs(deltas[best]):
        assert "another hidden unit has more blame" in L.panel.result_text()
        assert L.controller.done_text is None
    click_unit(qtbot, window, 0, best)
    text = wait_done(qtbot, L, "backprop-blame")
    assert f"h1[{best + 1}]" in text  # 1-based for the student


def test_lesson_6_the_encoder_invents_a_code(qtbot, window):
    L = set_up(qtbot, window, "representations")
    assert window.session.preset_name == "encoder-4-2-4"
    assert window.docks["patternsDock"].isVisible()
    press_play(qtbot, window)
    text = wait_done(qtbot, L, "representations")
    codes = text.split("codes ")[1].split(":")[0].split(", ")
    assert len(codes) == 4 and len(set(codes)) == 4 and all(set(c) <= {"0", "1"} and len(c) == 2 for c in codes)


# ----- panel behaviour -----------------------------------------------------------------------
def test_next_previous_and_highlights_follow_the_lesson(qtbot, window):
    L = go_to(qtbot, window, "perceptron-xor")
    targets = L.highlighter.targets()
    assert window.editor in targets and window.docks["outputDock"] in targets
    old_frames = list(L.highlighter.frames)
    assert not L.panel.prev_button.isEnabled()
    qtbot.mouseClick(L.panel.next_button, Qt.MouseButton.LeftButton)
    assert L.controller.lesson.id == "hidden-layer"
    QApplication.processEvents()
    assert all(not f.isVisible() for f in old_frames)
    assert window.docks["unitsDock"] in L.highlighter.targets() and window.editor not in L.highlighter.targets()
    assert not L.controller.armed and "Set up this lesson" in L.panel.result_text()
    qtbot.mouseClick(L.panel.prev_button, Qt.MouseButton.LeftButton)
    assert L.controller.lesson.id == "perceptron-xor"
    qtbot.mouseClick(L.panel.tick_buttons[-1], Qt.MouseButton.LeftButton)
    assert not L.panel.next_button.isEnabled()


def test_a_check_does_not_fire_before_set_up(qtbot, window):
    L = go_to(qtbot, window, "hidden-layer")
    press_play(qtbot, window)  # the default network learns the default XOR data too
    qtbot.waitUntil(lambda: window.session.latest.epoch > 50, timeout=WAIT)
    assert L.controller.done_text is None and not L.controller.is_done("hidden-layer")


def test_progress_is_kept_in_a_new_window(qtbot, window, tmp_path):
    L = set_up(qtbot, window, "backprop-blame")
    step = window.backward_panel.step_through
    step.mode_action.trigger()
    while "h1" not in step.walk.current.deltas:
        step.next_phase()
    best = int(abs(step.walk.current.deltas["h1"]).argmax())
    click_unit(qtbot, window, 0, best)
    wait_done(qtbot, L, "backprop-blame")
    assert L.panel.tick_buttons[4].text() == "5 ✓"
    assert "1 of 6 done" in L.panel.progress_label.text()

    again = MainWindow(settings=QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat),
                       grid_resolution=24, restore_layout=False, files=False)
    qtbot.addWidget(again)
    try:
        L2 = again.lessons
        assert L2.controller.is_done("backprop-blame") and not L2.controller.is_done("perceptron-xor")
        assert L2.controller.lesson.id == "backprop-blame"  # the lesson last open
        assert L2.panel.tick_buttons[4].text() == "5 ✓" and L2.panel.tick_buttons[0].text() == "1"
        assert L2.lesson_actions[4].text().endswith("✓")
        assert "You did this task before" in L2.panel.result_text()
        L2.forget_action.trigger()
        assert L2.panel.tick_buttons[4].text() == "5" and not L2.controller.is_done("backprop-blame")
    finally:
        again.close()


def test_lessons_menu_opens_a_lesson(qtbot, window):
    L = lessons_of(window)
    menu = L.menu
    assert menu.title() == "&Lessons"
    bar_titles = [a.text() for a in window.menuBar().actions()]
    assert bar_titles.index("&Lessons") == bar_titles.index("&Help") - 1
    L.lesson_actions[2].trigger()
    assert L.controller.index == 2 and L.dock.isVisible()


def test_a_broken_lesson_file_is_refused_with_one_line_and_the_others_load(qtbot, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "lessons"
    folder.mkdir()
    for p in model.LESSON_DIR.glob("*.json"):
        shutil.copy(p, folder / p.name)
    bad = json.loads((folder / "02-hidden-layer.json").read_text(encoding="utf-8"))
    bad["check"] = {"check": "accuracy_at_least", "value": "high"}
    (folder / "02-hidden-layer.json").write_text(json.dumps(bad), encoding="utf-8")
    monkeypatch.setattr(model, "LESSON_DIR", folder)
    make_application([])
    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), grid_resolution=24,
                   restore_layout=False, files=False)
    qtbot.addWidget(w)
    try:
        L = w.lessons
        assert [l.id for l in L.controller.lessons] == ["perceptron-xor", "perturbation-cost", "frozen-hidden",
                                                        "backprop-blame", "representations"]
        shown = L.panel.problems_label.text()
        assert shown == "Lesson file 02-hidden-layer.json: the check accuracy_at_least: 'value' must be a number, not 'high'"
        assert w.banner.text == shown  # the window's message strip
        err = [line for line in capsys.readouterr().err.splitlines() if "Lesson file" in line]
        assert err == ["Backprop Playground: " + shown]
    finally:
        w.close()


def _orange(color) -> bool:
    return color.red() > color.blue() + 60 and color.red() >= color.green() and color.hue() in range(15, 50)


def test_views_in_two_workspaces_mark_the_other_tab(qtbot, window):
    """Lesson 4 uses the editor (1 · Build & train) and the patterns table (3 · Look inside): the
    first comes forward, the other's tab is framed and pulses, its tooltip and the panel say
    "also look at", and the marks follow the learner from tab to tab."""
    spaces, bar = window.workspaces, window.workspaces.bar
    own_tips = [bar.tabToolTip(i) for i in range(bar.count())]
    L = go_to(qtbot, window, "frozen-hidden")
    QApplication.processEvents()
    assert spaces.current == "train" and window.editor.isVisible()
    assert set(L.highlighter.tab_frames) == {"inspect"}
    frame = L.highlighter.tab_frames["inspect"]
    assert frame.parentWidget() is bar and frame.isVisible() and frame.geometry() == bar.tabRect(2)
    assert "Also look at this tab" in bar.tabToolTip(2) and "patterns" in bar.tabToolTip(2)
    assert bar.tabToolTip(0) == own_tips[0]
    assert L.panel.also_label.isVisible() and L.panel.also_text() == "Also look at: 3 · Look inside"
    # what is drawn: orange on the framed tab's edge, none on the tab on screen
    shot = bar.grab().toImage()
    r2, r0 = bar.tabRect(2), bar.tabRect(0)
    assert _orange(shot.pixelColor(r2.left() + 2, r2.center().y()))
    assert not _orange(shot.pixelColor(r0.left() + 2, r0.center().y()))
    # it pulses: the frame's strength changes over time
    seen = set()
    qtbot.waitUntil(lambda: seen.add(frame.alpha) or len(seen) > 3, timeout=3000)
    # the learner goes to the other tab: now the editor's tab is the one to come back to
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=r2.center())
    assert spaces.current == "inspect"
    assert set(L.highlighter.tab_frames) == {"train"} and not frame.isVisible()
    assert "editor" in bar.tabToolTip(0) and bar.tabToolTip(2) == own_tips[2]
    assert L.panel.also_text() == "Also look at: 1 · Build & train"
    L.panel.also_label.linkActivated.emit("train")  # the link in the panel goes there
    assert spaces.current == "train" and set(L.highlighter.tab_frames) == {"inspect"}
    # a lesson whose views share one workspace marks no tab
    qtbot.mouseClick(L.panel.tick_buttons[0], Qt.MouseButton.LeftButton)  # lesson 1: editor and output
    assert not L.highlighter.tab_frames and not L.panel.also_label.isVisible() and L.panel.also_text() == ""
    assert [bar.tabToolTip(i) for i in range(bar.count())] == own_tips
