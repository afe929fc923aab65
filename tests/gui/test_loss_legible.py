"""The loss plot is legible: axes from epoch 0, no SI prefixes, the legend never over a curve,
a click picks an epoch, the criterion says when it was met and lost, a hint when learning fails."""
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from engine.presets import get_preset
from gui.plots.loss import LossPlot


def run(plot, preset_name="playground-xor", epochs=1000, then_lr=None, then_epochs=0, every=25):
    preset = get_preset(preset_name)
    t = preset.make_trainer(0)
    plot.set_dataset(t.data)
    plot.set_criterion(preset.criterion)
    t.record()
    for _ in range(epochs // every):
        t.step(every)
        t.record()
    if then_lr is not None:
        t.set_settings(replace(t.settings, optimizer=replace(t.settings.optimizer, lr=then_lr)))
        for _ in range(then_epochs // every):
            t.step(every)
            t.record()
    snap = t.snapshot()
    plot.draw(snap)
    return t, snap


@pytest.fixture
def plot(qtbot):
    p = LossPlot()
    qtbot.addWidget(p)
    p.resize(480, 260)
    p.show()
    qtbot.waitExposed(p)
    return p


def curve_scene_points(plot):
    vb = plot.plot.getPlotItem().vb
    pts = []
    for curve in (plot.train_curve, plot.test_curve):
        xs, ys = curve.getData()
        if xs is None:
            continue
        pts += [vb.mapViewToScene(QPointF(float(x), float(y))) for x, y in zip(xs, ys) if np.isfinite(y)]
    return pts


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("then_lr", [None, 10.0])  # falling loss, and one that jumps up at the end
def test_legend_never_covers_a_curve(qtbot, plot, log, then_lr):
    plot.log_scale.setChecked(log)
    run(plot, epochs=600, then_lr=then_lr, then_epochs=300)
    qtbot.wait(10)
    legend = plot.plot.getPlotItem().legend.sceneBoundingRect()
    assert legend.width() > 0
    points = curve_scene_points(plot)
    inside = [(p.x(), p.y()) for p in points if legend.contains(p)]
    assert points and not inside, (legend, plot.plot.getPlotItem().vb.sceneBoundingRect(), plot.plot.getPlotItem().vb.viewRange(), inside[:3])
    assert plot.plot.getPlotItem().vb.sceneBoundingRect().contains(legend.center())  # still on the plot


def test_axes_start_at_epoch_zero_without_si_prefixes(plot):
    t, snap = run(plot, epochs=2000)
    (x0, x1), (y0, y1) = plot.plot.getPlotItem().vb.viewRange()
    assert x0 == 0 and x1 >= snap.epoch
    assert y0 == 0
    for name in ("left", "bottom"):
        axis = plot.plot.getAxis(name)
        assert not axis.autoSIPrefix and "×" not in axis.labelString() and "x0." not in axis.labelString()


def test_click_on_the_plot_picks_that_epoch(qtbot, plot):
    t, snap = run(plot, epochs=1000)
    vb = plot.plot.getPlotItem().vb
    scene_pt = vb.mapViewToScene(QPointF(400.0, 0.1))
    view_pt = plot.plot.mapFromScene(scene_pt)
    with qtbot.waitSignal(plot.epochPicked) as picked:
        qtbot.mouseClick(plot.plot.viewport(), Qt.MouseButton.LeftButton, pos=view_pt)
    assert picked.args[0] in set(snap.history[:, 0].astype(int))
    assert abs(picked.args[0] - 400) <= 25


def test_criterion_met_then_lost_says_so(plot):
    t, snap = run(plot, epochs=1000, then_lr=10.0, then_epochs=300)
    rec = plot.criterion_record
    assert rec.first_met is not None and rec.lost_at is not None and not rec.met_now
    text = plot.criterion_label.text()
    assert f"met at epoch {rec.first_met:,}" in text and f"lost at epoch {rec.lost_at:,}" in text and "not met now" in text
    assert snap.test_acc < 0.95  # what it says is true now


def test_saturation_hint_appears_when_learning_breaks_and_not_before(plot):
    run(plot, epochs=400)
    assert not plot.hint_label.isVisibleTo(plot)
    run(plot, epochs=400, then_lr=10.0, then_epochs=300)
    assert plot.hint_label.isVisibleTo(plot)
    text = plot.hint_label.text()
    assert "saturated" in text and "learning rate" in text and "too high" in text and "nan" not in text.lower()


def test_a_blown_up_run_shows_no_nan_or_inf(plot):
    from dataclasses import replace as dc_replace

    t, snap = run(plot, epochs=200)
    h = np.array(snap.history, dtype=float)
    h[-3:, 1] = np.inf
    h[-3:, 2] = np.nan
    h[-3:, 3:] = np.nan
    broken = dc_replace(snap, history=h, train_loss=float("inf"), test_loss=float("nan"),
                        train_acc=float("nan"), test_acc=float("nan"))
    plot.draw(broken)
    for text in (plot.readout.text(), plot.criterion_label.text(), plot.hint_label.text()):
        assert "nan" not in text.lower() and "inf" not in text.lower(), text
    assert "too large" in plot.readout.text()
