"""The editor's canvas follows the window's palette: dark theme, dark canvas (and back)."""
from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from engine.core.spec import NetworkSpec
from gui.editor import colors
from gui.style.themes import DARK, LIGHT, _palette
from test_editor_support import make_editor


def corner_colour(editor):
    img = editor.view.viewport().grab().toImage()
    return img.pixelColor(QPoint(img.width() - 5, 5))


def test_dark_palette_darkens_canvas_cards_and_text_and_light_restores_them(qtbot):
    app = QApplication.instance()
    original = app.palette()
    editor = make_editor(qtbot, NetworkSpec.stack(2, [3], 1, features=["x", "y"]))
    light_canvas = corner_colour(editor)
    assert light_canvas.lightness() > 200
    try:
        app.setPalette(_palette(DARK))
        qtbot.waitUntil(lambda: colors.dark_mode, timeout=2000)
        dark_canvas = corner_colour(editor)
        assert dark_canvas.lightness() < 60
        assert colors.CANVAS.name() == DARK.plot_background
        assert colors.TEXT.lightness() > 180 and colors.HEADER.lightness() < 80
        assert colors.HEADER_BORDER.lightness() > colors.HEADER.lightness()  # cards keep an edge
        # weight pens fade toward the dark canvas, not toward white
        faintest = colors.WEIGHT_PENS[colors.WEIGHT_BINS].color()  # smallest positive weight
        assert faintest.lightness() < 120
    finally:
        app.setPalette(original)
    qtbot.waitUntil(lambda: not colors.dark_mode, timeout=2000)
    assert colors.CANVAS == colors.LIGHT["CANVAS"] and corner_colour(editor) == light_canvas
    assert LIGHT.name == "light"


def test_header_buttons_are_at_least_20_px_on_screen(qtbot):
    editor = make_editor(qtbot, NetworkSpec.stack(2, [4, 2], 1, features=["x", "y"]))
    for zoom in (None, 0.85):
        if zoom is not None:
            editor.view.auto_fit = False
            editor.view.resetTransform()
            editor.view.scale(zoom, zoom)
        for col in editor.scene.layer_columns:
            buttons = [b for b in (col.minus_button, col.plus_button, col.remove_button) if b is not None]
            assert len(buttons) == (0 if col.is_output else 3)
            for b in buttons:
                rect = editor.view.mapFromScene(b.mapToScene(b.boundingRect())).boundingRect()
                assert rect.width() >= 20 and rect.height() >= 20, (b.text, rect, zoom)
            # the buttons do not overlap each other, the title, the activation pill or the padlock
            others = [col.activation_button, col.lock_button]
            for i, b in enumerate(buttons):
                r = b.mapRectToParent(b.boundingRect())
                for o in buttons[i + 1:] + others:
                    assert not r.intersects(o.mapRectToParent(o.boundingRect()))
