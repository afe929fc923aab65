"""Backward-pass panels: clicks, keys and what they draw, checked against the engine."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.explain.blame import edge_values, error_signal_maps
from engine.data.datasets import planar, xor_table
from engine.explain.landscape import loss_curve, parameter_names
from engine.core.network import Network
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import NetworkSpec
from engine.explain.stepthrough import fmt, pattern_arrays
from engine.training.trainer import Trainer, TrainSettings
from gui.panels.backward.colors import diverging, scale_of, strength
from gui.panels.backward.error_maps import ErrorMapsPanel
from gui.panels.backward.loss_slice import LossSlicePanel
from gui.panels.backward.overlay import EdgeOverlaySwitch, overlay_values
from gui.panels.backward.stepthrough_panel import StepThroughPanel
from gui.panels.backward.timeline_panel import TimelinePanel


def xor_trainer(hidden=(2,), steps=30):
    spec = NetworkSpec.stack(2, list(hidden), 1, seed=1)
    t = Trainer(spec, xor_table(), TrainSettings(OptimizerSettings(lr=0.5, momentum=0.9), batch_size=None))
    t.step(steps)
    return t


def planar_trainer(hidden=(3,), features=("x", "y"), steps=20):
    data = planar("xor", 60, seed=3)
    spec = NetworkSpec.stack(2, list(hidden), 1, features=list(features), seed=2)
    t = Trainer(spec, data, TrainSettings(OptimizerSettings(lr=0.05, momentum=0.9)))
    t.step(steps)
    return t, data


@pytest.fixture
def stepping(qtbot):
    t = xor_trainer()
    panel = StepThroughPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 460)
    panel.set_context(t.data, t.settings)
    panel.show_snapshot(t.snapshot())
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    return t, panel


def click_action(qtbot, panel, action):
    button = panel.toolbar.widgetForAction(action) or panel.pattern_bar.widgetForAction(action)
    assert button is not None and button.isVisible(), action.text()
    qtbot.mouseClick(button, Qt.LeftButton)


def test_mode_button_next_previous_and_keys_walk_the_same_records(qtbot, stepping):
    t, panel = stepping
    assert not panel.active and not panel.next_action.isEnabled()
    with qtbot.waitSignal(panel.modeToggled) as on:
        click_action(qtbot, panel, panel.mode_action)
    assert on.args == [True] and panel.active and panel.walk.position == 0
    seen = [panel.walk.current]
    click_action(qtbot, panel, panel.next_action)
    seen.append(panel.walk.current)
    panel.diagram.setFocus()
    qtbot.keyClick(panel.diagram, Qt.Key_Right)
    seen.append(panel.walk.current)
    assert [p.index for p in seen] == [0, 1, 2]
    assert "Forward: out" in panel.phase_label.text()
    qtbot.keyClick(panel.diagram, Qt.Key_Left)
    assert panel.walk.current is seen[1]
    click_action(qtbot, panel, panel.prev_action)
    assert panel.walk.current is seen[0] and not panel.prev_action.isEnabled()
    for _ in range(10):
        qtbot.keyClick(panel.diagram, Qt.Key_Right)
    assert panel.walk.at_end and not panel.next_action.isEnabled()
    assert panel.walk.current.kind == "update"
    click_action(qtbot, panel, panel.mode_action)
    assert not panel.active


def test_pattern_picker_and_next_pattern(qtbot, stepping):
    t, panel = stepping
    panel.mode_action.trigger()
    panel.pattern_box.setValue(2)
    assert panel.walk.pattern_index == 2 and np.array_equal(panel.walk.x[0], t.x_train[2])
    assert "target (1)" in panel.pattern_label.text()
    click_action(qtbot, panel, panel.next_pattern_action)
    assert panel.walk.pattern_index == 3 and panel.walk.position == 0
    click_action(qtbot, panel, panel.next_pattern_action)
    assert panel.walk.pattern_index == 0  # wraps around


def test_selected_units_chain_rule_text_has_the_engines_numbers(qtbot, stepping):
    t, panel = stepping
    panel.mode_action.trigger()
    panel.pattern_box.setValue(1)
    net = Network(t.spec, t.network.params.copy())
    fp = net.forward(t.x_train[1:2])
    bp = net.backward(fp, t.y_train[1:2])
    centre = panel.diagram.unit_center("h1", 1).toPoint()
    with qtbot.waitSignal(panel.unitSelected) as sel:
        qtbot.mouseClick(panel.diagram, Qt.LeftButton, pos=centre)
    assert sel.args == ["h1", 1]
    assert "not computed yet" in panel.chain_text.toPlainText()
    while panel.walk.current.kind != "backward":
        panel.next_phase()
    text = panel.chain_text.toPlainText()
    w_out = net.weights[1][0]
    assert fmt(bp.deltas["h1"][0, 1]) in text
    assert fmt(w_out[1, 0]) in text and fmt(bp.deltas["out"][0, 0]) in text
    assert fmt(1 - fp.activations["h1"][0, 1] ** 2) in text
    qtbot.mouseClick(panel.diagram, Qt.LeftButton, pos=panel.diagram.unit_center("out", 0).toPoint())
    text = panel.chain_text.toPlainText()
    assert "output unit" in text and fmt(bp.deltas["out"][0, 0]) in text and fmt(t.y_train[1, 0]) in text


def test_node_colours_drawn_are_the_phase_values(qtbot, stepping):
    t, panel = stepping
    panel.mode_action.trigger()
    while panel.walk.current.kind != "backward":
        panel.next_phase()
    phase = panel.walk.current
    image = panel.diagram.grab().toImage()
    scale = scale_of(phase.deltas.values())
    r = panel.diagram.radius()
    for layer in ("h1", "out"):
        for u, value in enumerate(phase.deltas[layer]):
            c = panel.diagram.unit_center(layer, u)
            ratio = image.width() / panel.diagram.width()  # device pixel ratio of the grab
            px = image.pixelColor(int(c.x() * ratio), int((c.y() + 0.7 * r) * ratio))  # below the number
            want = diverging(strength(value, scale))
            assert abs(px.red() - want.red()) <= 3 and abs(px.blue() - want.blue()) <= 3


def test_apply_request_is_one_sgd_step_on_that_pattern(qtbot, stepping):
    t, panel = stepping
    panel.mode_action.trigger()
    panel.pattern_box.setValue(3)
    with qtbot.waitSignal(panel.applyRequested) as req:
        click_action(qtbot, panel, panel.apply_action)
    walk = req.args[0]
    before, velocity = t.network.params.copy(), t.optimizer.velocity.copy()
    walk.apply(t)  # what the worker does with the request
    assert np.array_equal(t.network.params, walk.phases[-1].params)
    assert np.allclose(t.network.params, before - 0.5 * walk.gradient + 0.9 * velocity, rtol=0, atol=1e-15)


def test_step_through_survives_topology_edit_and_reset(qtbot, stepping):
    t, panel = stepping
    panel.mode_action.trigger()
    panel.select_unit("h1", 1)
    bigger = xor_trainer(hidden=(4, 3))
    panel.show_snapshot(bigger.snapshot())
    assert panel.walk.spec == bigger.spec and len(panel.walk.phases) == 8
    smaller = xor_trainer(hidden=(1,), steps=0)
    panel.show_snapshot(smaller.snapshot())
    assert panel.selected == ("h1", 0)  # unit 1 no longer exists
    while not panel.walk.at_end:
        panel.next_phase()
    assert np.array_equal(panel.walk.params_before, smaller.network.params)
    smaller.step(5)
    panel.show_snapshot(smaller.snapshot())
    assert panel.walk.position == panel.walk.phases[-1].index  # training on: the user's place is kept
    smaller.reset()
    panel.show_snapshot(smaller.snapshot())
    assert panel.walk.position == 0 and np.array_equal(panel.walk.params_before, smaller.network.params)


def test_error_map_columns_wrap_to_the_width_so_no_layer_is_cut_off(qtbot):
    """At 1366x768 the panel is about 590 px wide: three layers' columns do not fit side by
    side. They wrap (two, then one below) and the view scrolls down; wide, they sit in a row."""
    t, data = planar_trainer(hidden=(4, 2))
    panel = ErrorMapsPanel(resolution=12)
    qtbot.addWidget(panel)
    panel.resize(590, 560)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_context(data)
    panel.show_snapshot(t.snapshot(12))
    panel.refresh_now()

    def right_edges() -> list[float]:
        view = panel.view
        return [view.mapFromScene(h.sceneBoundingRect()).boundingRect().right() for h in panel.headings]

    assert panel.per_row == 2 and len(panel.headings) == 3
    qtbot.waitUntil(lambda: max(right_edges()) <= panel.scroll.viewport().width(), timeout=5000)
    assert panel.view.minimumHeight() > panel.scroll.viewport().height()  # the third layer is below: scroll
    panel.resize(1300, 560)
    qtbot.waitUntil(lambda: panel.per_row == 3, timeout=5000)  # room for all: one row again
    qtbot.waitUntil(lambda: max(right_edges()) <= panel.scroll.viewport().width(), timeout=5000)


def test_error_maps_show_the_engines_error_signals(qtbot):
    t, data = planar_trainer(hidden=(3, 2))
    panel = ErrorMapsPanel(resolution=12)
    qtbot.addWidget(panel)
    panel.set_context(data)
    panel.show_snapshot(t.snapshot(12))
    panel.refresh_now()
    want = error_signal_maps(t.spec, t.network.params, data, 12)
    for layer in ("h1", "h2", "out"):
        assert np.array_equal(panel.maps[layer], want[layer])
    act_img, err_img, label = panel.cells[("h1", 2)]
    assert np.array_equal(err_img.image, want["h1"][2])
    assert np.array_equal(act_img.image, t.snapshot(12).grids["h1"][2])
    assert f"{100 * panel.saturation['h1'][2]:.0f}%" in label.text
    t2, _ = planar_trainer(hidden=(5,), features=("x", "y", "xy"))
    panel.show_snapshot(t2.snapshot(12))
    panel.refresh_now()
    assert ("h1", 4) in panel.cells and ("h2", 0) not in panel.cells
    panel.set_context(xor_table())
    panel.show_snapshot(xor_trainer().snapshot())
    panel.refresh_now()
    assert not panel.cells and "each training pattern" in panel.message.text()
    from engine.explain.blame import pattern_error_signals

    xt = xor_trainer()
    rows = pattern_error_signals(xt.spec, xt.network.params, xor_table())
    img, label = panel.pattern_cells["h1"]
    assert np.array_equal(img.image, rows["h1"].T.astype(np.float32))
    assert "saturated" in label.text


def test_timeline_slider_replays_an_earlier_epoch_and_returns_live(qtbot):
    t, data = planar_trainer(steps=0)
    panel = TimelinePanel(capacity=8, grid_resolution=10)
    qtbot.addWidget(panel)
    panel.set_context(data)
    recorded = {}
    for _ in range(40):
        t.step(1)
        t.record()
        snap = t.snapshot(10)
        recorded[snap.epoch] = snap
        panel.show_snapshot(snap)
    assert len(panel.timeline) <= 9 and panel.slider.value() == panel.slider.maximum()
    with qtbot.waitSignal(panel.replayRequested) as replay:
        panel.slider.setValue(2)
    shown = replay.args[0]
    assert shown.epoch == panel.timeline.entries()[2].epoch
    assert np.array_equal(shown.params, recorded[shown.epoch].params)
    assert shown.grids["h1"].shape == (3, 10, 10) and f"epoch {shown.epoch}" in panel.label.text()
    t.step(1)
    panel.show_snapshot(t.snapshot(10))  # live training goes on; the replay stays put
    assert not panel.live and panel.slider.value() == 2
    with qtbot.waitSignal(panel.replayRequested) as back:
        qtbot.mouseClick(panel.live_button, Qt.LeftButton)
    assert back.args == [None] and panel.live
    t.reset()
    panel.show_snapshot(t.snapshot(10))
    assert len(panel.timeline) == 1


def test_loss_slice_draws_the_engines_curve_and_follows_new_specs(qtbot):
    t, data = planar_trainer()
    timeline_panel = TimelinePanel()
    qtbot.addWidget(timeline_panel)
    for _ in range(5):
        t.step(2)
        timeline_panel.show_snapshot(t.snapshot())
    panel = LossSlicePanel(timeline_panel.timeline)
    qtbot.addWidget(panel)
    panel.set_context(data)
    snap = t.snapshot()
    panel.show_snapshot(snap)
    panel.choose(4)
    x, y = pattern_arrays(t.spec, data)
    xs, ys = panel.curve.getData()
    want = loss_curve(t.spec, snap.params, x, y, 4, xs)
    assert np.allclose(ys, want.loss, rtol=1e-12)
    assert panel.current.data["y"][0] == pytest.approx(Network(t.spec, snap.params).loss(x, y))
    assert len(panel.path.getData()[0]) == len(timeline_panel.timeline)
    panel.choose(0, 1)
    assert panel.image.isVisible() and panel.image.image.shape == (41, 41)
    t2, _ = planar_trainer(hidden=(4, 2))
    panel.show_snapshot(t2.snapshot())
    assert panel.first.count() == len(parameter_names(t2.spec))


def test_edge_overlay_switch_and_values(qtbot):
    t, data = planar_trainer()
    switch = EdgeOverlaySwitch()
    qtbot.addWidget(switch)
    with qtbot.waitSignal(switch.modeChanged) as changed:
        switch.set_mode("gradients")
    assert changed.args == ["gradients"] and switch.mode == "gradients"
    snap = t.snapshot()
    grads = overlay_values(switch.mode, snap, data)
    assert [g.shape for g in grads[0]] == [w.shape for w in snap.weights[0]]
    assert overlay_values is edge_values


def test_gradient_check_panel_shows_backprop_beside_finite_differences(qtbot):
    from gui.panels.backward.gradcheck_panel import GradientCheckPanel

    t, data = planar_trainer(hidden=(3, 2))
    panel = GradientCheckPanel()
    qtbot.addWidget(panel)
    panel.set_context(data)
    snap = t.snapshot()
    panel.show_snapshot(snap)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    result = panel.result
    x, y = pattern_arrays(t.spec, data)
    net = Network(t.spec, snap.params)
    assert np.array_equal(result.backprop, net.backward(net.forward(x[:200]), y[:200]).gradient)
    assert result.max_relative_error < 1e-4  # the engine's gradient equals finite differences
    model = panel.model
    assert model.rowCount() == t.network.size
    names = parameter_names(t.spec)
    assert model.data(model.index(5, 0)) == names[5]
    assert model.data(model.index(5, 1)) == f"{result.backprop[5]:.6g}"
    assert model.data(model.index(5, 2)) == f"{result.numeric[5]:.6g}"
    weights = [p[0] for p in panel.cost_points]
    assert weights == sorted(weights) and weights[-1] == t.network.size
    assert [p[1] for p in panel.cost_points] == [2 * k for k in weights]
    assert f"{2 * t.network.size} forward passes" in panel.summary.text()
    assert np.array_equal(panel.fd_curve.getData()[0], np.array(weights, dtype=float))
    t.step(1)
    panel.show_snapshot(t.snapshot())
    assert "again" in panel.run_button.text()
    t2, _ = planar_trainer(hidden=(5, 4, 3))
    panel.show_snapshot(t2.snapshot())
    panel.max_weights.setValue(20)
    panel.run_check()
    assert model.rowCount() == 20 and panel.result.n_parameters == t2.network.size


def test_backward_panel_feeds_every_view_and_forwards_requests(qtbot):
    from gui.panels.backward import BackwardPanel

    t, data = planar_trainer()
    panel = BackwardPanel(grid_resolution=10)
    qtbot.addWidget(panel)
    panel.show()  # only views that can be seen are fed (hidden tabs catch up when asked for)
    panel.set_context(data, t.settings)
    for _ in range(3):
        t.step(1)
        panel.show_snapshot(t.snapshot(10))
    assert len(panel.timeline_panel.timeline) == 3
    assert all(v.snapshot is not None for v in (panel.step_through, panel.error_maps, panel.gradient_check, panel.loss_slice))
    panel.step_through.mode_action.trigger()
    with qtbot.waitSignal(panel.applyRequested) as req:
        panel.step_through.apply_action.trigger()
    assert req.args[0] is panel.step_through.walk
    t2, _ = planar_trainer(hidden=(2, 2))
    panel.show_snapshot(t2.snapshot(10))  # topology edit: every view follows
    assert panel.step_through.walk.spec == t2.spec and len(panel.timeline_panel.timeline) == 1


def test_gradient_check_on_a_laptop_puts_the_plot_below_so_every_column_shows(qtbot):
    from gui.panels.backward.gradcheck_panel import GradientCheckPanel

    t, data = planar_trainer(hidden=(4, 2))
    panel = GradientCheckPanel()
    qtbot.addWidget(panel)
    panel.set_context(data)
    panel.show_snapshot(t.snapshot())
    panel.resize(590, 540)  # its width in the Backward pass workspace at 1366x768
    panel.show()
    qtbot.waitExposed(panel)
    panel.run_check()
    qtbot.waitUntil(lambda: panel.split.orientation() == Qt.Orientation.Vertical, timeout=5000)
    qtbot.waitUntil(lambda: panel.table.horizontalScrollBar().maximum() == 0, timeout=5000)  # no column hidden
    panel.resize(1200, 540)
    qtbot.waitUntil(lambda: panel.split.orientation() == Qt.Orientation.Horizontal, timeout=5000)


def test_gradient_check_panel_skips_a_frozen_layer_and_checks_blame_through_it(qtbot):
    from dataclasses import replace

    from gui.panels.backward.gradcheck_panel import GradientCheckPanel

    t, data = planar_trainer(hidden=(3, 2))
    spec = t.spec
    frozen = replace(spec, layers=(spec.layers[0], replace(spec.layers[1], learns=False), spec.layers[2]))
    snap = replace(t.snapshot(), spec=frozen)
    panel = GradientCheckPanel()
    qtbot.addWidget(panel)
    panel.set_context(data)
    panel.show_snapshot(snap)
    result = panel.run_check()
    names = [parameter_names(frozen)[int(k)] for k in result.checked]  # "w input[1]→h1[1]", "b h1[1]"
    layers = {n.split("→")[-1].split()[-1].split("[")[0] for n in names}
    assert layers == {"h1", spec.layers[-1].name}  # the frozen h2 is not perturbed; h1, below it, is: through it
    assert result.max_relative_error < 1e-4
    text = panel.summary.text()
    assert "Frozen (h2)" in text and "not checked" in text and "on h1" in text


def test_loss_slice_on_a_big_training_set_samples_patterns_and_says_so(qtbot):
    data = planar("circle", 6000, seed=1, test_ratio=0.0)
    spec = NetworkSpec.stack(2, [8, 8], 1, features=["x", "y"], seed=1)
    t = Trainer(spec, data)
    panel = LossSlicePanel()
    qtbot.addWidget(panel)
    panel.set_context(data)
    panel.show_snapshot(t.snapshot())
    panel.choose(0, 1)
    assert "training patterns" in panel.info.text() and "of 6000" in panel.info.text()


def test_phase_overlay_gives_the_editor_values_shaped_like_weights(qtbot, stepping):
    from gui.panels.backward.overlay import phase_overlay

    t, panel = stepping
    panel.mode_action.trigger()
    walk = panel.walk
    snap = t.snapshot()
    nodes, edges = phase_overlay(walk.phases[2], t.spec)  # forward: out
    assert set(nodes) == {"input", "h1", "out"} and all(e is None for e in edges)
    nodes, edges = phase_overlay(walk.phases[4], t.spec)  # backward: h1
    assert np.array_equal(nodes["h1"], walk.backward.deltas["h1"][0])
    assert [e[0].shape for e in edges] == [w[0].shape for w in snap.weights]
    nodes, edges = phase_overlay(walk.phases[-1], t.spec)  # update: Δw
    change = walk.params_after - walk.params_before
    assert np.array_equal(edges[1][0].ravel(), change[6:8])  # out's weights sit after h1's 4 + 2 biases


def test_timeline_ignores_its_own_replay_when_the_window_broadcasts_it(qtbot):
    t, data = planar_trainer(steps=0)
    panel = TimelinePanel(capacity=8, grid_resolution=6)
    qtbot.addWidget(panel)
    panel.set_context(data)
    for _ in range(6):
        t.step(1)
        panel.show_snapshot(t.snapshot(6))
    replay = panel.replay_epoch(2)
    panel.show_snapshot(replay)
    assert len(panel.timeline) == 6 and not panel.live


def test_views_wait_for_a_network_that_fits_new_data(qtbot):
    """The window sends a new dataset before the snapshot of the network trained on it."""
    from gui.panels.backward import BackwardPanel

    t, data = planar_trainer(features=("x", "y", "xy"))
    panel = BackwardPanel(grid_resolution=8)
    qtbot.addWidget(panel)
    panel.set_context(data, t.settings)
    panel.show_snapshot(t.snapshot(8))
    panel.step_through.mode_action.trigger()
    assert panel.step_through.walk is not None
    boolean = xor_table()
    panel.set_context(boolean, t.settings)  # old planar network, new boolean data
    panel.error_maps.refresh_now()
    panel.loss_slice.refresh_now()
    assert panel.gradient_check.run_check() is None
    assert "waiting for the network" in panel.error_maps.message.text()
    assert panel.step_through.walk is None and panel.step_through.active
    assert not panel.step_through.next_action.isEnabled()
    xt = xor_trainer()
    panel.show_snapshot(xt.snapshot())  # the matching network arrives
    assert panel.step_through.walk is not None and panel.step_through.walk.spec == xt.spec
    assert panel.gradient_check.run_check() is not None
    panel.error_maps.refresh_now()
    assert "h1" in panel.error_maps.pattern_cells


def test_apply_request_runs_in_the_training_worker(qtbot):
    """The route the window uses: panel -> applyRequested -> worker.call(walk.apply) on its thread."""
    from gui.worker import TrainingWorker

    worker = TrainingWorker(xor_trainer(), grid_resolution=8)
    worker.start()
    try:
        snaps = []
        qtbot.waitUntil(lambda: snaps.append(worker.take_snapshot()) or snaps[-1] is not None, timeout=30000)  # numba warm-up on a busy machine
        panel = StepThroughPanel()
        qtbot.addWidget(panel)
        panel.set_context(xor_table(), TrainSettings(OptimizerSettings(lr=0.5, momentum=0.9), batch_size=None))
        panel.show_snapshot(snaps[-1])
        panel.mode_action.trigger()
        panel.pattern_box.setValue(2)
        panel.applyRequested.connect(lambda walk: worker.call(walk.apply))
        panel.apply_action.trigger()
        after = []
        qtbot.waitUntil(lambda: after.append(worker.take_snapshot()) or after[-1] is not None, timeout=30000)
        assert np.array_equal(after[-1].params, panel.walk.params_after)
        assert after[-1].epoch == snaps[-1].epoch  # one pattern's step is not an epoch
    finally:
        worker.stop()
