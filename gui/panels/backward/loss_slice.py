"""Loss slice: the training loss along one weight (a curve) or two (a surface image),
everything else held at its current value, with the current point and the path so far.

The path comes from the epoch timeline; along it every other weight was moving too, so
its loss values are the recorded losses, not points of this slice.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.data.datasets import Dataset
from engine.explain.landscape import LossSlice, loss_curve, loss_surface, parameter_names
from engine.training.snapshot import Snapshot
from engine.explain.stepthrough import pattern_arrays
from engine.explain.timeline import Timeline

from ...style.plots import style_plot
from ...style.themes import LIGHT, Theme
from .context import mismatch
from .deferred import Deferred

NONE = "— none (curve) —"
PATTERN_BUDGET = 3e7  # parameter settings × patterns × units per refresh
PATH_PEN = pg.mkPen((220, 0, 120), width=2)


class LossSlicePanel(QWidget):
    def __init__(self, timeline: Timeline | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.data: Dataset | None = None
        self.snapshot: Snapshot | None = None
        self.slice: LossSlice | None = None
        self._names: list[str] = []
        self._note = ""
        self.first = QComboBox()
        self.second = QComboBox()
        for box in (self.first, self.second):
            box.setMinimumContentsLength(16)
            box.setToolTip("Pick the weight(s) to vary; all others stay at their current values")
        self.info = QLabel()
        self.plot = pg.PlotWidget()  # coloured by set_theme
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        for axis in ("left", "bottom"):  # weights and losses in plain numbers, no "(×0.001)"
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        self.curve = pg.PlotDataItem()  # the theme's accent blue (set_theme)
        self.path = pg.PlotDataItem(pen=PATH_PEN, symbol="o", symbolSize=4, symbolBrush=(220, 0, 120), symbolPen=None)
        self.current = pg.ScatterPlotItem(size=12, brush=pg.mkBrush(255, 60, 0), pen=pg.mkPen("k", width=1.5))
        for item in (self.image, self.curve, self.path, self.current):
            self.plot.addItem(item)
        top = QHBoxLayout()
        top.addWidget(QLabel("weight"))
        top.addWidget(self.first, 1)
        top.addWidget(QLabel("and"))
        top.addWidget(self.second, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.info)
        self.deferred = Deferred(self, self.refresh_now)
        self.theme: Theme = LIGHT
        self.set_theme(LIGHT)  # the backward panel passes the window's theme on
        self.first.currentIndexChanged.connect(lambda _: self.refresh_now())
        self.second.currentIndexChanged.connect(lambda _: self.refresh_now())

    def set_theme(self, theme: Theme) -> None:
        """The app's light or dark plot colours (gui/style/themes.py): no white box on the dark theme."""
        self.theme = theme
        style_plot(self.plot, theme)
        self.curve.setPen(pg.mkPen(theme.accent, width=2))

    def set_context(self, data: Dataset | None, settings=None) -> None:
        self.data = data
        self.deferred.request()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot.spec is None:
            return
        if self.snapshot is None or snapshot.spec != self.snapshot.spec:
            self._fill_choices(parameter_names(snapshot.spec))
        self.snapshot = snapshot
        self.deferred.request()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.deferred.flush()

    def _fill_choices(self, names: list[str]) -> None:
        keep = (self.first.currentText(), self.second.currentText())
        self._names = names
        for box, extra in ((self.first, []), (self.second, [NONE])):
            box.blockSignals(True)
            box.clear()
            box.addItems(extra + names)
            box.blockSignals(False)
        self.first.setCurrentIndex(max(0, self.first.findText(keep[0])))
        self.second.setCurrentIndex(max(0, self.second.findText(keep[1])))

    def choose(self, first: int, second: int | None = None) -> None:
        """Select parameters by flat index (None = a curve along the first only)."""
        self.first.blockSignals(True)
        self.first.setCurrentIndex(first)
        self.first.blockSignals(False)
        self.second.setCurrentIndex(0 if second is None else second + 1)
        self.refresh_now()

    def selection(self) -> tuple[int, int | None]:
        j = self.second.currentIndex() - 1
        return self.first.currentIndex(), (j if j >= 0 else None)

    def refresh_now(self) -> None:
        snap = self.snapshot
        problem = mismatch(snap, self.data)
        if problem or not self._names:
            self.info.setText(problem or "")
            return
        i, j = self.selection()
        if i < 0 or j == i:
            self.info.setText("pick two different weights")
            return
        x, y = pattern_arrays(snap.spec, self.data)
        n_sets = 121 if j is None else 41 * 41
        units = sum(l.units for l in snap.spec.layers) + snap.spec.n_inputs
        keep = max(50, int(PATTERN_BUDGET // (n_sets * units)))
        note = ""
        if len(x) > keep:  # keep the GUI responsive on big sets: an evenly spread sample
            pick = np.linspace(0, len(x) - 1, keep).astype(int)
            x, y = x[pick], y[pick]
            note = f"  (loss on {keep} of {len(self.data.x_train)} training patterns)"
        self._note = note
        path_idx = [i] if j is None else [i, j]
        if self.timeline is not None and len(self.timeline):
            epochs, values, losses = self.timeline.path(path_idx)
        else:
            values, losses = np.empty((0, len(path_idx))), np.empty(0)
        if j is None:
            self._draw_curve(loss_curve(snap.spec, snap.params, x, y, i, _axis(snap.params[i], values[:, 0])), values, losses)
        else:
            sl = loss_surface(snap.spec, snap.params, x, y, i, j, _axis(snap.params[i], values[:, 0], 41),
                              _axis(snap.params[j], values[:, 1], 41))
            self._draw_surface(sl, values)

    def _draw_curve(self, sl: LossSlice, values: np.ndarray, losses: np.ndarray) -> None:
        self.slice = sl
        self.image.setVisible(False)
        self.curve.setData(sl.axes[0], sl.loss)
        self.path.setData(values[:, 0], losses)
        self.current.setData([sl.current[0]], [sl.current_loss])
        self.plot.setLabel("bottom", self._names[sl.indices[0]])
        self.plot.setLabel("left", "loss")
        self.plot.enableAutoRange()
        self.info.setText(f"current value {sl.current[0]:.4g}, loss {sl.current_loss:.4g};  "
                          f"lowest loss on this line {sl.loss.min():.4g} at {sl.axes[0][np.argmin(sl.loss)]:.4g}" + self._note)

    def _draw_surface(self, sl: LossSlice, values: np.ndarray) -> None:
        self.slice = sl
        vi, vj = sl.axes
        img = np.log10(np.maximum(sl.loss, 1e-12)).astype(np.float32)
        self.image.setImage(np.ascontiguousarray(img), levels=(float(img.min()), float(img.max()) + 1e-9))
        di, dj = vi[1] - vi[0], vj[1] - vj[0]
        self.image.setRect(QRectF(vi[0] - di / 2, vj[0] - dj / 2, di * len(vi), dj * len(vj)))
        self.image.setVisible(True)
        self.curve.setData([], [])
        self.path.setData(values[:, 0], values[:, 1])
        self.current.setData([sl.current[0]], [sl.current[1]])
        self.plot.setLabel("bottom", self._names[sl.indices[0]])
        self.plot.setLabel("left", self._names[sl.indices[1]])
        self.plot.enableAutoRange()
        self.info.setText(f"colour: log10 loss ({sl.loss.min():.3g} … {sl.loss.max():.3g});  "
                          f"current loss {sl.current_loss:.4g};  pink: path so far" + self._note)


def _axis(center: float, path: np.ndarray, points: int = 121) -> np.ndarray:
    """Cover ±3 around the current value and the whole path so far."""
    lo = min(center - 3.0, float(path.min()) if len(path) else center)
    hi = max(center + 3.0, float(path.max()) if len(path) else center)
    pad = 0.05 * (hi - lo)
    return np.linspace(lo - pad, hi + pad, points)
