"""Hinton diagrams of the family-trees net stay legible in a wide, low dock (1366x768 window)."""
import numpy as np
import pytest

from engine.presets import get_preset
from gui.panels.hinton import HintonDiagram


@pytest.mark.parametrize("size", [(1366, 216), (900, 400)])
def test_family_trees_blocks_wrap_and_titles_do_not_overprint(qtbot, size):
    t = get_preset("family-trees").make_trainer()
    h = HintonDiagram()
    qtbot.addWidget(h)
    h.resize(*size)
    h.show_snapshot(t.snapshot())
    squares = h.squares()
    cell = min(q.cell.width() for q in squares)
    assert cell >= 6  # was about 3 px when every layer was one tall column
    assert all(h.rect().contains(q.cell.toRect()) for q in squares)
    out = [q for q in squares if q.layer == 4]
    if size[1] < 300:  # the 24 output units wrap into several columns of blocks
        assert len({round(q.cell.x()) for q in out if q.sender == 0 and q.source == 0}) > 1
    # titles never overprint one another (test_legible_views checks the same at other sizes)
    boxes = [r for r, _ in h.title_boxes()]
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    # units keep their order: unit numbers grow down a column, then across
    firsts = [next(q for q in out if q.unit == u and q.source == 0 and q.sender == 0).cell for u in range(24)]
    assert all((b.x() > a.x()) or (b.x() == a.x() and b.y() > a.y()) for a, b in zip(firsts, firsts[1:]))


def test_relayout_on_resize_keeps_values(qtbot):
    t = get_preset("family-trees").make_trainer()
    h = HintonDiagram()
    qtbot.addWidget(h)
    h.resize(1366, 216)
    h.show_snapshot(t.snapshot())
    wide = {(q.layer, q.source, q.unit, q.sender): q.value for q in h.squares()}
    h.resize(500, 900)
    tall = {(q.layer, q.source, q.unit, q.sender): q.value for q in h.squares()}
    assert wide == tall and np.isfinite(list(tall.values())).all()
