"""The backward pass's plots follow the app's light and dark theme (gui/style/themes.py): their
drawn background (pixels of a grab, away from the curves) and the colour of their axis and
label text, for views built before and after the theme was chosen."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from engine.core.optimizers import OptimizerSettings
from engine.core.spec import NetworkSpec
from engine.data.datasets import planar, xor_table
from engine.training.trainer import Trainer, TrainSettings
from gui.panels.backward import BackwardPanel
from gui.style.themes import DARK, LIGHT


def lightness(name: str) -> float:
    return QColor(name).lightnessF()


def corner_pixels(widget) -> list[str]:
    """Colours a few pixels in from each corner of the widget's own drawing: the plot's
    background margin, where no curve, image or axis line is drawn."""
    image = widget.grab().toImage()
    w, h = image.width(), image.height()
    assert w > 20 and h > 20, "the widget is not laid out"
    return [image.pixelColor(x, y).name() for x, y in ((2, 2), (w - 3, 2), (w - 3, h - 3))]


def axis_colours(plot_item) -> set[str]:
    """The colour of each axis's numbers and of its title."""
    out = set()
    for name in ("left", "bottom"):
        axis = plot_item.getAxis(name)
        out.add(axis.textPen().color().name())
        out.add(axis.labelStyle["color"])
    return out


def trained(data, hidden=(3,), steps=20):
    spec = NetworkSpec.stack(data.x_train.shape[1], list(hidden), 1, seed=2)
    t = Trainer(spec, data, TrainSettings(OptimizerSettings(lr=0.05, momentum=0.9)))
    t.step(steps)
    return t


def panel_with(qtbot, t) -> BackwardPanel:
    panel = BackwardPanel(grid_resolution=16)
    qtbot.addWidget(panel)
    panel.resize(900, 520)
    panel.set_context(t.data, t.settings)
    for _ in range(3):  # a few epochs on the timeline: a curve to draw
        t.step(5)
        panel.show_snapshot(t.snapshot())
    panel.show()
    qtbot.waitExposed(panel)
    panel.timeline_panel.resize(600, 220)
    panel.timeline_panel.show()
    qtbot.waitExposed(panel.timeline_panel)
    return panel


def themed_plots(panel: BackwardPanel) -> dict[str, tuple]:
    """name -> (its tab (None: the timeline, a dock of its own), widget to grab, plot items whose
    axes show numbers), every tab opened once."""
    for i in range(panel.count()):
        panel.setCurrentIndex(i)
    panel.gradient_check.run_check()
    tab = {panel.tabText(i): i for i in range(panel.count())}
    return {
        "timeline": (None, panel.timeline_panel.plot, [panel.timeline_panel.plot.getPlotItem()]),
        "loss slice": (tab["Loss slice"], panel.loss_slice.plot, [panel.loss_slice.plot.getPlotItem()]),
        "gradient cost": (tab["Gradient check"], panel.gradient_check.plot,
                          [panel.gradient_check.plot.getPlotItem()]),
        "error signals": (tab["Error signals"], panel.error_maps.view, list(panel.error_maps.pattern_plots.values())),
    }


def assert_theme(qtbot, panel: BackwardPanel, theme) -> None:
    dark = theme is DARK
    for name, (tab, widget, items) in themed_plots(panel).items():
        if tab is not None:
            panel.setCurrentIndex(tab)
        qtbot.waitUntil(widget.isVisible, timeout=3000)
        for colour in corner_pixels(widget):
            assert colour == theme.plot_background, (name, colour)
            assert (lightness(colour) < 0.2) if dark else (lightness(colour) > 0.9), (name, colour)
        for item in items:
            for colour in axis_colours(item):
                assert colour == theme.plot_foreground, (name, colour)
                assert (lightness(colour) > 0.6) if dark else (lightness(colour) < 0.4), (name, colour)
    # the gradient check's relative errors: green (fine) in the theme's own shade, readable on its table
    model = panel.gradient_check.model
    assert model.rowCount() > 0
    fg = model.data(model.index(0, 3), Qt.ItemDataRole.ForegroundRole).name()
    assert fg == theme.good and ((lightness(fg) > 0.5) if dark else (lightness(fg) < 0.4))
    assert theme.accent in panel.gradient_check.summary.text()  # backprop's words in the plot's blue
    # the error-signal view's own words (layer titles, unit names) between the maps
    maps = panel.error_maps
    labels = [label for _img, label in maps.pattern_cells.values()] + maps.headings
    labels += [label for _a, _e, label in maps.cells.values()]
    assert labels
    for label in labels:
        assert QColor(label.opts["color"]).name() == theme.text
        assert f"color:{theme.text}" in label.item.toHtml().replace(" ", "")  # what is drawn


