"""Live drawing from snapshots (weight pens, unit thumbnails, in place), hover read-outs and
typing a weight."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QColor

from engine.data.datasets import planar
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer
from gui.editor import colors
from test_editor_support import click, make_editor, settle, view_point

RES = 24


@pytest.fixture
def trained():
    spec = NetworkSpec.stack(2, [4, 3], features=["x", "y"])
    trainer = Trainer(spec, planar("xor", 120, seed=3))
    first = trainer.snapshot(RES)
    trainer.step(60)
    return spec, first, trainer.snapshot(RES)


def with_weight(snap, layer: int, source: int, row: int, col: int, value: float):
    weights = [list(ws) for ws in snap.weights]
    w = np.array(weights[layer][source])
    w[row, col] = value
    weights[layer][source] = w
    return dataclasses.replace(snap, weights=tuple(tuple(ws) for ws in weights))


def with_grid(snap, node: str, unit: int, value: float):
    grids = dict(snap.grids)
    g = np.array(grids[node])
    g[unit] = value
    grids[node] = g
    return dataclasses.replace(snap, grids=grids)


def is_tint_of(c: QColor, base: QColor) -> bool:
    """c lies on the line from the canvas colour to `base` (a faded copy of it)."""
    canvas = np.array(colors.CANVAS.getRgb()[:3], float)
    d = np.array(c.getRgb()[:3], float) - canvas
    b = np.array(base.getRgb()[:3], float) - canvas
    t = d @ b / (b @ b)
    return 0.2 <= t <= 1.0 and np.abs(d - t * b).max() <= 2.0


def test_weight_pens_follow_sign_and_magnitude(qtbot, trained):
    spec, _, snap = trained
    editor = make_editor(qtbot, spec)
    bundle = editor.scene.bundle("h1", "h2")
    editor.show_snapshot(with_weight(with_weight(snap, 1, 0, 0, 0, -3.5), 1, 0, 1, 0, 0.1))
    big_neg, small_pos = bundle.pen_for(0, 0), bundle.pen_for(1, 0)
    assert big_neg.color().rgb() == colors.NEGATIVE.rgb()  # saturated
    assert is_tint_of(small_pos.color(), colors.POSITIVE)  # faded toward the canvas
    assert big_neg.widthF() > 3 * small_pos.widthF()
    # every drawn weight: colour by sign, width growing with |w|
    w = np.asarray(snap.weights[0][0])
    editor.show_snapshot(snap)
    first = editor.scene.bundle("input", "h1")
    pens = [(abs(w[r, c]), first.pen_for(r, c)) for r in range(2) for c in range(4)]
    for (r, c), (mag, pen) in zip([(r, c) for r in range(2) for c in range(4)], pens):
        assert is_tint_of(pen.color(), colors.POSITIVE if w[r, c] >= 0 else colors.NEGATIVE)
    ordered = sorted(pens, key=lambda t: t[0])
    widths = [p.widthF() for _, p in ordered]
    assert widths == sorted(widths)


def test_snapshot_updates_items_in_place(qtbot, trained):
    spec, first, later = trained
    editor = make_editor(qtbot, spec)
    bundle = editor.scene.bundle("h2", "out")
    unit = editor.scene.layer_columns[0].units[1]
    editor.show_snapshot(first)
    before = unit.image.copy()
    values_before = bundle.values.copy()
    editor.show_snapshot(later)
    assert editor.scene.bundle("h2", "out") is bundle  # not rebuilt
    assert editor.scene.layer_columns[0].units[1] is unit
    assert not np.allclose(values_before, bundle.values)
    assert np.allclose(bundle.values, np.asarray(later.weights[2][0]).ravel())
    assert unit.image != before  # the thumbnail's pixels changed


def test_thumbnail_colours_follow_the_unit_output(qtbot, trained):
    spec, _, snap = trained
    editor = make_editor(qtbot, spec)
    editor.show_snapshot(with_grid(with_grid(snap, "h1", 0, 1.0), "h1", 1, -1.0))
    units = editor.scene.layer_columns[0].units
    shot = editor.view.grab().toImage()
    pos_px = QColor(shot.pixel(view_point(editor, units[0], QPointF(0, 0))))
    neg_px = QColor(shot.pixel(view_point(editor, units[1], QPointF(0, 0))))
    assert pos_px.blue() > pos_px.red() + 80  # +1 draws blue
    assert neg_px.red() > neg_px.blue() + 80  # -1 draws orange


def test_stale_snapshot_is_ignored_after_a_topology_change(qtbot, trained):
    spec, _, snap = trained
    editor = make_editor(qtbot, NetworkSpec.stack(2, [5, 3], features=["x", "y"]))
    editor.show_snapshot(snap)  # h1 has 4 units in the snapshot, 5 on the canvas
    assert editor.scene.layer_columns[0].units[0].image is None
    assert np.all(editor.scene.bundle("input", "h1").values == 0)
    # the unchanged h2 -> out connection still follows the snapshot
    assert np.allclose(editor.scene.bundle("h2", "out").values, np.asarray(snap.weights[2][0]).ravel())


def hover(qtbot, editor, pos: QPoint) -> None:
    """Move the pointer there in two small steps (the first move after showing only enters)."""
    qtbot.mouseMove(editor.view.viewport(), pos + QPoint(2, 0))
    qtbot.mouseMove(editor.view.viewport(), pos)


def point_on_edge(bundle, edge: int) -> QPointF:
    """A point on one weight's line where no other line of the bundle is as near."""
    line = bundle.points[edge]
    for t in np.linspace(0.3, 0.7, 9):  # clear of the column cards
        p = line[0] + t * (line[-1] - line[0]) if len(line) == 2 else line[int(t * (len(line) - 1))]
        if bundle.nearest_edge(*p) == edge:
            return QPointF(*p)
    raise AssertionError("no unambiguous point on the edge")


