"""Training and test loss against epoch, from the snapshot's history.

The axes start at epoch 0 and leave headroom above the curves for the legend, so the
legend never covers a curve; clicking the plot asks for that epoch (`epochPicked`, the
window replays it). Under the plot: the example's criterion (met, and lost again) and a
calm hint when learning looks wrong (engine.explain.health).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.core.activations import get_activation
from engine.explain.health import CriterionRecord, criterion_record, learning_hint
from engine.explain.stepthrough import pattern_arrays
from engine.training.criteria import Criterion
from engine.data.datasets import Dataset, targets_for
from engine.training.snapshot import Snapshot

from ..clock import current
from .colors import number
from gui.style.plots import style_plot

MAX_POINTS = 1500  # a curve never needs more points than the plot has pixels
TRAIN_COLOUR = (40, 40, 40)
TEST_COLOUR = (245, 147, 34)
HEADROOM = 0.2  # least share of the plot height kept free above the curves: the legend's corner
LEGEND_PIXELS = 2 + 20 + 8  # offset from the top, one 20-px row, a gap above the highest curve
HINT_SAMPLE = 256  # training patterns the saturation hint looks at
LOST_STYLE = "color: #b45309;"
HINT_STYLE = "color: #7c4a03; background: #fff7e6; border: 1px solid #f3d19c; border-radius: 4px; padding: 2px 6px;"


class LossPlot(QWidget):
    epochPicked = Signal(int)  # a click on the plot: show that epoch (the window replays it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(110)
        self.plot.setToolTip("Click to see the network at that epoch")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "loss")
        # top-right corner, inside the headroom the y range keeps free of curves
        legend = self.plot.addLegend(offset=(-6, 2), labelTextColor=(60, 60, 60), colCount=2)
        # thin, aliased lines: antialiased wide paths cost milliseconds per frame in raster painting
        self.test_curve = self.plot.plot(pen=pg.mkPen(TEST_COLOUR, width=1), name="test", antialias=False)
        self.train_curve = self.plot.plot(pen=pg.mkPen(TRAIN_COLOUR, width=1), name="train", antialias=False)
        self.train_curve.setZValue(1)  # the training curve on top: it is the one being fitted
        legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        legend.layout.setContentsMargins(4, 0, 4, 0)
        legend.layout.setVerticalSpacing(0)
        for sample, label in legend.items:  # a label item is 40 px tall by default: half is air
            label.setMaximumHeight(20)
            sample.setMaximumHeight(20)
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Show loss on a logarithmic axis: late, slow progress becomes visible.")
        self.log_scale.toggled.connect(self._set_log)
        self.readout = QLabel("")
        self.readout.setWordWrap(True)  # a narrow column wraps it instead of cutting the accuracy off
        self.readout.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row = QHBoxLayout()
        row.addWidget(self.log_scale)
        row.addWidget(self.readout, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)
        self._last: Snapshot | None = None
        self._pending: Snapshot | None = None
        self._clock = None  # the FrameClock whose slow beat paces the redraws
        for axis in ("left", "bottom"):  # epochs and losses in plain numbers, no "(×0.001)"
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.plot.getPlotItem().vb.disableAutoRange()
        self.plot.setXRange(0, 10, padding=0)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.plot.getPlotItem().vb.sigResized.connect(self._plot_resized)
        # the example's stopping criterion (the paper's "learned" rule): a loss line where the
        # criterion is a loss, and a vertical line at the first epoch it was met
        self.criterion: Criterion | None = None
        self.criterion_epoch: int | None = None
        self._dataset: Dataset | None = None
        dashed = pg.mkPen((46, 160, 67), width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
        self.criterion_line = pg.InfiniteLine(angle=0, pen=dashed, movable=False)
        self.criterion_met_line = pg.InfiniteLine(angle=90, pen=dashed, movable=False)
        for line in (self.criterion_line, self.criterion_met_line):
            line.setVisible(False)
            self.plot.addItem(line, ignoreBounds=True)
        self.criterion_label = QLabel("")
        self.criterion_label.setWordWrap(True)
        self.criterion_label.setVisible(False)
        layout.insertWidget(1, self.criterion_label)
        self.criterion_record: CriterionRecord | None = None
        self._within: tuple[int | None, int | None] = (None, None)  # first met, lost (drawn outputs)
        self.hint_label = QLabel("")
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet(HINT_STYLE)
        self.hint_label.setVisible(False)
        layout.insertWidget(2, self.hint_label)
        self._hint_epoch: int | None = None

    def set_dataset(self, dataset: Dataset) -> None:
        self._dataset = dataset
        self.criterion_epoch = None
        self._within = (None, None)
        self._hint_epoch = None

    def set_criterion(self, criterion: Criterion | None) -> None:
        """Show an example's stopping criterion; None hides it."""
        self.criterion = criterion
        self.criterion_epoch = None
        self._within = (None, None)
        self.criterion_label.setVisible(criterion is not None)
        if criterion is None:
            self.criterion_line.setVisible(False)
            self.criterion_met_line.setVisible(False)
        elif self._last is not None:
            self.draw(self._last)

    def set_theme(self, theme) -> None:
        style_plot(self.plot, theme)
        self.train_curve.setPen(pg.mkPen(theme.curve, width=1))

    def _set_log(self, on: bool) -> None:
        self.plot.setLogMode(y=on)
        self.plot.setLabel("left", "loss (log)" if on else "loss")
        if self._last is not None:
            self.draw(self._last)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Keep the latest; draw it on the frame clock's slow beat (a curve needs no 60 Hz, and
        its axes are costly to paint), and only while visible: a hidden plot catches up on show."""
        self._pending = snapshot
        clock = current()
        if clock is None:  # no running clock (a plot on its own): draw now
            self._draw_pending()
        elif clock is not self._clock:
            self._clock = clock
            clock.slow.connect(self._draw_pending)

    def _draw_pending(self) -> None:
        if self._pending is None or not self.isVisible():
            return
        snapshot, self._pending = self._pending, None
        self.draw(snapshot)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self._draw_pending()  # the latest snapshot at once, not on the next beat

    def draw(self, snapshot: Snapshot) -> None:
        self._last = snapshot
        h = snapshot.history
        if len(h) > MAX_POINTS:
            h = h[np.unique(np.linspace(0, len(h) - 1, MAX_POINTS).astype(int))]
        if len(h):
            epochs = h[:, 0]
            self.train_curve.setData(epochs, self._positive(h[:, 1]))
            test = h[:, 2]
            measured = np.isfinite(test)  # `train` measures the test set at intervals (nan between)
            if measured.any():
                self.test_curve.setData(epochs[measured], self._positive(test[measured]))
            else:
                self.test_curve.setData([], [])
        else:
            self.train_curve.setData([], [])
            self.test_curve.setData([], [])
        acc = ""
        if np.isfinite(snapshot.train_acc):
            acc = f"  ·  accuracy {snapshot.train_acc:.0%}"
            if np.isfinite(snapshot.test_acc):
                acc += f" / {snapshot.test_acc:.0%}"
        self.readout.setText(f"loss {number(snapshot.train_loss, 3)} / {number(snapshot.test_loss, 3)}{acc}")
        self.readout.setToolTip("training / test: loss and share of points classified right")
        if self.criterion is not None:
            self._draw_criterion(snapshot)
        self._set_ranges(h, snapshot.epoch)
        self._update_hint(snapshot)

    def _set_ranges(self, h: np.ndarray, epoch: int) -> None:
        """x from epoch 0 to now; y from 0 (or the smallest loss, log scale) to the largest
        plus HEADROOM, so the top corners stay free for the legend."""
        self.plot.setXRange(0, max(int(epoch), int(h[-1, 0]) if len(h) else 0, 10), padding=0)
        room = self._headroom()
        values = h[:, 1:3][np.isfinite(h[:, 1:3])] if len(h) else np.empty(0)
        if self.criterion_line.isVisible():
            values = np.append(values, self.criterion_line.value() if not self.log_scale.isChecked()
                               else 10 ** self.criterion_line.value())
        if self.log_scale.isChecked():
            values = np.log10(np.maximum(values[values > 0], 1e-12)) if values.size else values
            lo, hi = (float(values.min()), float(values.max())) if values.size else (-3.0, 0.0)
            span = max(hi - lo, 0.5)
            self.plot.setYRange(lo - 0.05 * span, hi + room / (1 - room) * span, padding=0)
        else:
            hi = float(values.max()) if values.size else 1.0
            hi = hi if hi > 0 else 1.0
            self.plot.setYRange(0, hi / (1 - room), padding=0)

    def _headroom(self) -> float:
        """Share of the plot height the legend needs above the curves (at least HEADROOM)."""
        height = self.plot.getPlotItem().vb.sceneBoundingRect().height()
        return HEADROOM if height <= 0 else float(min(max(HEADROOM, LEGEND_PIXELS / height), 0.6))

    def _plot_resized(self) -> None:
        """The legend keeps its pixel size: a new plot height needs new headroom."""
        if self._last is not None:
            self._set_ranges(self._last.history, self._last.epoch)

    def _clicked(self, event) -> None:
        """A click on the plot area picks the nearest recorded epoch."""
        if self._last is None or event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        x = vb.mapSceneToView(event.scenePos()).x()
        epochs = self._last.history[:, 0] if len(self._last.history) else np.array([self._last.epoch])
        self.epochPicked.emit(int(epochs[int(np.argmin(np.abs(epochs - x)))]))

    def _update_hint(self, snapshot: Snapshot) -> None:
        """A calm sentence when most units are saturated or the loss keeps rising."""
        if snapshot.epoch == self._hint_epoch or snapshot.spec is None or self._dataset is None:
            return
        self._hint_epoch = snapshot.epoch
        hint = None
        if snapshot.epoch > 0:
            try:
                x, _ = pattern_arrays(snapshot.spec, self._dataset)
            except ValueError:  # data and network do not fit (yet): no hint
                x = None
            if x is not None and x.shape[1] == snapshot.spec.n_inputs:
                if len(x) > HINT_SAMPLE:
                    x = x[np.linspace(0, len(x) - 1, HINT_SAMPLE).astype(int)]
                hint = learning_hint(snapshot.spec, snapshot.params, x, snapshot.history)
        self.hint_label.setText("Hint: " + hint if hint else "")
        self.hint_label.setVisible(hint is not None)

    def _draw_criterion(self, snapshot: Snapshot) -> None:
        c, spec = self.criterion, snapshot.spec
        if c is None or spec is None:
            return
        if self.criterion_epoch is not None and snapshot.epoch < self.criterion_epoch:
            self.criterion_epoch = None  # a reset or an earlier epoch replayed
        n = len(self._dataset.x_train) if self._dataset is not None else 0
        level = c.loss_line(spec.reduction, n) if n else None
        self.criterion_line.setVisible(level is not None)
        if level is not None:
            self.criterion_line.setValue(np.log10(level) if self.log_scale.isChecked() else level)
        record = self._record(snapshot, level)
        self.criterion_record = record
        self.criterion_epoch = record.first_met
        met = record.first_met
        self.criterion_met_line.setVisible(met is not None)
        if met is not None:
            self.criterion_met_line.setValue(met)
        # loss and accuracy criteria are read off the recorded history (exact epoch); the
        # per-output rule only off drawn snapshots, so at full speed it is "by" that epoch
        word = "by" if c.kind == "within" else "at"
        self.criterion_label.setText(f"Criterion: {c.text} — {record.text(word)}")
        self.criterion_label.setStyleSheet(LOST_STYLE if met is not None and not record.met_now else "")

    def _record(self, snapshot: Snapshot, level: float | None) -> CriterionRecord:
        """From the history where the criterion is a loss or an accuracy; else from the drawn outputs."""
        c = self.criterion
        if c.kind == "tss":
            return criterion_record(snapshot.history, loss_threshold=level) if level is not None else CriterionRecord(None, None, False, None)
        if c.kind == "accuracy":
            return criterion_record(snapshot.history, accuracy_threshold=c.threshold, column=c.on)
        first, lost = self._within
        if first is not None and snapshot.epoch < first:
            first, lost = None, None  # a reset or an earlier epoch replayed
        met_now = self._outputs_met(snapshot)
        if met_now and first is None:
            first = snapshot.epoch
        elif first is not None and not met_now and lost is None:
            lost = snapshot.epoch
        self._within = (first, lost)
        return CriterionRecord(first, lost, met_now, snapshot.epoch if met_now else None)

    def _outputs_met(self, snapshot: Snapshot) -> bool:
        acts, data, c = snapshot.pattern_activations, self._dataset, self.criterion
        if acts is None or data is None or snapshot.spec is None:
            return False
        out = acts.get(snapshot.spec.layers[-1].name)
        if out is None or out.shape[0] != len(data.y_train) or out.shape[1] != data.y_train.shape[1]:
            return False
        act = get_activation(snapshot.spec.output_activation)
        targets = targets_for(data.y_train, data.task, act.low, act.high)
        return bool(c.met_outputs(out, targets, act.low, act.high))

    def _positive(self, v: np.ndarray) -> np.ndarray:
        """Log axes cannot show zero; clamp to a tiny positive number."""
        return np.maximum(v, 1e-12) if self.log_scale.isChecked() else v
