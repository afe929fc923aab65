"""The timeline is a full-width scrubber: a click jumps there (slider or loss curve), and
every dependent view (chain-rule card, error maps, loss slice) follows the replayed epoch."""
import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt

from engine.core.spec import NetworkSpec
from engine.data.datasets import planar
from engine.training.trainer import Trainer
from gui.panels.backward import BackwardPanel


def trained_panel(qtbot, epochs=40):
    spec = NetworkSpec.stack(2, [3], 1, features=["x", "y"], seed=1)
    t = Trainer(spec, planar("xor", 80, seed=2))
    panel = BackwardPanel(grid_resolution=10)
    qtbot.addWidget(panel)
    panel.timeline_panel.resize(700, 220)
    panel.timeline_panel.show()
    panel.resize(800, 500)
    panel.show()
    panel.set_context(t.data, t.settings)
    recorded = {}
    for _ in range(epochs):
        t.step(1)
        t.record()
        snap = t.snapshot(10)
        recorded[snap.epoch] = snap
        panel.show_snapshot(snap)
    qtbot.waitExposed(panel.timeline_panel)
    qtbot.wait(50)  # pyqtgraph auto-ranges on the next paint
    return t, panel, recorded


def test_slider_spans_the_panel_and_a_click_jumps_there(qtbot):
    t, panel, recorded = trained_panel(qtbot)
    tl = panel.timeline_panel
    assert tl.slider.width() >= 0.9 * tl.width()
    with qtbot.waitSignal(tl.replayRequested) as replay:
        qtbot.mouseClick(tl.slider, Qt.MouseButton.LeftButton, pos=QPoint(tl.slider.width() // 4, tl.slider.height() // 2))
    index = tl.slider.value()
    n = tl.slider.maximum()
    assert 0.1 * n <= index <= 0.4 * n  # near a quarter, not a page step from the end
    assert replay.args[0].epoch == tl.timeline.entries()[index].epoch


def test_click_on_the_timeline_curve_replays_that_epoch(qtbot):
    t, panel, recorded = trained_panel(qtbot)
    tl = panel.timeline_panel
    vb = tl.plot.getPlotItem().vb
    scene_pt = vb.mapViewToScene(QPointF(12.0, float(vb.viewRange()[1][0] + 0.01)))
    with qtbot.waitSignal(tl.replayRequested) as replay:
        qtbot.mouseClick(tl.plot.viewport(), Qt.MouseButton.LeftButton, pos=tl.plot.mapFromScene(scene_pt))
    epochs = tl.timeline.epochs()
    assert replay.args[0].epoch == epochs[np.argmin(np.abs(epochs - 12))]


def test_dependent_views_follow_the_replayed_epoch_and_come_back(qtbot):
    t, panel, recorded = trained_panel(qtbot)
    st = panel.step_through
    st.mode_action.trigger()
    live = panel.timeline_panel.latest
    assert np.array_equal(st.walk.params_before, live.params)
    shown = panel.timeline_panel.replay_epoch(10)
    assert shown is not None and shown.epoch == 10
    for view in (st, panel.error_maps, panel.loss_slice, panel.gradient_check):
        assert view.snapshot is shown
    assert np.array_equal(st.walk.params_before, recorded[10].params)  # the card explains epoch 10
    t.step(1)
    t.record()
    panel.show_snapshot(t.snapshot(10))  # live snapshots do not pull the views away from the replay
    assert st.snapshot is shown and panel.loss_slice.snapshot is shown
    panel.timeline_panel.go_live()
    assert st.snapshot is panel.timeline_panel.latest
    assert np.array_equal(st.walk.params_before, panel.timeline_panel.latest.params)
