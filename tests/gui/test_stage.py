"""The backward pass on stage: step-through phases drawn on the editor's canvas, the
chain-rule card beside it, and "Apply step" feedback; every number is the engine's."""
from __future__ import annotations

import numpy as np
import pytest

from engine.core.spec import NetworkSpec
from engine.data.datasets import planar, xor_table
from engine.explain.blame import error_signal_maps, pattern_error_signals, split_weights
from engine.training.trainer import Trainer
from gui.editor import colors
from gui.editor.step_view import short
from gui.panels.backward.stage import connect_stage
from gui.panels.backward.stepthrough_panel import StepThroughPanel
from test_editor_support import click, make_editor, view_point


def build(qtbot, trainer):
    editor = make_editor(qtbot, trainer.spec)
    snap = trainer.snapshot(16 if trainer.data.planar else None)
    editor.show_snapshot(snap)
    card = StepThroughPanel()
    qtbot.addWidget(card)
    card.resize(420, 700)
    card.set_context(trainer.data, trainer.settings)
    card.show_snapshot(snap)
    card.show()
    connect_stage(editor, card)
    return editor, card


@pytest.fixture
def xor_stage(qtbot):
    t = Trainer(NetworkSpec.stack(2, [3, 2], 1, seed=3), xor_table())
    t.step(30)
    return (t, *build(qtbot, t))


def expected_edges(walk, phase):
    """Per layer and source, what the engine says the edges carry in this phase (None = weights)."""
    if phase.kind == "update":
        return split_weights(walk.spec, phase.change)
    return tuple(phase.gradients.get(layer.name) for layer in walk.spec.layers)


def test_every_phase_draws_the_engines_numbers_on_the_canvas(qtbot, xor_stage):
    t, editor, card = xor_stage
    assert editor.step_picture is None
    card.mode_action.trigger()
    walk = card.walk
    seen_kinds, labelled = [], 0
    weights = split_weights(walk.spec, walk.params_before)
    for _ in range(len(walk.phases)):
        phase = walk.current
        seen_kinds.append(phase.kind)
        pic = editor.step_picture
        assert pic is not None and pic.index == phase.index and pic.title in editor.view.step_caption
        layer_step = editor.scene.step_layer
        # unit badges: activations in forward phases, deltas from the error on
        for node, values in phase.node_values().items():
            for u, v in enumerate(values):
                assert layer_step.unit_badges[(node, u)][1] == short(v)
        edges = expected_edges(walk, phase)
        for b in editor.scene.bundles:
            got = edges[b.layer_index]
            if got is None:
                assert np.array_equal(b.values, weights[b.layer_index][b.source_index].ravel())
                assert b.dimmed == (not (phase.kind == "forward" and b.target.layer.name == phase.layer))
                continue
            want = got[b.source_index]
            assert np.array_equal(b.values, want.ravel()) and not b.dimmed
            k = b.pen_index
            assert np.array_equal(k >= colors.WEIGHT_BINS, want.ravel() >= 0)  # colour = sign
            layer_peak = max(float(np.abs(m).max()) for m in got) or 1.0  # width = |value| / the layer's largest
            bins = np.rint(np.abs(want.ravel()) / layer_peak * (colors.WEIGHT_BINS - 1))
            assert np.array_equal(k % colors.WEIGHT_BINS, bins)
            if phase.kind == "update":
                assert b.quantity == "Δw"
            else:
                assert b.quantity == "∂E/∂w"
        # the numbers printed on the edges are the engine's values for those weights
        for _, text, value, src, dst in layer_step.edge_labels:
            layer = dst.split("[")[0]
            i = [l.name for l in walk.spec.layers].index(layer)
            s = walk.spec.sources_of(i).index(src.split("[")[0])
            r, c = int(src.split("[")[1][:-1]) - 1, int(dst.split("[")[1][:-1]) - 1  # labels are 1-based
            matrix = (edges[i] or weights[i])[s]
            assert value == matrix[r, c] and text == short(matrix[r, c])
            labelled += 1
        if phase.kind in ("backward", "error"):
            assert {d.split("[")[0] for *_, d in layer_step.edge_labels} <= {phase.layer}
        card.next_phase()
    assert seen_kinds == ["input", "forward", "forward", "forward", "error", "backward", "backward", "update"]
    assert labelled > 0
    card.mode_action.trigger()  # off: the canvas shows the live network again
    assert editor.step_picture is None and editor.view.step_caption == ""
    assert not any(b.dimmed for b in editor.scene.bundles)


