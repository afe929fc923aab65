"""Exports at publication size: at least 1600 px wide (or twice the view, or a chosen width),
small views laid out afresh instead of stretched, the network without palette or buttons."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QImage

from engine.presets import get_preset
from gui.editor.columns import ButtonItem
from gui.files.plot_export import LAYOUT_SIZE, MIN_WIDTH, export_plot
from gui.plots.loss import LossPlot
from test_editor_support import make_editor


@pytest.fixture
def small_loss_plot(qtbot):
    preset = get_preset("xor-2-2-1")
    t = preset.make_trainer(0)
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(480, 90)  # as squeezed as the issue found it
    plot.show()
    plot.set_dataset(t.data)
    t.record()
    for _ in range(10):
        t.step(20)
        t.record()
    plot.draw(t.snapshot())
    qtbot.wait(10)
    return plot


def test_a_small_plot_exports_at_least_1600_wide_with_a_readable_layout(small_loss_plot, tmp_path):
    view = small_loss_plot.plot
    before = view.size()
    out = export_plot(view, tmp_path / "loss.png")
    img = QImage(str(out))
    assert img.width() == MIN_WIDTH
    # laid out at LAYOUT_SIZE (not the 480 x ~60 strip stretched): the same proportions
    assert img.height() == round(LAYOUT_SIZE.height() * MIN_WIDTH / LAYOUT_SIZE.width())
    assert view.size() == before  # the view on screen is untouched


def test_chosen_width_and_twice_a_wide_view(small_loss_plot, tmp_path):
    view = small_loss_plot.plot
    img = QImage(str(export_plot(view, tmp_path / "a.png", width=2400)))
    assert img.width() == 2400
    small_loss_plot.resize(1100, 600)
    img = QImage(str(export_plot(view, tmp_path / "b.png")))
    assert img.width() == 2 * view.width()
    with pytest.raises(ValueError):
        export_plot(view, tmp_path / "c.png", width=10**6)


def test_svg_is_a_vector_document(small_loss_plot, tmp_path):
    root = ET.parse(export_plot(small_loss_plot.plot, tmp_path / "loss.svg")).getroot()
    assert root.tag.endswith("svg") and len(list(root.iter())) > 3


def test_network_picture_has_no_palette_or_buttons(qtbot, tmp_path):
    t = get_preset("playground-xor").make_trainer(0)
    editor = make_editor(qtbot, t.spec)
    editor.show_snapshot(t.snapshot(20))
    scene, rect = editor.picture_source()
    out = export_plot(editor, tmp_path / "net.png")
    img = QImage(str(out))
    assert img.width() == max(MIN_WIDTH, 2 * round(rect.width()))
    assert abs(img.height() / img.width() - rect.height() / rect.width()) < 0.01  # the network, not the widget
    seen = []
    hide = editor.picture_items_hidden

    def recording():
        ctx = hide()

        class Spy:
            def __enter__(self):
                ctx.__enter__()
                seen.extend((b.text, b.isVisible()) for b in scene.items() if isinstance(b, ButtonItem))

            def __exit__(self, *exc):
                return ctx.__exit__(*exc)

        return Spy()

    editor.picture_items_hidden = recording
    export_plot(editor, tmp_path / "net2.png")
    shown = {text for text, visible in seen if visible}
    assert seen and not shown & {"×", "+", "−"}  # no edit buttons in the picture
    assert any("tanh" in text for text in shown)  # the activation names stay
    assert all(b.isVisible() for b in scene.items() if isinstance(b, ButtonItem))  # restored after
    root = ET.parse(export_plot(editor, tmp_path / "net.svg")).getroot()
    assert root.tag.endswith("svg")
    assert abs(float(root.get("width").rstrip("mm").rstrip("px")) > 0)


def test_a_chosen_width_is_remembered_and_used_by_every_export(qtbot, window, tmp_path):
    from gui.files.window_link import attach_to_main_window

    files = attach_to_main_window(window)
    assert files.export_width() is None  # automatic until chosen
    files.set_export_width(2000)
    assert files.export_width() == 2000
    assert files.export_plot("Network", "png", tmp_path / "net.png")
    assert QImage(str(tmp_path / "net.png")).width() == 2000
    files.set_export_width(None)
    assert files.export_plot("Network", "png", tmp_path / "net2.png")
    assert QImage(str(tmp_path / "net2.png")).width() >= MIN_WIDTH
    with pytest.raises(ValueError):
        files.set_export_width(10**6)
