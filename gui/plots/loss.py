"""Training and test loss against epoch, from the snapshot's history."""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.core.activations import get_activation
from engine.training.criteria import Criterion, criterion_reached_epoch
from engine.data.datasets import Dataset, targets_for
from engine.training.snapshot import Snapshot

from .colors import number

REDRAW_SECONDS = 0.25
MAX_POINTS = 1500  # a curve never needs more points than the plot has pixels
TRAIN_COLOUR = (40, 40, 40)
TEST_COLOUR = (245, 147, 34)


class LossPlot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "loss")
        legend = self.plot.addLegend(offset=(-6, 2), labelTextColor=(60, 60, 60), colCount=2)
        # thin, aliased lines: antialiased wide paths cost milliseconds per frame in raster painting
        self.test_curve = self.plot.plot(pen=pg.mkPen(TEST_COLOUR, width=1), name="test", antialias=False)
        self.train_curve = self.plot.plot(pen=pg.mkPen(TRAIN_COLOUR, width=1), name="train", antialias=False)
        self.train_curve.setZValue(1)  # the training curve on top: it is the one being fitted
        legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Show loss on a logarithmic axis: late, slow progress becomes visible.")
        self.log_scale.toggled.connect(self._set_log)
        self.readout = QLabel("")
        row = QHBoxLayout()
        row.addWidget(self.log_scale)
        row.addStretch(1)
        row.addWidget(self.readout)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)
        self._last_draw = 0.0
        self._last: Snapshot | None = None
        self._pending: Snapshot | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._draw_pending)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
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

    def set_dataset(self, dataset: Dataset) -> None:
        self._dataset = dataset
        self.criterion_epoch = None

    def set_criterion(self, criterion: Criterion | None) -> None:
        """Show an example's stopping criterion; None hides it."""
        self.criterion = criterion
        self.criterion_epoch = None
        self.criterion_label.setVisible(criterion is not None)
        if criterion is None:
            self.criterion_line.setVisible(False)
            self.criterion_met_line.setVisible(False)
        elif self._last is not None:
            self.draw(self._last)

    def set_theme(self, theme) -> None:
        self.plot.setBackground(theme.plot_background)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.plot_foreground))
            axis.setTextPen(pg.mkPen(theme.plot_foreground))
        self.train_curve.setPen(pg.mkPen(theme.curve, width=1))
        legend = self.plot.plotItem.legend
        if legend is not None:
            legend.setBrush(pg.mkBrush(theme.plot_background))
            legend.setLabelTextColor(theme.plot_foreground)
            for _, label in legend.items:  # existing labels keep their colour otherwise
                label.setText(label.text, color=theme.plot_foreground)

    def _set_log(self, on: bool) -> None:
        self.plot.setLogMode(y=on)
        self.plot.setLabel("left", "loss (log)" if on else "loss")
        if self._last is not None:
            self.draw(self._last)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Redraw at most every REDRAW_SECONDS: a curve needs no 60 Hz, and its axes are costly to paint."""
        self._pending = snapshot
        wait = REDRAW_SECONDS - (time.perf_counter() - self._last_draw)
        if wait <= 0:
            self._draw_pending()
        elif not self._timer.isActive():
            self._timer.start(int(wait * 1000) + 1)

    def _draw_pending(self) -> None:
        snapshot, self._pending = self._pending, None
        if snapshot is None:
            return
        self._last_draw = time.perf_counter()
        self.draw(snapshot)

    def draw(self, snapshot: Snapshot) -> None:
        self._last = snapshot
        h = snapshot.history
        if len(h) > MAX_POINTS:
            h = h[np.unique(np.linspace(0, len(h) - 1, MAX_POINTS).astype(int))]
        if len(h):
            epochs = h[:, 0]
            self.train_curve.setData(epochs, self._positive(h[:, 1]))
            test = h[:, 2]
            if np.isfinite(test).any():
                self.test_curve.setData(epochs, self._positive(test))
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
        if self.criterion_epoch is None:
            self.criterion_epoch = self._first_epoch_met(snapshot, level)
        met = self.criterion_epoch
        self.criterion_met_line.setVisible(met is not None)
        if met is not None:
            self.criterion_met_line.setValue(met)
        # loss and accuracy criteria are read off the recorded history (exact epoch); the
        # per-output rule only off drawn snapshots, so at full speed it is "by" that epoch
        word = "by" if c.kind == "within" else "at"
        status = f"met {word} epoch {met:,}" if met is not None else "not met yet"
        self.criterion_label.setText(f"Criterion: {c.text} — {status}")

    def _first_epoch_met(self, snapshot: Snapshot, level: float | None) -> int | None:
        """From the history where the criterion is a loss or an accuracy; else from the drawn outputs."""
        c = self.criterion
        if c.kind == "tss" and level is not None:
            return criterion_reached_epoch(snapshot.history, loss_threshold=level)
        if c.kind == "accuracy":
            return criterion_reached_epoch(snapshot.history, accuracy_threshold=c.threshold, column=c.on)
        acts, data = snapshot.pattern_activations, self._dataset
        if acts is None or data is None or snapshot.spec is None:
            return None
        out = acts.get(snapshot.spec.layers[-1].name)
        if out is None or out.shape[0] != len(data.y_train) or out.shape[1] != data.y_train.shape[1]:
            return None
        act = get_activation(snapshot.spec.output_activation)
        targets = targets_for(data.y_train, data.task, act.low, act.high)
        return snapshot.epoch if c.met_outputs(out, targets, act.low, act.high) else None

    def _positive(self, v: np.ndarray) -> np.ndarray:
        """Log axes cannot show zero; clamp to a tiny positive number."""
        return np.maximum(v, 1e-12) if self.log_scale.isChecked() else v