def test_clicking_a_unit_on_the_canvas_fills_the_chain_rule_card(qtbot, xor_stage):
    t, editor, card = xor_stage
    card.mode_action.trigger()
    while card.walk.current.kind != "backward" or card.walk.current.layer != "h1":
        card.next_phase()
    unit = editor.scene.layer_columns[0].units[2]
    click(qtbot, editor, view_point(editor, unit))
    assert card.selected == ("h1", 2)
    text = card.chain_text.toPlainText()
    rule = card.walk.explain("h1", 2)
    assert text.startswith("h1[3]") and rule.text() in text  # unit index 2 is the third unit
    assert "h1[3]" in card.error_map.title.text() and "pattern 1 " in card.error_map.title.text()  # index 0
    want = pattern_error_signals(t.spec, t.network.params, t.data)["h1"][:, 2]
    assert np.allclose(card.error_map.values, want)
    # and the card's selection rings the unit on the canvas
    card.select_unit("h2", 1)
    assert editor.scene.selected_unit == ("h2", 1)


def test_error_map_on_planar_data_is_labelled_with_pattern_and_unit(qtbot):
    spec = NetworkSpec.stack(2, [3], 1, features=["x", "y"], seed=2)
    t = Trainer(spec, planar("xor", 60, seed=1))
    t.step(10)
    editor, card = build(qtbot, t)
    card.mode_action.trigger()
    card.pattern_box.setValue(5)
    card.select_unit("h1", 0)
    x, y = t.data.x_train[5]
    title = card.error_map.title.text()
    assert "h1[1]" in title and "pattern 6 " in title and f"{x:.3g}" in title  # index 5, counted from 1
    assert card.pattern_box.text() == "pattern 6"
    want = error_signal_maps(spec, t.network.params, t.data, 40, (-6.0, 6.0))["h1"][0]
    assert np.allclose(card.error_map.values, want)


def test_apply_step_flashes_the_change_and_names_the_largest(qtbot, xor_stage):
    t, editor, card = xor_stage
    card.mode_action.trigger()
    card.next_phase()
    shown = editor.step_picture.index
    with qtbot.waitSignal(card.applyRequested):
        card.apply_action.trigger()
    change = card.walk.largest_change()
    assert change is not None and change.text() in editor.message_label.text()
    assert editor.message_label.text().startswith("Weights changed")
    assert editor.step_picture.edge_kind == "change"  # the update is what pulses
    qtbot.waitUntil(lambda: editor.scene.step_layer.flash > 0, timeout=2000)
    qtbot.waitUntil(lambda: editor.step_picture.index == shown, timeout=5000)  # then back to the phase
    assert editor.scene.step_layer.flash == 0.0


def test_a_step_for_another_network_is_not_drawn(qtbot, xor_stage):
    t, editor, card = xor_stage
    card.mode_action.trigger()
    other = Trainer(NetworkSpec.stack(2, [4], 1, seed=1), xor_table())
    from engine.explain.stepthrough import StepThrough

    walk = StepThrough.from_trainer(other, 0)
    before = editor.step_picture
    editor.show_step(walk.current, walk)
    assert editor.step_picture is before


def test_window_apply_step_goes_through_the_document_flashes_once_and_is_undoable(qtbot, window):
    s = window.session
    card = window.backward_panel.step_through
    card.mode_action.trigger()
    qtbot.waitUntil(lambda: card.walk is not None, timeout=10000)
    walk = card.walk
    before = s.checkpoint().params.copy()
    card.apply_action.trigger()
    qtbot.waitUntil(lambda: "Weights changed" in window.editor.message_label.text(), timeout=10000)
    np.testing.assert_array_equal(s.checkpoint().params, walk.params_after)  # done once, on the live run
    assert not card.apply_action.isEnabled()  # a spent step cannot be applied twice
    s.undo_stack.undo()
    qtbot.waitUntil(lambda: np.array_equal(s.checkpoint().params, before), timeout=10000)


def test_numbers_keep_their_size_on_screen_when_the_canvas_is_small(qtbot, xor_stage):
    t, editor, card = xor_stage
    card.mode_action.trigger()
    while card.walk.current.kind != "backward":
        card.next_phase()
    editor.resize(520, 360)  # a cramped canvas: fitted at well under 1:1
    qtbot.waitUntil(lambda: editor.view.transform().m11() < 0.8, timeout=3000)
    zoom = editor.view.transform().m11()
    layer = editor.scene.step_layer
    assert layer.text_scale == pytest.approx(1 / zoom)
    assert layer.edge_labels and layer.unit_badges
    # drawn badge text: 8.5 pt in scene units times 1/zoom, so 8.5 pt on screen
    from gui.editor.step_view import _badge_font

    assert _badge_font(layer.text_scale).pointSizeF() * zoom == pytest.approx(8.5)
    editor.resize(1200, 700)
    qtbot.waitUntil(lambda: editor.view.transform().m11() >= 1.0, timeout=3000)
    assert layer.text_scale == 1.0  # never smaller than their own size


