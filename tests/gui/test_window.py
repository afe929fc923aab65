"""The playground window driven as a user would: keys, clicks, sliders; assertions on the
model state and on what is drawn."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from engine.core.spec import NetworkSpec
from engine.data.sources import CsvSource, PlanarSource
from gui.app import make_application
from gui.editor import NetworkEditor
from gui.main_window import MainWindow
from gui.panels.controls import SPEEDS


def epoch(w: MainWindow) -> int:
    return w.session.latest.epoch


def wait_settled(qtbot, w: MainWindow) -> int:
    """Wait until training has stopped and the newest state is on screen; return its epoch."""
    qtbot.waitUntil(lambda: not w.session.worker.playing and not w.session.worker._commands, timeout=10000)
    qtbot.wait(60)
    return epoch(w)


def test_opens_on_xor_ready_to_play(window):
    s = window.session
    assert s.dataset.name == "xor" and s.spec.features == ("x", "y")
    assert [l.units for l in s.spec.layers] == [4, 2, 1]
    assert window.output_plot.image_array() is not None
    assert window.controls.epoch_label.text() == "Epoch 0"
    assert isinstance(window.editor, NetworkEditor)


def test_space_plays_and_the_boundaries_change(qtbot, window):
    before_out = window.output_plot.image_array()
    before_units = window.unit_maps.mosaic_array()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.session.playing
    qtbot.waitUntil(lambda: epoch(window) > 100, timeout=10000)
    assert window.controls.epoch_label.text() == f"Epoch {epoch(window):,}"
    assert not np.array_equal(window.output_plot.image_array(), before_out)
    # the unit maps' tab is behind the loss plot: not redrawn while hidden, current once shown
    assert not window.unit_maps.isVisible()
    assert np.array_equal(window.unit_maps.mosaic_array(), before_units)
    window.docks["unitsDock"].raise_()
    qtbot.waitUntil(window.unit_maps.isVisible, timeout=5000)
    assert not np.array_equal(window.unit_maps.mosaic_array(), before_units)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.session.playing


def test_play_button_and_pause_stops_training(qtbot, window):
    qtbot.mouseClick(window.controls.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: epoch(window) > 20, timeout=10000)
    qtbot.mouseClick(window.controls.play_button, Qt.MouseButton.LeftButton)
    stopped = wait_settled(qtbot, window)
    qtbot.wait(100)
    assert epoch(window) == stopped == window.session.worker._trainer.epoch


def test_right_arrow_steps_exactly_one_epoch(qtbot, window):
    start = epoch(window)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: epoch(window) == start + 1, timeout=10000)
    qtbot.mouseClick(window.controls.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: epoch(window) == start + 2, timeout=10000)
    qtbot.wait(100)
    assert epoch(window) == start + 2


def test_reset_key_goes_back_to_epoch_zero(qtbot, window):
    first = window.session.latest.params
    window.session.step(25)
    qtbot.waitUntil(lambda: epoch(window) == 25, timeout=10000)
    qtbot.keyClick(window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: epoch(window) == 0, timeout=10000)
    np.testing.assert_array_equal(window.session.latest.params, first)


def test_settings_and_data_change_while_training(qtbot, window):
    c, d = window.controls, window.data_panel
    window.session.play()
    qtbot.waitUntil(lambda: epoch(window) > 10, timeout=10000)
    i = c.lr.findData(0.1)
    c.lr.setCurrentIndex(i)
    c.lr.activated.emit(i)
    c.momentum.setValue(0.5)
    j = c.optimizer.findData("adam")
    c.optimizer.setCurrentIndex(j)
    c.optimizer.activated.emit(j)
    c.full_batch.setChecked(True)
    qtbot.mouseClick(d._by_name["circle"], Qt.MouseButton.LeftButton)
    d.noise.setValue(20)
    d.ratio.setValue(70)
    qtbot.waitUntil(lambda: window.session.worker._trainer.data.name == "circle", timeout=10000)
    trainer = window.session.worker._trainer
    qtbot.waitUntil(lambda: window.session.worker._trainer.data.source.test_ratio == 0.3, timeout=10000)
    trainer = window.session.worker._trainer
    assert trainer.settings.optimizer.name == "adam" and trainer.settings.optimizer.lr == 0.1
    assert trainer.settings.optimizer.momentum == 0.5 and trainer.settings.batch_size is None
    assert isinstance(trainer.data.source, PlanarSource) and trainer.data.source.noise == 0.2
    assert window.session.playing
    now = epoch(window)
    qtbot.waitUntil(lambda: epoch(window) > now + 10, timeout=10000)  # still training
    assert window.banner.kind != "error"


def test_topology_edit_while_training_keeps_going(qtbot, window):
    window.session.play()
    qtbot.waitUntil(lambda: epoch(window) > 10, timeout=10000)
    spec = window.session.spec
    bigger = NetworkSpec.stack(2, [6, 2], 1, features=("x", "y"))
    window.editor.specEdited.emit(bigger)
    qtbot.waitUntil(lambda: window.session.latest.spec == bigger, timeout=10000)
    assert window.session.latest.grids["h1"].shape[0] == 6
    assert window.session.spec != spec
    now = epoch(window)
    qtbot.waitUntil(lambda: epoch(window) > now + 10, timeout=10000)


def test_close_while_training_stops_the_thread(qtbot, window):
    window.session.play()
    qtbot.waitUntil(lambda: epoch(window) > 10, timeout=10000)
    window.close()
    assert not window.session.worker.alive


def test_slow_motion_draws_every_epoch(qtbot, window):
    drawn: list[int] = []
    window.session.snapshotReady.connect(lambda s: drawn.append(s.epoch))
    window.controls.speed_slider.setValue(SPEEDS.index(20))
    assert window.session.speed == 20
    redraws = window.output_plot.redraws
    window.session.play(until_epoch=epoch(window) + 15)
    qtbot.waitUntil(lambda: epoch(window) == 15, timeout=10000)
    assert drawn == list(range(1, 16))
    assert window.output_plot.redraws - redraws == 15


def test_huge_learning_rate_pauses_with_a_message(qtbot, window):
    s = window.session
    assert s.edit_spec(NetworkSpec.stack(2, [4], 1, "tanh", "linear", features=("x", "y")))
    assert s.edit_optimizer("Huge learning rate", lr=1e6)
    s.play()
    qtbot.waitUntil(lambda: window.banner.active and window.banner.kind == "diverged", timeout=10000)
    assert not s.playing
    assert "diverged" in window.banner.text
    assert "learning rate" in window.banner.text


def test_undo_redo_of_a_settings_change(qtbot, window):
    c, s = window.controls, window.session
    old = s.settings.optimizer.lr
    i = c.lr.findData(0.3)
    c.lr.setCurrentIndex(i)
    c.lr.activated.emit(i)
    assert s.settings.optimizer.lr == 0.3
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert s.settings.optimizer.lr == old
    assert c.lr.currentData() == old
    qtbot.waitUntil(lambda: s.worker._trainer.settings.optimizer.lr == old, timeout=10000)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert s.settings.optimizer.lr == 0.3 and c.lr.currentData() == 0.3
    qtbot.waitUntil(lambda: s.worker._trainer.settings.optimizer.lr == 0.3, timeout=10000)


def test_undo_of_a_data_and_spec_change(qtbot, window):
    s = window.session
    qtbot.mouseClick(window.data_panel._by_name["spiral"], Qt.MouseButton.LeftButton)
    assert s.dataset.name == "spiral"
    s.edit_spec(s.spec.with_changes(seed=3))
    s.undo_stack.undo()
    assert s.spec.seed == 0 and window.controls.seed.value() == 0
    s.undo_stack.undo()
    assert s.dataset.name == "xor" and window.data_panel._by_name["xor"].isChecked()


def test_incompatible_edit_is_refused_with_one_message(qtbot, window):
    s = window.session
    messages = []
    s.message.connect(lambda kind, text: messages.append((kind, text)))
    three_outputs = NetworkSpec.stack(2, [4], 3, features=("x", "y"))
    assert not s.edit_spec(three_outputs)
    assert s.spec.n_outputs == 1 and s.undo_stack.count() == 0
    assert messages and messages[0][0] == "error" and "outputs" in messages[0][1]


def test_layout_is_saved_and_restored(qtbot, tmp_path):
    """The user's splitter shares come back; a window saved on a bigger screen opens fitted."""
    from PySide6.QtCore import QRect
    make_application([])
    path = str(tmp_path / "layout.ini")
    screen = QRect(0, 0, 1366, 768)
    w = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat), grid_resolution=16, files=False, screen=screen)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    main = w.workspaces.splitters("train")[0]
    sizes = main.sizes()
    main.setSizes([sizes[0] + 40, sizes[1] - 40, sizes[2]])
    moved = main.sizes()
    assert moved != sizes
    w.close()
    w2 = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat), grid_resolution=16, files=False, screen=screen)
    qtbot.addWidget(w2)
    w2.show()
    qtbot.waitExposed(w2)
    qtbot.waitUntil(lambda: w2.workspaces.splitters("train")[0].sizes() == moved, timeout=3000)
    w2.close()
    small = QRect(0, 0, 1280, 720)
    w3 = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat), grid_resolution=16, files=False, screen=small)
    qtbot.addWidget(w3)
    w3.show()
    qtbot.waitUntil(lambda: small.contains(w3.frameGeometry()), timeout=3000)
    w3.close()


