"""The file controller wired into the real playground window (gui.files.attach_to_main_window)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from engine.data.sources import CsvSource
from engine.files.serialize import load_project
from gui.files import attach_to_main_window
from test_files_support import dialogs, window  # noqa: F401 - fixtures: the window with its File menu

Button = QMessageBox.StandardButton


def settle(qtbot, w, epoch):
    qtbot.waitUntil(lambda: w.session.latest is not None and w.session.latest.epoch == epoch and not w.session.worker._commands, timeout=10000)
    qtbot.wait(50)
    w.session.pull()


def test_file_menu_holds_the_file_actions_before_quit(window):
    texts = [a.text() for a in window.file_menu.actions() if a.text()]
    for wanted in ("&Open…", "Open &Recent", "&Save", "Save &As…", "&Import CSV data…", "&Export"):
        assert wanted in texts
    assert texts[-1] == "&Quit"
    keys = dict(window.shortcuts)
    assert "Save" in keys.values() and "Open" in keys.values()


def test_save_reset_open_brings_the_trained_weights_back(qtbot, window, dialogs, tmp_path):
    files = window.files
    window.session.step(7)
    settle(qtbot, window, 7)
    trained = np.array(window.session.latest.params)
    assert files.is_modified()  # trained since the (never) saved state
    path = tmp_path / "xor.json"
    assert files.save_to(path)
    assert not files.is_modified()
    saved = load_project(path)
    assert saved.epoch == 7 and np.array_equal(saved.params, trained)

    window.session.reset()
    settle(qtbot, window, 0)
    assert files.is_modified()
    dialogs.answers.append(Button.Discard)  # throw the reset run away
    assert files.open_path(path)
    settle(qtbot, window, 7)
    assert np.array_equal(window.session.latest.params, trained)
    assert not files.is_modified() and window.windowFilePath() == str(path)


def test_close_with_unsaved_work_cancel_then_discard(qtbot, window, dialogs):
    window.session.edit_optimizer("Learning rate", lr=0.2)
    assert window.files.is_modified()
    dialogs.answers.append(Button.Cancel)
    window.close()
    assert window.isVisible() and window.session.worker.alive
    dialogs.answers.append(Button.Discard)
    window.close()
    assert not window.isVisible() and not window.session.worker.alive


def test_importing_a_csv_with_three_inputs_adapts_the_network(qtbot, window, dialogs, tmp_path):
    csv = tmp_path / "three.csv"
    rng = np.random.default_rng(0)
    rows = "".join(f"{a:.3f},{b:.3f},{c:.3f},{'yes' if a + b > c else 'no'}\n" for a, b, c in rng.normal(size=(30, 3)))
    csv.write_text("a,b,c,label\n" + rows)
    hidden = [l.units for l in window.session.spec.hidden]
    assert window.files.import_csv(csv)
    spec = window.session.spec
    assert spec.n_inputs == 3 and spec.n_outputs == 1 and [l.units for l in spec.hidden] == hidden
    assert window.session.dataset.n_inputs == 3
    assert window.files.is_modified()
    assert not dialogs.errors


def test_every_dock_plot_exports_to_png(qtbot, window, dialogs, tmp_path):
    views = window.files._window.plots()
    assert {"Network", "Loss", "Output"} <= set(views)
    for i, name in enumerate(views):
        assert window.files.export_plot(name, "png", tmp_path / f"view{i}.png"), dialogs.errors
        assert (tmp_path / f"view{i}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_an_example_run_keeps_its_preset_and_speed_through_save_and_open(qtbot, window, dialogs, tmp_path):
    from engine.presets import get_preset

    preset = get_preset("xor-2-2-1")
    window.session.adopt(preset.make_trainer(), None, preset.name)
    window.session.set_speed(20.0)
    settle(qtbot, window, 0)
    path = tmp_path / "example.json"
    assert window.files.save_to(path)
    assert load_project(path).extra == {"speed": 20.0, "preset": "xor-2-2-1"}
    window.session.adopt(get_preset("encoder-4-2-4").make_trainer(), None, "encoder-4-2-4")
    window.session.set_speed(None)
    assert window.files.open_path(path)
    assert window.session.preset_name == "xor-2-2-1" and window.session.speed == 20.0
    assert window.session.spec == preset.spec


@pytest.mark.parametrize("where", ["editor", "output"])
def test_dropping_a_csv_anywhere_on_the_window_imports_it(qtbot, window, dialogs, tmp_path, where):
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QAbstractScrollArea, QApplication

    csv = tmp_path / "pairs.csv"
    rows = "".join(f"{x},{y},{int(x * y > 0)}\n" for x, y in np.random.default_rng(1).uniform(-5, 5, (40, 2)))
    csv.write_text("x,y,label\n" + rows)
    target = window.editor if where == "editor" else window.output_plot.plot
    if isinstance(target, QAbstractScrollArea):
        target = target.viewport()  # where a drop really lands
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(csv))])
    pos = QPoint(target.width() // 2, target.height() // 2)
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    assert isinstance(window.session.source, CsvSource) and window.session.source.path == str(csv.resolve())
    assert not dialogs.errors
