"""The paper's views: pattern table (values shown = snapshot values, live updates) and Hinton diagrams."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.presets import get_preset
from engine.core.spec import InitSpec, NetworkSpec
from gui.panels.hinton import Arrangement, HintonDiagram
from gui.panels.pattern_table import KindRole, PatternTable, ValueRole


@pytest.fixture
def symmetry_trainer():
    t = get_preset("symmetry-6-2-1").make_trainer(seed=1)
    t.step(50)
    return t


def _column_values(model, kind):
    cols = model.columns_of(kind)
    return np.array([[model.data(model.index(r, c), ValueRole) for c in cols] for r in range(model.rowCount())])


def test_pattern_table_shows_the_snapshot_values(qtbot, symmetry_trainer):
    table = PatternTable()
    qtbot.addWidget(table)
    table.set_dataset(symmetry_trainer.data)
    snap = symmetry_trainer.snapshot()
    table.show_snapshot(snap)
    m = table.model
    assert m.rowCount() == 64
    np.testing.assert_allclose(_column_values(m, "output"), snap.pattern_activations["out"])
    np.testing.assert_allclose(_column_values(m, "hidden"), snap.pattern_activations["h1"])
    np.testing.assert_array_equal(_column_values(m, "target"), symmetry_trainer.data.y_train)
    np.testing.assert_array_equal(_column_values(m, "input"), symmetry_trainer.data.x_train)
    # what is displayed is the value, to two decimals
    c = m.columns_of("hidden")[0]
    assert m.data(m.index(5, c)) == f"{snap.pattern_activations['h1'][5, 0]:.2f}"
    # the row header spells out the input bits, so the input columns are hidden
    assert m.headerData(5, Qt.Orientation.Vertical) == "6 · 0 0 0 1 0 1"  # numbered from 1, then the bits
    assert all(table.view.isColumnHidden(j) for j in m.columns_of("input"))


def test_pattern_table_updates_live_without_a_reset(qtbot, symmetry_trainer):
    table = PatternTable()
    qtbot.addWidget(table)
    table.set_dataset(symmetry_trainer.data)
    table.show_snapshot(symmetry_trainer.snapshot())
    before = _column_values(table.model, "output")
    resets = []
    table.model.modelReset.connect(lambda: resets.append(1))
    symmetry_trainer.step(200)
    snap = symmetry_trainer.snapshot()
    with qtbot.waitSignal(table.model.dataChanged, timeout=1000) as blocker:
        table.show_snapshot(snap)
    top, bottom = blocker.args[0], blocker.args[1]
    assert (top.row(), bottom.row()) == (0, 63) and bottom.column() == table.model.columnCount() - 1
    assert not resets
    after = _column_values(table.model, "output")
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, snap.pattern_activations["out"])


def test_pattern_table_shades_by_value(qtbot, symmetry_trainer):
    table = PatternTable()
    qtbot.addWidget(table)
    table.set_dataset(symmetry_trainer.data)
    table.show_snapshot(symmetry_trainer.snapshot())
    m = table.model
    c = m.columns_of("target")[0]
    on = next(r for r in range(64) if m.data(m.index(r, c), ValueRole) == 1.0)
    off = next(r for r in range(64) if m.data(m.index(r, c), ValueRole) == 0.0)
    dark = m.data(m.index(on, c), Qt.ItemDataRole.BackgroundRole)
    light = m.data(m.index(off, c), Qt.ItemDataRole.BackgroundRole)
    assert dark.lightness() < light.lightness()
    # and the drawn pixels follow
    table.resize(400, 1400)
    img = table.grab().toImage()
    for row, colour in ((on, dark), (off, light)):
        rect = table.view.visualRect(m.index(row, c))
        p = table.view.viewport().mapTo(table, rect.topLeft()) + rect.center() - rect.topLeft()
        assert img.pixelColor(p.x() - rect.width() // 3, p.y()).name() == colour.name()


def test_family_trees_table_names_targets_and_outputs(qtbot):
    t = get_preset("family-trees").make_trainer()
    table = PatternTable()
    qtbot.addWidget(table)
    table.set_dataset(t.data)
    table.show_snapshot(t.snapshot())
    m = table.model
    summaries = [j for j in range(m.columnCount()) if m.data(m.index(0, j), KindRole) == "summary"]
    assert len(summaries) == 2
    row = next(r for r in range(m.rowCount()) if m.headerData(r, Qt.Orientation.Vertical).endswith(" · Colin uncle"))
    assert m.data(m.index(row, summaries[0])) == "Arthur, Charles"
    assert len(m.columns_of("output")) == 24 and len(m.columns_of("hidden")) == 6 + 6 + 12 + 6


# ----- Hinton diagrams ---------------------------------------------------------------------------
def _xor_spec():
    return NetworkSpec.stack(2, [2], 1, "sigmoid", "sigmoid", "squared", "sum", InitSpec("uniform", 0.5))


def _weights():
    w1 = np.array([[4.0, -2.0], [-1.0, 0.5]])  # (fan_in, units)
    b1 = np.array([-3.0, 1.0])
    w2 = np.array([[2.0], [-6.0]])
    b2 = np.array([1.5])
    return ((w1,), (w2,)), (b1, b2)


def test_hinton_square_sizes_follow_magnitude_and_colours_follow_sign(qtbot):
    h = HintonDiagram()
    qtbot.addWidget(h)
    h.resize(500, 300)
    weights, biases = _weights()
    h.set_weights(_xor_spec(), weights, biases)
    squares = h.squares()
    assert len(squares) == 4 + 2 + 2 + 1
    layer0 = [q for q in squares if q.layer == 0]
    biggest = max(layer0, key=lambda q: abs(q.value))
    assert biggest.value == 4.0
    for q in layer0:  # side proportional to |w| within the layer
        assert q.side == pytest.approx(biggest.side * abs(q.value) / 4.0)
    img = h.grab().toImage()
    for q in squares:
        if q.side < 6:
            continue
        c = q.rect.center()
        colour = img.pixelColor(int(c.x()), int(c.y()))
        assert (colour.lightness() > 200) if q.value > 0 else (colour.lightness() < 50), (q, colour.name())


def test_hinton_redraws_after_a_weight_change(qtbot):
    h = HintonDiagram()
    qtbot.addWidget(h)
    h.resize(500, 300)
    weights, biases = _weights()
    h.set_weights(_xor_spec(), weights, biases)
    before = h.grab().toImage()
    w1 = weights[0][0].copy()
    w1[1, 0] = -4.0  # was -1: its square grows
    h.set_weights(_xor_spec(), ((w1,), weights[1]), biases)
    after = h.grab().toImage()
    assert before != after
    grown = next(q for q in h.squares() if (q.layer, q.source, q.unit, q.sender) == (0, 0, 0, 1))
    assert grown.value == -4.0 and grown.side == pytest.approx(max(q.side for q in h.squares() if q.layer == 0))


def test_hinton_shows_the_symmetry_mirror_pattern_from_a_snapshot(qtbot, symmetry_trainer):
    h = HintonDiagram()
    qtbot.addWidget(h)
    h.resize(520, 260)
    snap = symmetry_trainer.snapshot()
    h.show_snapshot(snap)
    for q in (q for q in h.squares() if q.layer == 0 and q.source == 0):
        assert q.value == pytest.approx(float(snap.weights[0][0][q.sender, q.unit]))
    # senders of one unit lie left to right in input order
    xs = [q.cell.x() for q in h.squares() if q.layer == 0 and q.source == 0 and q.unit == 0]
    assert xs == sorted(xs) and len(xs) == 6


def test_hinton_lays_out_person_units_by_family_tree(qtbot):
    t = get_preset("family-trees").make_trainer()
    h = HintonDiagram()
    qtbot.addWidget(h)
    h.resize(1200, 560)
    h.show_snapshot(t.snapshot())
    person = {q.sender: q.cell for q in h.squares() if q.layer == 0 and q.source == 0 and q.unit == 0}
    assert len(person) == 24
    for i in range(12):  # English person i directly above their Italian counterpart
        assert person[i].x() == pytest.approx(person[12 + i].x())
        assert person[12 + i].y() > person[i].y()
    # the hook: a custom arrangement replaces the default one
    h.set_arrangement("relation_code", "relation", Arrangement((tuple(range(6)), tuple(range(6, 12)))))
    rel = {q.sender: q.cell for q in h.squares() if q.layer == 1 and q.source == 0 and q.unit == 0}
    assert rel[6].x() == pytest.approx(rel[0].x()) and rel[6].y() > rel[0].y()