def test_examples_menu_opens_a_1986_experiment(qtbot, window):
    action = next(a for a in window.examples_menu.actions() if a.text().startswith("XOR, 2-2-1"))
    action.trigger()
    s = window.session
    assert s.preset_name == "xor-2-2-1" and s.spec.features is None and not s.dataset.planar
    assert s.undo_stack.count() == 0
    s.step(3)
    qtbot.waitUntil(lambda: s.latest.spec == s.spec and s.latest.epoch == 3, timeout=10000)
    assert window.output_plot.note.toPlainText()  # "needs a 2-D dataset", not a stale picture
    assert window.docks["patternsDock"].widget() is not None


def test_replay_shows_an_earlier_epoch_then_live_again(qtbot, window):
    s = window.session
    early = s.latest
    s.step(40)
    qtbot.waitUntil(lambda: s.latest.epoch == 40, timeout=10000)
    window.replay(early)
    out = early.spec.layers[-1].name
    np.testing.assert_array_equal(window.output_plot.image_array(), early.grids[out][0])
    window.replay(None)
    np.testing.assert_array_equal(window.output_plot.image_array(), s.latest.grids[out][0])


def test_imported_csv_of_another_shape_resizes_the_network(qtbot, window, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = (x.sum(axis=1) > 0).astype(int)
    path = tmp_path / "three.csv"
    path.write_text("a,b,c,label\n" + "".join(f"{p[0]:.4f},{p[1]:.4f},{p[2]:.4f},{t}\n" for p, t in zip(x, y)))
    s = window.session
    assert s.edit_source(CsvSource(str(path), 0.25, 0), "Import", adapt_network=True)
    assert s.spec.n_inputs == 3 and s.spec.features is None and s.dataset.n_inputs == 3
    s.step(2)
    qtbot.waitUntil(lambda: s.latest.spec == s.spec and s.latest.epoch == 2, timeout=10000)
    s.undo_stack.undo()
    assert s.dataset.name == "xor" and s.spec.features == ("x", "y")
    qtbot.waitUntil(lambda: s.latest.spec == s.spec, timeout=10000)


def test_file_menu_saves_and_opens_the_current_work(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setenv("BPP_RECOVERY_PATH", str(tmp_path / "recovery.json"))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Discard)
    make_application([])
    w = MainWindow(settings=QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat), grid_resolution=16,
                   restore_layout=False, files=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.session.latest is not None, timeout=10000)
    assert w.files is not None and any("Save" in a.text() for a in w.file_menu.actions())
    w.session.step(12)
    qtbot.waitUntil(lambda: w.session.latest.epoch == 12, timeout=10000)
    saved = w.session.latest.params
    assert w.files.save_to(tmp_path / "work.json")
    w.session.reset()
    qtbot.waitUntil(lambda: w.session.latest.epoch == 0, timeout=10000)
    assert w.files.open_path(tmp_path / "work.json")
    qtbot.waitUntil(lambda: w.session.latest.epoch == 12, timeout=10000)
    np.testing.assert_array_equal(w.session.latest.params, saved)
    w.close()
    assert not w.session.worker.alive


