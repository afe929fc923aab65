"""Issue 9's smaller window items: a watchable first Play, an honest speed read-out, the
title, the learning-rate list's order. No wall clock: paces are counted in epochs."""
from __future__ import annotations

from PySide6.QtCore import QRect, QSettings, Qt

from engine.training.trainer import Trainer
from gui.app import make_application
from gui.main_window import APP_NAME, UNTITLED, WATCH_SPEED, MainWindow, watch_speed_for
from gui.panels.controls import LEARNING_RATES, SPEEDS, PaceMeter, achieved_label
from gui.session import dataset_from_source, default_settings, default_source, default_spec


def epochs_to_95_percent() -> int:
    """The default XOR run, headless: epochs until the test accuracy first reaches 95%."""
    trainer = Trainer(default_spec(), dataset_from_source(default_source()), default_settings())
    epochs = 0
    while trainer.evaluate().test_acc < 0.95:
        trainer.step(1)
        epochs += 1
        assert epochs < 5000, "the default XOR run does not learn"
    return epochs


def test_the_default_pace_lets_xor_be_watched_for_several_seconds():
    epochs = epochs_to_95_percent()
    assert epochs / WATCH_SPEED >= 3.0, f"XOR is solved in {epochs} epochs: {epochs / WATCH_SPEED:.1f} s at the default pace"
    assert WATCH_SPEED in SPEEDS and WATCH_SPEED <= 60  # a slider notch, and slow motion (every epoch drawn)


def build(qtbot, tmp_path, **kw) -> MainWindow:
    make_application([])
    kw.setdefault("files", False)
    w = MainWindow(settings=QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat), grid_resolution=16,
                   restore_layout=False, screen=QRect(0, 0, 1366, 768), **kw)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_first_play_and_an_example_start_at_a_watchable_pace(qtbot, tmp_path):
    w = build(qtbot, tmp_path)
    c = w.controls
    assert w.session.speed == WATCH_SPEED and c.speed_label.text() == "10 epochs/s"
    assert SPEEDS[c.speed_slider.value()] == WATCH_SPEED and not c.full_speed_button.isChecked()
    qtbot.mouseClick(c.full_speed_button, Qt.MouseButton.LeftButton)  # full speed: one click
    assert w.session.speed is None and c.speed_label.text() == "full speed" and c.full_speed_button.isChecked()
    qtbot.mouseClick(c.full_speed_button, Qt.MouseButton.LeftButton)  # and back
    assert w.session.speed == WATCH_SPEED
    w.session.set_speed(None)
    w.open_preset("playground-xor")
    assert w.session.speed == WATCH_SPEED  # an example's first Play is watchable too
    w.open_preset("xor-2-2-1")  # the paper's runs: about half a minute of their budget
    assert w.session.speed == watch_speed_for(2000, planar=False) == 50
    w.close()


def test_the_achieved_pace_is_shown_beside_the_asked_one(qtbot, tmp_path):
    w = build(qtbot, tmp_path)
    c = w.controls
    w.session.set_speed(20)
    w.session.play()
    qtbot.waitUntil(lambda: c.rate_label.text().startswith("now "), timeout=20000)
    assert c.speed_label.text() == "20 epochs/s"
    w.session.pause()
    assert c.rate_label.text() == ""
    w.close()


def test_pace_meter_counts_epochs_per_second_of_frames():
    meter = PaceMeter(span=2.0)
    assert meter.add(0.0, 0) == 0.0
    assert meter.add(0.1, 1) == 0.0  # under a quarter second: no figure yet
    for i in range(2, 31):
        rate = meter.add(i * 0.1, i)
    assert abs(rate - 10.0) < 1e-9
    assert meter.add(3.1, 0) == 0.0  # a reset starts again
    assert achieved_label(9.96) == "now 10.0/s" and achieved_label(1234.4) == "now 1,234/s" and achieved_label(0) == ""


def test_the_title_and_the_close_prompt_name_the_same_thing(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("BPP_RECOVERY_PATH", str(tmp_path / "recovery.json"))
    w = build(qtbot, tmp_path, files=True)
    assert w.windowTitle() == f"{UNTITLED}[*] — {APP_NAME}"  # shown as "Untitled* — Backprop Playground"
    assert w.windowTitle().count(APP_NAME) == 1
    assert w.files.save_to(tmp_path / "work.json")
    assert w.windowTitle() == f"work.json[*] — {APP_NAME}"
    w.files._unsaved = False
    w.close()


def test_learning_rates_stay_in_numeric_order(qtbot, tmp_path):
    w = build(qtbot, tmp_path, speed=None)
    c, s = w.controls, w.session
    for lr in (0.005, 0.5, 0.25):
        assert s.edit_optimizer("lr", lr=lr)
    values = [c.lr.itemData(i) for i in range(c.lr.count())]
    assert values == sorted(values) and {0.005, 0.5, 0.25} <= set(values)
    assert c.lr.currentData() == 0.25
    assert set(LEARNING_RATES) <= set(values)
    w.close()


def test_dark_theme_reaches_check_boxes(qtbot, tmp_path):
    w = build(qtbot, tmp_path, speed=None)
    w.set_theme("dark", save=False)
    box = w.controls.full_batch
    img = box.grab().toImage()
    lum = [img.pixelColor(x, y).lightness() for x in range(min(18, img.width())) for y in range(img.height())]
    assert max(lum) - min(lum) > 60  # the indicator stands out from the dark panel
    w.set_theme("light", save=False)
    w.close()
