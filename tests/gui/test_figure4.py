"""The figure-4 view: 24 x k person-weight squares in the paper's order, legible at 1366x768, live."""
import numpy as np
import pytest
from PySide6.QtCore import QRectF

from engine.data import family_trees as ft
from engine.presets import get_preset
from gui.panels.figure4 import Figure4View, person_code_layer

ENGLISH, ITALIAN = ft.tree_layout()


def _check_paper_order(view: Figure4View, k: int) -> None:
    squares = view.squares()
    assert len(squares) == 24 * k and len(view.bias_squares()) == k
    for u in range(k):
        block = squares[24 * u : 24 * (u + 1)]
        assert all(q.unit == u for q in block)
        top, bottom = block[:12], block[12:]
        # English row above the Italian, people in tree order, each Italian under the English counterpart
        assert [q.person for q in top] == list(ENGLISH) and [q.person for q in bottom] == list(ITALIAN)
        assert [ft.PEOPLE[q.person] for q in top] == list(ft.ENGLISH)
        assert all(t.cell.bottom() <= b.cell.top() + 1e-6 and t.cell.x() == b.cell.x() for t, b in zip(top, bottom))
        assert all(a.cell.right() <= b.cell.left() + 1e-6 for a, b in zip(top, top[1:]))
    # blocks do not overlap one another
    boxes = [QRectF(squares[24 * u].cell.topLeft(), squares[24 * u + 23].cell.bottomRight()) for u in range(k)]
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


@pytest.mark.parametrize("k", [1, 6, 9])
def test_squares_follow_the_paper_and_show_sign_and_size(qtbot, k):
    view = Figure4View()
    qtbot.addWidget(view)
    view.resize(900, 320)
    w = np.random.default_rng(k).normal(size=(24, k))
    w[0, 0] = 3 * np.abs(w).max()  # Christopher -> unit 1: the largest weight, a full-size white square
    w[13, 0] = -w[0, 0] / 2  # Maria -> unit 1: black, half the side
    view.set_weights(w, np.zeros(k), epoch=5)
    _check_paper_order(view, k)
    sq = {(q.unit, q.person): q for q in view.squares()}
    big, half = sq[(0, 0)], sq[(0, 13)]
    assert big.value > 0 > half.value
    assert half.side == pytest.approx(big.side / 2) and big.side == pytest.approx(0.92 * big.cell.width())
    assert all(view.rect().contains(q.cell.toRect()) for q in view.squares() + view.bias_squares())
    img = view.grab().toImage()
    c = big.cell.center().toPoint()
    assert img.pixelColor(c).lightness() == 255  # white = positive
    assert img.pixelColor(half.cell.center().toPoint()).lightness() == 0  # black = negative


def test_roles_are_named_in_the_block_titles(qtbot):
    view = Figure4View()
    qtbot.addWidget(view)
    w = np.random.default_rng(0).normal(0, 0.05, (24, 2))
    w[:12, 0] += 1.0
    view.set_weights(w, np.zeros(2))
    assert view.roles()[0] == ("nationality",)
    with pytest.raises(ValueError, match="24"):
        view.set_weights(np.zeros((10, 2)), np.zeros(2))


def test_figure4_tab_fits_a_1366x768_window_and_follows_training(window, qtbot):
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.width() <= 1366, timeout=5000)
    dock = window.docks["figure4Dock"]  # a tab of "Look inside", beside the Hinton diagrams
    assert dock.windowTitle() == "Person codes (fig. 4)"
    view = dock.widget()
    assert isinstance(view, Figure4View)
    hinton = window.docks["hintonDock"]
    assert dock.parentWidget() is hinton.parentWidget()  # the same tab stack
    # the view never makes the window larger: its minimum is far below a 1366x768 screen's share
    assert view.minimumSize().width() <= 200 and view.minimumSize().height() <= 120
    window.open_preset("family-trees-tuned")
    s = window.session
    qtbot.waitUntil(lambda: s.latest is not None and person_code_layer(s.latest.spec) is not None, timeout=10000)
    dock.show()
    dock.raise_()
    s.step(5)
    qtbot.waitUntil(lambda: s.latest.epoch >= 5 and view.units == 6 and view._epoch == s.latest.epoch, timeout=10000)
    li, si = person_code_layer(s.latest.spec)
    np.testing.assert_array_equal(view._w, s.latest.weights[li][si])
    _check_paper_order(view, 6)
    # legible: every square inside the visible view, cells of at least 10 px at this window size
    assert all(view.rect().contains(q.cell.toRect()) for q in view.squares() + view.bias_squares())
    assert min(q.cell.width() for q in view.squares()) >= 10
    assert view.visibleRegion().boundingRect().contains(view.rect())