def test_click_weight_and_type_a_value(qtbot, trained, monkeypatch):
    spec, _, snap = trained
    editor = make_editor(qtbot, spec)
    editor.show_snapshot(snap)
    asked = []

    def fake_get_double(parent, title, label, value, *args):
        asked.append((label, value))
        return 0.75, True

    monkeypatch.setattr("gui.editor.editor.QInputDialog.getDouble", fake_get_double)
    bundle = editor.scene.bundle("h1", "h2")
    edge = bundle.edge_index(2, 1)
    pos = editor.view.mapFromScene(point_on_edge(bundle, edge))
    with qtbot.waitSignal(editor.weightEdited, timeout=2000) as blocker:
        click(qtbot, editor, pos)
    assert blocker.args == [1, 0, 2, 1, 0.75]
    assert asked[0][1] == pytest.approx(float(snap.weights[1][0][2, 1]))
    assert "h1[3] → h2[2]" in asked[0][0]


def test_cancelled_weight_dialog_emits_nothing(qtbot, trained, monkeypatch):
    spec, _, snap = trained
    editor = make_editor(qtbot, spec)
    editor.show_snapshot(snap)
    monkeypatch.setattr("gui.editor.editor.QInputDialog.getDouble", lambda *a: (9.0, False))
    got = []
    editor.weightEdited.connect(lambda *a: got.append(a))
    bundle = editor.scene.bundle("input", "h1")
    click(qtbot, editor, editor.view.mapFromScene(point_on_edge(bundle, 0)))
    settle()
    assert got == []


def test_hover_weight_and_unit_show_values(qtbot, trained):
    spec, _, snap = trained
    editor = make_editor(qtbot, spec)
    editor.show_snapshot(snap)
    bundle = editor.scene.bundle("h2", "out")
    hover(qtbot, editor, editor.view.mapFromScene(point_on_edge(bundle, 1)))
    w = float(snap.weights[2][0][1, 0])
    vp = editor.view.viewport()
    assert editor.info_label.text().startswith("weight h2[2] → out[1]")
    assert f"{w:+.4f}" in editor.info_label.text()
    unit = editor.scene.layer_columns[1].units[2]
    hover(qtbot, editor, view_point(editor, unit, QPointF(0, 0)))
    popup = editor.scene.popup
    assert popup.isVisible() and popup.unit is unit
    assert f"bias: {float(snap.biases[1][2]):+.4f}" in popup.unit.description()
    hover(qtbot, editor, view_point(editor, editor.scene.layer_columns[0], QPointF(0, -30)))
    assert not popup.isVisible()


def test_big_layers_are_capped(qtbot):
    spec = NetworkSpec.stack(40, [300], outputs=2, output_activation="sigmoid")
    editor = make_editor(qtbot, spec)
    col = editor.scene.layer_columns[0]
    assert len(col.units) < 40 and col.more == 300 - len(col.units)
    bundle = editor.scene.bundle("input", "h1")
    assert bundle.shape_full == (40, 300)
    assert len(bundle.points) == len(editor.scene.input_columns[0].units) * len(col.units)
    click(qtbot, editor, view_point(editor, col.plus_button))
    assert editor.spec.layers[0].units == 301


def test_diverged_values_draw_without_warnings(qtbot, trained):
    import warnings

    spec, _, snap = trained
    editor = make_editor(qtbot, spec)
    wild = with_weight(with_grid(with_grid(snap, "h1", 0, np.inf), "h1", 1, np.nan), 0, 0, 0, 0, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        editor.show_snapshot(wild)
        editor.view.grab()
    assert editor.scene.layer_columns[0].units[0].image is not None


def test_without_a_plane_units_show_their_training_patterns(qtbot):
    """Boolean data (no input plane): each unit's map is its activation per pattern."""
    from engine.data.datasets import xor_table

    spec = NetworkSpec.stack(2, [2], output_activation="sigmoid", activation="sigmoid")
    data = xor_table()
    snap = Trainer(spec, data).snapshot(RES)
    assert snap.grids is None and snap.pattern_activations is not None
    editor = make_editor(qtbot, spec)
    editor.show_snapshot(snap)
    acts = np.asarray(snap.pattern_activations["h1"])  # (4 patterns, 2 units)
    unit = editor.scene.layer_columns[0].units[1]
    assert unit.patterns == 4
    img = unit.image  # 2x2 cells, pattern 0 top-left, row by row
    assert (img.width(), img.height()) == (2, 2)
    lo, hi = colors.levels_for("sigmoid")
    for p, (x, y) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)]):
        expected = colors.LUT[int((acts[p, 1] - lo) / (hi - lo) * 255)]
        got = QColor(img.pixel(x, y))
        assert abs(got.blue() - int(expected[0])) <= 1 and abs(got.red() - int(expected[2])) <= 1
    inputs = editor.scene.input_columns[0].units
    assert inputs[0].patterns == 4 and inputs[0].image is not None


def test_weights_from_features_are_named_by_their_formula(qtbot, trained):
    spec, _, snap = trained
    editor = make_editor(qtbot, spec)
    editor.show_snapshot(snap)
    bundle = editor.scene.bundle("input", "h1")
    assert bundle.describe(bundle.edge_index(1, 3)).startswith("weight x₂ → h1[4] = ")
