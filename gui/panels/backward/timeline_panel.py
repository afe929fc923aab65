"""Epoch timeline slider: replay boundaries, weights and loss at an earlier epoch.

Records every snapshot it is shown in an engine Timeline (bounded memory). Moving the
slider back emits `replayRequested(Snapshot)` — a full snapshot rebuilt on a copy — for
the window to draw in place of the live one; returning to the end (or "Live") emits
`replayRequested(None)`. The slider spans the panel's full width and jumps to where it is
clicked; a click on the loss curve below it jumps to that epoch too.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QStyle, QStyleOptionSlider, QVBoxLayout, QWidget

from engine.data.datasets import Dataset
from engine.training.snapshot import Snapshot
from engine.explain.timeline import Timeline
from gui.plots.colors import number

from ...style.plots import style_plot
from ...style.themes import LIGHT, Theme
from .deferred import Deferred


class ScrubSlider(QSlider):
    """A slider that jumps to the clicked position (a plain QSlider only pages toward it)."""

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.button() == Qt.MouseButton.LeftButton and self.maximum() > self.minimum():
            opt = QStyleOptionSlider()
            self.initStyleOption(opt)
            groove = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self)
            handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self)
            if not handle.contains(event.position().toPoint()):
                span = max(1, groove.width() - handle.width())
                x = int(event.position().x()) - groove.x() - handle.width() // 2
                self.setValue(QStyle.sliderValueFromPosition(self.minimum(), self.maximum(), x, span))
        super().mousePressEvent(event)


class TimelinePanel(QWidget):
    replayRequested = Signal(object)  # Snapshot of an earlier epoch, or None = back to live

    def __init__(self, capacity: int = 256, grid_resolution: int = 40, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = Timeline(capacity)
        self.grid_resolution = grid_resolution
        self.data: Dataset | None = None
        self.latest: Snapshot | None = None
        self.replay: Snapshot | None = None  # the snapshot being replayed, None when live

        self.slider = ScrubSlider(Qt.Horizontal)
        self.slider.setToolTip("Drag or click to replay an earlier epoch; the right end is now")
        self.slider.setMinimumWidth(200)
        self.label = QLabel("no epochs recorded yet")
        self.live_button = QPushButton("Live")
        self.live_button.setToolTip("Back to the network as it is now")
        self.plot = pg.PlotWidget()  # coloured by set_theme
        self.plot.setMinimumHeight(80)
        self.plot.setLabel("left", "loss")
        self.plot.setLogMode(y=True)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setLabel("bottom", "epoch")
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.setToolTip("Click to replay that epoch")
        self.plot.scene().sigMouseClicked.connect(self._plot_clicked)
        self.curve = self.plot.plot()  # the theme's accent blue (set_theme)
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen((220, 0, 120), width=2))
        self.plot.addItem(self.marker)
        row = QHBoxLayout()
        row.addWidget(QLabel("Epoch timeline"))
        row.addWidget(self.label, 1)
        row.addWidget(self.live_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.addLayout(row)
        lay.addWidget(self.slider)  # its own row: the whole width to scrub with
        lay.addWidget(self.plot, 1)
        self.slider.valueChanged.connect(self._moved)
        self.live_button.clicked.connect(self.go_live)
        self._curve_sync = Deferred(self, self._draw_curve)
        self.theme: Theme = LIGHT
        self.set_theme(LIGHT)  # the backward panel passes the window's theme on

    def set_theme(self, theme: Theme) -> None:
        """The app's light or dark plot colours (gui/style/themes.py): no white box on the dark theme."""
        self.theme = theme
        style_plot(self.plot, theme)
        self.curve.setPen(pg.mkPen(theme.accent, width=2))

    def showEvent(self, event) -> None:  # noqa: N802
        self._curve_sync.flush()
        super().showEvent(event)

    def set_context(self, data: Dataset | None, settings=None) -> None:
        """A different dataset starts a new timeline: old losses were measured on other data."""
        if data is not self.data:
            self.go_live()
            self.timeline.clear()
        self.data = data

    @property
    def live(self) -> bool:
        return self.replay is None

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Record a live snapshot; while replaying the view stays where the user put it."""
        if snapshot.spec is None or snapshot is self.replay:
            return  # our own replay, broadcast back by the window: not a new state
        spec_changed = self.latest is not None and snapshot.spec != self.latest.spec
        self.latest = snapshot
        self.timeline.offer_snapshot(snapshot)
        if spec_changed and self.replay is not None:
            self.go_live()  # the replayed topology no longer exists
        self._place_slider()
        self._curve_sync.request()  # the curve over every entry: on the clock's slow beat, not while hidden

    def _sync_slider(self) -> None:
        """The slider (cheap, at once: a drag must map onto today's entries) and the curve."""
        self._place_slider()
        self._draw_curve()

    def _place_slider(self) -> None:
        entries = self.timeline.entries()
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(entries) - 1))
        if self.replay is None:
            self.slider.setValue(len(entries) - 1)
        else:
            epochs = [e.epoch for e in entries]
            self.slider.setValue(max(0, int(np.searchsorted(epochs, self.replay.epoch, side="right")) - 1))
        self.slider.blockSignals(False)

    def _draw_curve(self) -> None:
        entries = self.timeline.entries()
        epochs = [e.epoch for e in entries]
        losses = np.array([e.loss for e in entries])
        finite = np.isfinite(losses) & (losses > 0)  # log axis
        self.curve.setData(np.array(epochs, dtype=float)[finite], losses[finite])
        shown = self.replay if self.replay is not None else self.latest
        if shown is not None:
            self.marker.setValue(shown.epoch)
            state = "live" if self.replay is None else "replay"
            self.label.setText(f"epoch {shown.epoch:,} · loss {number(shown.train_loss)} · {state}")

    def _moved(self, index: int) -> None:
        entries = self.timeline.entries()
        if not entries:
            return
        if index >= len(entries) - 1:
            self.go_live()
            return
        self.replay_epoch(entries[index].epoch)

    def _plot_clicked(self, event) -> None:
        vb = self.plot.getPlotItem().vb
        if event.button() != Qt.MouseButton.LeftButton or not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        epochs = self.timeline.epochs()
        if not len(epochs):
            return
        x = vb.mapSceneToView(event.scenePos()).x()
        i = int(np.argmin(np.abs(epochs - x)))
        if i == len(epochs) - 1:
            self.go_live()
        else:
            self.replay_epoch(int(epochs[i]))

    def replay_epoch(self, epoch: int) -> Snapshot | None:
        """Rebuild the state at `epoch` on a copy and ask the window to draw it."""
        if self.data is None or self.latest is None:
            return None
        history = None if self.latest.history is None else np.asarray(self.latest.history)
        res = self.grid_resolution if self.data.planar else None
        try:
            self.replay = self.timeline.snapshot_at(epoch, self.data, res, history)
        except ValueError as exc:  # the data no longer fits that network
            self.label.setText(f"cannot replay: {exc}")
            return None
        self._sync_slider()
        self.replayRequested.emit(self.replay)
        return self.replay

    def go_live(self) -> None:
        was_replaying = self.replay is not None
        self.replay = None
        self._sync_slider()
        if was_replaying:
            self.replayRequested.emit(None)
