"""One unit's error-signal map, titled with the unit and the pattern being stepped through.

2-D data: the unit's δ = dE/dz over the plane (engine.explain.blame.error_signal_maps, target =
nearest training point's label), with the stepped pattern marked. Other data: the unit's δ
for every training pattern as bars, the stepped pattern's bar outlined.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

QWIDGETSIZE_MAX = (1 << 24) - 1

from engine.data.datasets import Dataset
from engine.explain.blame import error_signal_maps, pattern_error_signals
from engine.explain.stepthrough import StepThrough, unit_name

from ...numbering import pattern_name, pattern_number
from .colors import NEGATIVE, POSITIVE, lookup_table
from gui.style.plots import style_plot

RESOLUTION = 40
DOMAIN = (-6.0, 6.0)
MAX_BARS = 512
MIN_WORDS_WIDTH = 150  # beside the square map: room for its title and key


class UnitErrorMap(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Click a unit to see its error-signal map.")
        self.title.setWordWrap(True)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(150)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(lookup_table())
        self.marker = pg.ScatterPlotItem(size=14, symbol="x", pen=pg.mkPen((220, 0, 120), width=3), brush=None)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.mark_bar = pg.BarGraphItem(x=[], height=[], width=0.8, brush=None, pen=pg.mkPen((220, 0, 120), width=2))
        for item in (self.image, self.bars, self.mark_bar, self.marker):
            self.plot.addItem(item)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 4, 0, 0)
        self._grid.setHorizontalSpacing(10)
        self.beside = False  # the plane's square map with its words beside it (else: words above, bars below)
        self._arrange(beside=False)
        self.key: tuple | None = None
        self.values: np.ndarray | None = None  # what is drawn: (res, res) map or (patterns,) bars

    def set_theme(self, theme) -> None:
        """The app's plot colours (gui/style/themes.py): no white box on the dark theme."""
        style_plot(self.plot, theme)

    # ----- layout: a square map does not waste a wide card -----------------------------------
    def _arrange(self, beside: bool) -> None:
        """The plane is square: its map sits at the left, as tall as the card allows, and the
        title and key take the width beside it. Bars (other data) fill the width under the title."""
        self.beside = beside
        for w in (self.title, self.plot):
            self._grid.removeWidget(w)
        if beside:
            self._grid.addWidget(self.plot, 0, 0)
            self._grid.addWidget(self.title, 0, 1, Qt.AlignmentFlag.AlignTop)
            self._grid.setColumnStretch(0, 0)
            self._grid.setColumnStretch(1, 1)
            self._grid.setRowStretch(0, 1)
            self._grid.setRowStretch(1, 0)
        else:
            self.plot.setMinimumWidth(0)
            self.plot.setMaximumWidth(QWIDGETSIZE_MAX)
            self._grid.addWidget(self.title, 0, 0, 1, 2)
            self._grid.addWidget(self.plot, 1, 0, 1, 2)
            self._grid.setColumnStretch(0, 1)
            self._grid.setColumnStretch(1, 0)
            self._grid.setRowStretch(0, 0)
            self._grid.setRowStretch(1, 1)
        self._fit_square()

    def _fit_square(self) -> None:
        """Beside mode: the plot as wide as it is tall (its axes make up the difference), at
        most the card's width less room for the words."""
        if not self.beside:
            return
        m = self._grid.contentsMargins()
        height = max(150, self.height() - m.top() - m.bottom())
        axis = self.plot.getAxis("left").width() - self.plot.getAxis("bottom").height()
        side = int(max(150, min(height + axis, self.width() - MIN_WORDS_WIDTH)))
        self.plot.setFixedWidth(side)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit_square()

    def show_unit(self, walk: StepThrough | None, data: Dataset | None, layer: str | None, unit: int) -> None:
        """Draw `layer[unit]`'s error signals for the walk's network; inputs have none."""
        layers = [] if walk is None else [l.name for l in walk.spec.layers]
        if walk is None or data is None or layer not in layers:
            self.key = None
            self.values = None
            self.image.clear()
            self.bars.setOpts(x=[], height=[])
            self.mark_bar.setOpts(x=[], height=[])
            self.marker.setData([], [])
            self.title.setText("Error-signal map: click a hidden or output unit." if walk is not None
                               else "Error-signal map: start the step-through first.")
            self.plot.setVisible(False)  # no empty axes with made-up numbers: the words say what to do
            return
        self.plot.setVisible(True)
        key = (id(walk), id(data), layer, unit)
        if key == self.key:
            return
        self.key = key
        p = walk.pattern_index
        if data.planar:
            maps = error_signal_maps(walk.spec, np.array(walk.params_before), data, RESOLUTION, DOMAIN)
            m = np.ascontiguousarray(maps[layer][unit], dtype=np.float32)
            self.values = m
            level = float(np.percentile(np.abs(m), 98)) or float(np.abs(m).max()) or 1.0
            self.image.setImage(m, levels=(-level, level))
            self.image.setRect(QRectF(DOMAIN[0], DOMAIN[0], DOMAIN[1] - DOMAIN[0], DOMAIN[1] - DOMAIN[0]))
            self.image.setVisible(True)
            self.bars.setOpts(x=[], height=[])
            self.mark_bar.setOpts(x=[], height=[])
            x, y = (float(v) for v in data.x_train[p][:2])
            self.marker.setData([x], [y])
            self.plot.getAxis("bottom").setTicks(None)
            self.plot.setLabel("bottom", "x₁")
            self.plot.setLabel("left", "x₂")
            self.plot.setAspectLocked(True)  # the plane is square
            self._arrange(beside=True)
            self.plot.setRange(xRange=DOMAIN, yRange=DOMAIN, padding=0)
            self.title.setText(f"<b>δ of {unit_name(layer, unit)}</b> at each point of the plane "
                               f"(the target there: the nearest training point's class)."
                               f"<br><br>blue: δ &gt; 0<br>orange: δ &lt; 0<br><br>"
                               f"<span style='color:#dc0078'>✕</span> = {pattern_name(p)} at ({x:.3g}, {y:.3g})")
            return
        else:
            deltas = pattern_error_signals(walk.spec, np.array(walk.params_before), data)[layer][:MAX_BARS, unit]
            self.values = np.asarray(deltas, dtype=float)
            idx = np.arange(len(deltas)) + 1  # the axis counts patterns from 1
            brushes = [pg.mkBrush(*(POSITIVE if v >= 0 else NEGATIVE)) for v in deltas]
            self.image.setVisible(False)
            self.marker.setData([], [])
            self.bars.setOpts(x=idx, height=deltas, brushes=brushes, pen=None)
            if p < len(deltas):
                self.mark_bar.setOpts(x=[pattern_number(p)], height=[float(deltas[p])])
            self.plot.setLabel("bottom", "training pattern")
            self.plot.setLabel("left", "δ")
            # whole pattern numbers only (no "1.5"); more than a screenful of bars: pyqtgraph's own ticks
            self.plot.getAxis("bottom").setTicks([[(int(i), str(int(i))) for i in idx]] if len(idx) <= 24 else None)
            self.plot.setAspectLocked(False)
            self._arrange(beside=False)
            self.title.setText(f"<b>δ of {unit_name(layer, unit)}</b> for each training pattern; "
                               f"{pattern_name(p)} outlined in pink")
        self.plot.enableAutoRange()