def test_error_map_uses_a_wide_cards_width(qtbot):
    """Planar data: the square map is as tall as its part of the card, and the words stand
    beside it (not a narrow square lost in a wide plot); other data: bars fill the width."""
    spec = NetworkSpec.stack(2, [3], 1, features=["x", "y"], seed=2)
    t = Trainer(spec, planar("xor", 60, seed=1))
    t.step(10)
    editor, card = build(qtbot, t)
    card.resize(620, 720)
    assert not card.error_map.plot.isVisible() and "start the step-through" in card.error_map.title.text()  # no empty axes
    card.mode_action.trigger()
    card.select_unit("h1", 1)
    em = card.error_map
    qtbot.waitUntil(lambda: em.isVisible() and em.height() > 200 and em.title.x() > 0, timeout=3000)  # half the card
    assert em.beside
    plot, title = em.plot.geometry(), em.title.geometry()
    assert title.left() >= plot.right() and title.width() >= 150  # the words beside the map
    vb = em.plot.plotItem.vb
    box = vb.sceneBoundingRect()
    assert abs(box.width() - box.height()) <= 0.1 * box.height()  # about square, so nothing is wasted
    assert box.height() >= 0.7 * em.height()
    drawn = vb.mapRectFromItem(em.image, em.image.boundingRect())  # the map fills the plot's square
    (x0, x1), (y0, y1) = vb.viewRange()
    assert drawn.width() >= 0.95 * (x1 - x0) and drawn.height() >= 0.95 * (y1 - y0)
    # what is drawn: the map's colours reach the plot's right part (a centred narrow square would leave it white)
    shot = em.plot.grab().toImage()
    right = vb.mapRectToScene(vb.rect()).toRect().right() - 4
    column = {shot.pixelColor(right, y).name() for y in range(int(box.top()) + 4, int(box.bottom()) - 4, 4)}
    assert len(column) > 3
    # other data: the title above, the bars across the whole width
    t2 = Trainer(NetworkSpec.stack(2, [3], 1, seed=3), xor_table())
    card.set_context(t2.data, t2.settings)
    editor.show_snapshot(t2.snapshot())
    card.show_snapshot(t2.snapshot())
    card.select_unit("h1", 0)
    assert not em.beside
    qtbot.waitUntil(lambda: em.title.geometry().bottom() <= em.plot.geometry().top(), timeout=3000)  # laid out again
    assert em.plot.width() >= em.width() - 2


def test_input_badges_are_readable_on_the_dark_theme(qtbot, xor_stage):
    """While δ is shown, the inputs' values are drawn in plain (grey) badges: their text must
    stand out from the badge on the dark theme too (it was light on light)."""
    from PySide6.QtWidgets import QApplication

    from gui.style.themes import DARK, _palette

    t, editor, card = xor_stage
    app = QApplication.instance()
    original = app.palette()
    try:
        app.setPalette(_palette(DARK))
        qtbot.waitUntil(lambda: colors.dark_mode, timeout=2000)
        card.mode_action.trigger()
        while card.walk.current.kind != "backward":
            card.next_phase()
        layer = editor.scene.step_layer
        plain = [(c, text) for c, text, v in layer.unit_badges.values() if not np.isfinite(v)]
        assert plain, "no plain input badges in a backward phase"
        img = editor.view.viewport().grab().toImage()
        ratio = img.devicePixelRatio()
        for centre, text in plain:
            p = editor.view.mapFromScene(layer.mapToScene(centre))
            row = [img.pixelColor(int((p.x() + dx) * ratio), int(p.y() * ratio)).lightness() for dx in range(-8, 9)]
            assert max(row) - min(row) > 100, f"badge {text!r} has no readable text: {row}"
    finally:
        app.setPalette(original)
    qtbot.waitUntil(lambda: not colors.dark_mode, timeout=2000)


def test_chain_rule_cards_error_map_follows_the_dark_theme(qtbot, window):
    from gui.style.themes import DARK, LIGHT

    window.set_theme("dark", save=False)
    window.show_workspace("backward")
    card = window.backward_panel.step_through
    card.mode_action.trigger()
    card.select_unit("h1", 0)
    em = card.error_map
    qtbot.waitUntil(lambda: em.plot.isVisible() and em.plot.width() > 100, timeout=5000)
    assert em.plot.grab().toImage().pixelColor(2, 2).name() == DARK.plot_background  # no white box
    assert em.plot.getAxis("left").textPen().color().name() == DARK.plot_foreground
    window.set_theme("light", save=False)
    assert em.plot.grab().toImage().pixelColor(2, 2).name() == LIGHT.plot_background