@pytest.mark.parametrize("data", [xor_table(), planar("xor", 60, seed=3)], ids=["patterns", "plane"])
def test_backward_plots_turn_dark_and_back(qtbot, data):
    """Switched after the tabs were built (dark), then back (light)."""
    panel = panel_with(qtbot, trained(data))
    themed_plots(panel)  # every tab built in the light theme first
    panel.set_theme(DARK)
    assert_theme(qtbot, panel, DARK)
    panel.set_theme(LIGHT)
    assert_theme(qtbot, panel, LIGHT)


def test_tabs_built_after_the_switch_are_dark(qtbot):
    """The lazy tabs (built when first opened) take the theme chosen before they existed."""
    panel = panel_with(qtbot, trained(xor_table()))
    panel.set_theme(DARK)
    assert not any(h.is_built for h in panel._lazy.values())
    assert_theme(qtbot, panel, DARK)
    assert panel.step_through._theme is DARK  # the chain-rule card's unit map (built later) too


def test_the_windows_view_menu_reaches_the_backward_plots(qtbot, window):
    """The View menu's theme (MainWindow.set_theme) reaches the backward pass's tabs and the
    timeline dock through the panel the window registered."""
    panel = window.backward_panel
    window.theme_actions["dark"].trigger()
    try:
        window.show_backward_workspace()
        panel.setCurrentIndex(panel.indexOf(panel._lazy["error_maps"]))
        qtbot.waitUntil(lambda: panel.error_maps.view.isVisible() and panel.error_maps.view.width() > 20,
                        timeout=5000)
        assert set(corner_pixels(panel.error_maps.view)) == {DARK.plot_background}
        assert axis_colours(panel.timeline_panel.plot.getPlotItem()) == {DARK.plot_foreground}
        card_map = panel.step_through.error_map  # the chain-rule card's unit map, built now
        assert card_map.plot.backgroundBrush().color().name() == DARK.plot_background
        assert axis_colours(card_map.plot.getPlotItem()) == {DARK.plot_foreground}
    finally:
        window.set_theme("light", save=False)
    assert set(corner_pixels(panel.error_maps.view)) == {LIGHT.plot_background}
    assert axis_colours(panel.timeline_panel.plot.getPlotItem()) == {LIGHT.plot_foreground}


def test_step_through_diagram_follows_the_theme(qtbot):
    """The compact network diagram (shown when the card stands alone, beside no editor) paints
    the theme's plot background and its words in the theme's text colour."""
    panel = panel_with(qtbot, trained(xor_table()))
    diagram = panel.step_through.diagram
    panel.setCurrentIndex(0)
    qtbot.waitUntil(lambda: diagram.isVisible() and diagram.width() > 100, timeout=3000)
    for theme in (DARK, LIGHT):
        panel.set_theme(theme)
        assert diagram.theme is theme
        assert set(corner_pixels(diagram)) == {theme.plot_background}
        image = diagram.grab().toImage()  # the node names and captions: some pixels of the text colour
        text = QColor(theme.text)
        near = sum(
            1 for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)
            if max(abs(image.pixelColor(x, y).red() - text.red()), abs(image.pixelColor(x, y).green() - text.green()),
                   abs(image.pixelColor(x, y).blue() - text.blue())) <= 8)
        assert near > 10, theme.name