def test_every_control_explains_itself(window):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox

    kinds = (QComboBox, QAbstractSpinBox, QAbstractSlider, QAbstractButton)
    checked = 0
    for panel in (window.controls, window.data_panel, window.output_plot, window.loss_plot):
        for widget in panel.findChildren(QWidgetBase):
            if isinstance(widget, kinds) and widget.isVisibleTo(panel) and not widget.parent().inherits("QAbstractSpinBox"):
                assert widget.toolTip(), f"{type(widget).__name__} {widget.objectName()} has no tooltip"
                checked += 1
    assert checked >= 20


from PySide6.QtWidgets import QWidget as QWidgetBase  # noqa: E402


def test_help_lists_the_training_shortcuts(qtbot, window):
    window.show_shortcuts()
    box = window._shortcut_box
    qtbot.addWidget(box)
    texts = " ".join(box.table.item(r, c).text() for r in range(box.table.rowCount()) for c in range(2))
    for needed in ("Play / pause", "Space", "Step one epoch", "Right", "Reset", "Undo", "Ctrl+Z"):
        assert needed in texts
    box.close()


def test_weight_typed_in_the_editor_is_undoable(qtbot, window):
    s = window.session
    old = float(s.latest.weights[0][0][1, 2])
    window.editor.weightEdited.emit(0, 0, 1, 2, 0.75)
    qtbot.waitUntil(lambda: s.latest.weights[0][0][1, 2] == 0.75, timeout=10000)
    assert s.undo_stack.undoText().startswith("Set weight")
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: s.latest.weights[0][0][1, 2] == old, timeout=10000)
    window.redo_action.trigger()
    qtbot.waitUntil(lambda: s.latest.weights[0][0][1, 2] == 0.75, timeout=10000)


