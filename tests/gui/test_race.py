"""The race view as a learner drives it: open it from the menu, start, widen the network,
and see perturbation's passes per step grow with the weights while backprop stays at 2."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt

from gui.panels.race import PENS, RULES, race_spec


def _raced(panel, epochs: int = 3):
    return lambda: all(r in panel.stats and panel.stats[r].epoch >= epochs for r in RULES)


def test_race_from_the_menu_widen_and_passes_per_step(qtbot, window):
    panel = window.race_panel
    window.race_action.trigger()
    dock = window.docks["raceDock"]
    assert dock.isVisible() and panel.spec == race_spec(window.session.spec, 4)
    assert panel.width_spin.value() == 4  # the window's network: hidden [4, 2] -> both at 4
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.racing and panel.start_button.text() == "Pause race"
    qtbot.waitUntil(_raced(panel), timeout=20000)

    n = panel.n_weights
    assert n == (2 * 4 + 4) + (4 * 4 + 4) + (4 + 1) == 37
    bp, pt = panel.stats["backprop"], panel.stats["perturbation"]
    assert bp.passes_per_step == 2 and pt.passes_per_step == 1 + n
    assert f"{n} weights" in panel.weights_label.text()
    assert f"({1 + n} per step)" in panel.readouts["perturbation"].text()
    assert "(2 per step)" in panel.readouts["backprop"].text()
    # both sides draw: a boundary image each, loss curves against passes and seconds
    for rule in RULES:
        img = panel.image(rule)
        assert img is not None and img.shape == (40, 40) and np.ptp(img) > 0
        x, y = panel.curve_data(rule, "passes")
        assert len(x) >= 1 and np.all(np.diff(x) > 0) and np.all(np.isfinite(y))
        xs, _ = panel.curve_data(rule, "seconds")
        assert len(xs) == len(x) and np.all(xs > 0)

    # widen: 16 units per hidden layer
    panel.width_spin.setValue(16)
    wide = (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    assert panel.n_weights == wide and panel.racing
    qtbot.waitUntil(lambda: _raced(panel)() and panel.stats["perturbation"].passes_per_step == 1 + wide, timeout=30000)
    assert panel.stats["backprop"].passes_per_step == 2
    assert f"({1 + wide} per step)" in panel.readouts["perturbation"].text()
    assert f"{wide} weights" in panel.weights_label.text()
    # the curves started again with the new network
    x, _ = panel.curve_data("perturbation", "passes")
    assert x[0] >= 1 + wide

    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert not panel.racing and panel.start_button.text() == "Start race"
    qtbot.wait(200)
    panel.pull()
    still = {r: panel.stats[r].epoch for r in RULES}
    qtbot.wait(300)
    panel.pull()
    assert {r: panel.stats[r].epoch for r in RULES} == still  # paused means paused


def test_race_follows_frozen_layers_and_stops_with_the_window(qtbot, window):
    from dataclasses import replace

    s = window.session
    spec = s.spec.with_changes(layers=(replace(s.spec.layers[0], learns=False),) + s.spec.layers[1:])
    assert s.edit_spec(spec, "Freeze h1")
    panel = window.race_panel
    panel.use_session_network()
    panel.start()
    qtbot.waitUntil(_raced(panel, 2), timeout=20000)
    frozen_h1 = 2 * 4 + 4
    assert panel.stats["perturbation"].passes_per_step == 1 + panel.n_weights - frozen_h1
    assert panel.runner.alive
    runner = panel.runner
    window.close()
    assert not runner.alive and not panel.racing


def test_race_on_data_that_is_not_2d_says_so_and_still_counts(qtbot):
    from engine.core.spec import NetworkSpec
    from engine.data.datasets import xor_table
    from engine.training.trainer import TrainSettings
    from gui.panels.race import RacePanel

    panel = RacePanel()
    qtbot.addWidget(panel)
    try:
        panel.set_network(NetworkSpec.stack(2, [2], 1, seed=3), xor_table(), TrainSettings())
        assert panel.n_weights == 9 and panel.width_spin.value() == 2
        panel.start()
        qtbot.waitUntil(_raced(panel, 2), timeout=20000)
        assert panel.stats["perturbation"].passes_per_step == 10 and panel.stats["backprop"].passes_per_step == 2
        for rule in RULES:
            assert panel.boundaries[rule].note.textItem.toPlainText() == "no map: the data is not 2-D"
            assert panel.image(rule) is None
            assert not panel.boundaries[rule].isVisibleTo(panel)  # no empty boxes: the plots get the room
        assert "no maps: the data is not 2-D" in panel.weights_label.text()
        panel.shutdown()
        assert not panel.racing and panel.start_button.text() == "Start race"
        panel.start()  # a new race after a shutdown runs on a fresh thread
        qtbot.waitUntil(_raced(panel, 1), timeout=20000)
        assert panel.runner.alive
    finally:
        panel.shutdown()


def test_race_reports_to_the_lessons_and_follows_the_window_while_stopped(qtbot, window):
    from gui.lessons.checks import perturbation_passes_at_least
    from gui.lessons.observe import SpecClock, observe

    panel = window.race_panel
    window.race_action.trigger()
    assert panel.lesson_state()["weights"] == 37 and panel.lesson_state()["steps"] == {}
    s = window.session
    assert s.edit_spec(s.spec.with_changes(layers=s.spec.layers[1:]), "Remove h1")  # 2 -> 2 -> 1
    assert panel.spec == s.spec and panel.width_spin.value() == 2  # not racing: it follows
    panel.set_width(50)
    assert panel.lesson_state()["weights"] == 4 * 50 + 1
    check = lambda: perturbation_passes_at_least(observe(window, SpecClock()), {"weights": 200})  # noqa: E731
    assert not check().done
    panel.start()
    qtbot.waitUntil(lambda: check().done, timeout=30000)
    assert check().values == {"weights": 201, "passes_per_step": 202, "backprop_passes_per_step": 2}
    s.edit_optimizer("Change learning rate", lr=0.1)  # racing: the race keeps its network
    assert panel.n_weights == 201
    panel.pause()


def _pixel(widget, x: int, y: int) -> str:
    return widget.grab().toImage().pixelColor(x, y).name()


def test_race_plots_follow_the_dark_theme(qtbot, window):
    """The race's maps and loss plots take the app's palette (gui/style/themes.py), both when
    built after the theme was chosen and when the theme changes while it is open."""
    import pyqtgraph as pg

    from gui.style.themes import DARK, LIGHT

    window.set_theme("dark", save=False)
    window.race_action.trigger()
    panel = window.race_panel
    qtbot.waitUntil(lambda: panel.isVisible() and panel.passes_plot.width() > 50, timeout=5000)
    assert panel.theme is DARK
    for plot in (panel.passes_plot, panel.seconds_plot):
        assert _pixel(plot, 2, 2) == DARK.plot_background  # the drawn background, not only a setting
        assert plot.getAxis("bottom").textPen().color().name() == DARK.plot_foreground
        assert plot.plotItem.legend is None  # the coloured titles are the key (a legend was cut off)
    for b in panel.boundaries.values():
        assert _pixel(b, 1, 1) == DARK.plot_background
    for rule in RULES:  # each title shows its curve's colour
        assert pg.mkColor(PENS[rule]).name() in panel.titles[rule].text()
        assert panel.curves[(rule, "passes")].opts["pen"].color().name() == pg.mkColor(PENS[rule]).name()
    # the weights line and the read-outs are read whole, not cut off at the panel's edge
    panel.start()
    qtbot.waitUntil(_raced(panel), timeout=20000)
    panel.pause()
    for label in panel.readouts.values():
        assert label.wordWrap() and "passes" in label.text()
    qtbot.waitUntil(lambda: panel.boundaries["backprop"].width() > 100, timeout=3000)
    assert abs(panel.boundaries["backprop"].width() - panel.boundaries["perturbation"].width()) <= 2  # maps alike
    # each rule's map above, the two loss plots (both rules in each) below, said in words
    for rule in RULES:
        assert panel.boundaries[rule].geometry().bottom() < panel.passes_plot.geometry().top()
    assert panel.plots_caption.geometry().bottom() <= panel.passes_plot.geometry().top()
    assert "left" in panel.plots_caption.text() and "right" in panel.plots_caption.text()
    label = panel.weights_label
    assert "perturbation" in label.text()
    flags = Qt.TextFlag.TextWordWrap if label.wordWrap() else 0
    need = label.fontMetrics().boundingRect(QRect(0, 0, label.width(), 10_000), flags, label.text())
    assert need.width() <= label.width() and need.height() <= label.height()
    window.set_theme("light", save=False)
    assert panel.theme is LIGHT
    assert _pixel(panel.passes_plot, 2, 2) == LIGHT.plot_background
    assert panel.seconds_plot.getAxis("left").textPen().color().name() == LIGHT.plot_foreground
