"""Every view legible: no elided numbers in the pattern table, Hinton titles that never
overprint, error-signal maps labelled, and a hover card that leaves no ghost behind."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter

from engine.core.spec import NetworkSpec
from engine.data.datasets import planar, xor_table
from engine.presets import get_preset
from engine.training.trainer import Trainer
from gui.panels.backward.error_maps import ErrorMapsPanel
from gui.panels.hinton import HintonDiagram
from gui.panels.pattern_table import PatternTable
from test_editor_live import hover
from test_editor_support import make_editor, view_point


def test_pattern_table_columns_fit_every_number_without_elision(qtbot):
    spec = NetworkSpec.stack(2, [3], 1, "tanh", "tanh", seed=4)
    t = Trainer(spec, xor_table())
    t.step(20)
    table = PatternTable()
    qtbot.addWidget(table)
    table.resize(600, 300)
    table.set_dataset(t.data)
    table.show_snapshot(t.snapshot())
    table.show()
    m, view = table.model, table.view
    fm = view.fontMetrics()
    negatives = 0
    for j in range(m.columnCount()):
        if view.isColumnHidden(j):
            continue
        width = view.horizontalHeader().sectionSize(j)
        for r in range(m.rowCount()):
            text = m.data(m.index(r, j))
            negatives += text.startswith("-")
            assert fm.horizontalAdvance(text) + 8 <= width, (text, width)  # room for the cell margins
    assert negatives > 0  # the case that was elided to "-0…"


@pytest.mark.parametrize("name,size", [("family-trees", (520, 260)), ("family-trees", (1400, 500)), ("xor-2-2-1", (300, 160))])
def test_hinton_titles_never_overlap_and_stay_above_the_squares(qtbot, name, size):
    t = get_preset(name).make_trainer(0)
    h = HintonDiagram()
    qtbot.addWidget(h)
    h.resize(*size)
    h.show_snapshot(t.snapshot())
    boxes = h.title_boxes()
    assert len(boxes) >= len(t.spec.layers)
    for i, (a, _) in enumerate(boxes):
        for b, _ in boxes[i + 1:]:
            assert not a.intersects(b)
    top_of_squares = min(q.cell.top() for q in h.squares())
    assert max(r.bottom() for r, _ in boxes) <= top_of_squares + 0.5


def test_error_maps_name_layer_and_unit_and_pattern_axes(qtbot):
    spec = NetworkSpec.stack(2, [2], 1, features=["x", "y"], seed=1)
    t = Trainer(spec, planar("xor", 40, seed=1))
    panel = ErrorMapsPanel(resolution=8)
    qtbot.addWidget(panel)
    panel.set_context(t.data)
    panel.show_snapshot(t.snapshot(8))
    panel.refresh_now()
    for (layer, u), (_, _, label) in panel.cells.items():
        assert f"{layer}[{u + 1}]" in label.text  # 1-based for the student
    bits = Trainer(NetworkSpec.stack(2, [2], 1, seed=1), xor_table())
    panel.set_context(bits.data)
    panel.show_snapshot(bits.snapshot())
    panel.refresh_now()
    img, label = panel.pattern_cells["h1"]
    plot = img.getViewBox().parentItem()
    assert plot.getAxis("bottom").labelText == "training pattern" and "h1" in plot.getAxis("left").labelText


def test_hover_card_paints_inside_its_bounds(qtbot):
    """A card whose antialiased border spills past its bounding rect leaves a 1-px ghost
    outline on a real display (Qt repaints only the bounding rect when it hides)."""
    spec = NetworkSpec.stack(2, [3], 1, features=["x", "y"], seed=2)
    editor = make_editor(qtbot, spec)
    unit = editor.scene.layer_columns[0].units[0]
    hover(qtbot, editor, view_point(editor, unit, QPointF(0, 0)))
    popup = editor.scene.popup
    r = popup.boundingRect()
    img = QImage(int(r.width()) + 40, int(r.height()) + 40, QImage.Format.Format_ARGB32)
    img.fill(0)
    p = QPainter(img)
    p.translate(20 - r.left(), 20 - r.top())
    popup.paint(p, None)
    p.end()
    alpha = np.array([[img.pixelColor(x, y).alpha() for x in range(img.width())] for y in range(img.height())])
    ys, xs = np.nonzero(alpha)
    assert xs.min() >= 20 and ys.min() >= 20
    assert xs.max() < 20 + r.width() and ys.max() < 20 + r.height()


def test_no_plot_in_the_backward_views_uses_si_prefixes(qtbot):
    import pyqtgraph as pg

    from gui.panels.backward import BackwardPanel
    from gui.plots.loss import LossPlot

    panel = BackwardPanel(grid_resolution=8)
    loss = LossPlot()
    for w in (panel, loss):
        qtbot.addWidget(w)
    views = [panel.timeline_panel, panel.loss_slice, panel.gradient_check, panel.step_through.error_map, loss]
    plots = [p for v in views for p in v.findChildren(pg.PlotWidget)]
    assert len(plots) >= len(views)
    for p in plots:
        for name in ("left", "bottom"):
            assert not p.getAxis(name).autoSIPrefix, (type(p.parent()).__name__, name)


def test_unit_maps_say_in_their_middle_why_they_are_empty(qtbot):
    from gui.plots.units import UnitMapsView

    view = UnitMapsView()
    qtbot.addWidget(view)
    bits = Trainer(NetworkSpec.stack(2, [2], 1, seed=1), xor_table())
    view.show_snapshot(bits.snapshot())
    assert view.empty_note.isVisible() and "two inputs" in view.empty_note.toPlainText()
    plane = Trainer(NetworkSpec.stack(2, [2], 1, features=["x", "y"], seed=1), planar("xor", 40, seed=1))
    view.show_snapshot(plane.snapshot(8))
    assert not view.empty_note.isVisible() and view.mosaic_array() is not None


def test_hover_card_names_the_unit_like_the_chain_rule_card(qtbot):
    """One convention everywhere: h1[1] is the first unit of h1 (1-based for the student)."""
    spec = NetworkSpec.stack(2, [3], 1, features=["x", "y"], seed=2)
    editor = make_editor(qtbot, spec)
    assert [u.title() for u in editor.scene.layer_columns[0].units] == ["h1[1]", "h1[2]", "h1[3]"]