def test_adding_a_layer_says_which_weights_are_new(qtbot, window):
    s = window.session
    spec = s.spec
    deeper = NetworkSpec.stack(2, [4, 3, 2], 1, features=("x", "y"))
    deeper = deeper.with_changes(layers=(spec.layers[0], deeper.layers[1].__class__(3, "tanh", "h3"), *spec.layers[1:]))
    window.editor.specEdited.emit(deeper)
    qtbot.waitUntil(lambda: window.banner.active, timeout=10000)
    text = window.banner.text
    # dropped between h1 and h2 it is named by position, h2 (the old h2 is now h3)
    assert "new weights for h2" in text and "kept h1" in text
    assert [l.name for l in window.session.latest.spec.layers] == ["h1", "h2", "h3", "out"]
    assert window.session.latest.spec.layers[1].units == 3


def test_dark_theme_is_chosen_remembered_and_drawn(qtbot, window):
    window.theme_actions["dark"].trigger()
    assert window.theme.name == "dark"
    assert window.qsettings.value("view/theme") == "dark"
    assert window.loss_plot.plot.backgroundBrush().color().name() == window.theme.plot_background
    assert window.output_plot.plot.backgroundBrush().color().name() == window.theme.plot_background
    window.theme_actions["light"].trigger()
    assert window.output_plot.plot.backgroundBrush().color().name() == "#ffffff"


