"""A history from `train` (test set measured at intervals, nan between) draws a whole test curve."""
import numpy as np

from engine.presets import get_preset
from gui.plots.loss import LossPlot


def test_test_curve_joins_the_epochs_where_the_test_set_was_measured(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    t = get_preset("playground-xor").make_trainer(0)
    t.record()
    t.record_passes = True  # as `train` runs: each epoch's row from its pass, test columns nan
    t.step(30)
    test_loss, test_acc = t.evaluate_test()
    t.history.append(t.epoch, t.last_epoch_loss, test_loss, t.last_epoch_accuracy, test_acc)
    plot.draw(t.snapshot())
    xs, ys = plot.test_curve.getData()
    assert list(xs) == [0, 30]  # only the measured epochs, so the two are joined by a line
    assert np.isfinite(ys).all() and ys[-1] == test_loss
    assert len(plot.train_curve.getData()[0]) == 31  # the training loss of every epoch
