"""The output unit's decision boundary over the input plane, with the data on top."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from engine.data.custom_points import editable, nearest_point
from engine.data.datasets import Dataset
from engine.training.snapshot import Snapshot

from gui.catch_up import CatchUpWhenShown
from .colors import LUT, NEGATIVE, POSITIVE, activation_levels, number


PICK_PIXELS = 6  # a right click removes the nearest point at most this many pixels away


def dot_icon(color: tuple[int, int, int], size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QColor(255, 255, 255))
    p.setBrush(QColor(*color))
    p.drawEllipse(1, 1, size - 2, size - 2)
    p.end()
    return QIcon(pix)


def map_view(plot: pg.GraphicsLayoutWidget) -> tuple[pg.ViewBox, pg.ImageItem]:
    """A bare view (no axes, no mouse) of the plane with an image in the output colours, on a
    white background: the output plot and the race panel draw their maps in one."""
    plot.setBackground("w")
    plot.ci.setContentsMargins(0, 0, 0, 0)
    view = plot.addViewBox(lockAspect=True, enableMouse=False)
    view.setMenuEnabled(False)
    view.setRange(xRange=(-6, 6), yRange=(-6, 6), padding=0)
    view.disableAutoRange()
    image = pg.ImageItem(axisOrder="row-major")
    image.setLookupTable(LUT)
    view.addItem(image)
    return view, image


class OutputPlot(CatchUpWhenShown, QWidget):
    """Draws snapshot.grids[output] as an image; train points white-rimmed, test points dark-rimmed.

    On 2-D two-class data the plot is also where data is drawn by hand: a left click asks
    for a point of the selected class there, a right click for removing the nearest point.
    The plot only asks (signals); the session makes the undoable edit.
    """

    addPointRequested = Signal(float, float, bool)  # x, y, positive
    removePointRequested = Signal(str, int)  # 'train' | 'test', index

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # A bare ViewBox (no axes): axes would be repainted with every frame for nothing.
        self.plot = pg.GraphicsLayoutWidget()
        self.plot.setObjectName("outputPlot")
        self.view, self.image = map_view(self.plot)
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=1.2))
        self.test_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen((40, 40, 40), width=1.2))
        self.view.addItem(self.train_points)
        self.view.addItem(self.test_points)
        self.note = pg.TextItem("", color=(90, 90, 90), anchor=(0.5, 0.5))
        self.note.setPos(0, 0)
        self.view.addItem(self.note)

        self.show_test = QCheckBox("Show test data")
        self.show_test.setToolTip("Draw the held-out test points (dark rims). The network never trains on them:\n"
                                  "they show how well the boundary generalises.")
        self.discretize = QCheckBox("Discretize output")
        self.discretize.setToolTip("Colour each point of the plane by the class the network would pick,\n"
                                   "instead of by how confident it is.")
        self.readout = QLabel("")
        self.readout.setObjectName("outputReadout")
        self.show_test.toggled.connect(self._toggle_test)
        self.discretize.toggled.connect(lambda _: self._redraw())

        self.add_positive = self._class_button("add positive", POSITIVE, "positive (blue)")
        self.add_negative = self._class_button("add negative", NEGATIVE, "negative (orange)")
        self.add_positive.setChecked(True)
        self.point_class = QButtonGroup(self)
        self.point_class.setExclusive(True)
        self.point_class.addButton(self.add_positive)
        self.point_class.addButton(self.add_negative)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

        # two short rows rather than one long one: in a narrow column nothing is cut to "ad…ve"
        row = QHBoxLayout()
        row.addWidget(self.show_test)
        row.addWidget(self.discretize)
        row.addStretch(1)
        points = QHBoxLayout()
        points.addWidget(self.add_positive)
        points.addWidget(self.add_negative)
        points.addStretch(1)
        self.readout.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)
        layout.addLayout(points)
        layout.addWidget(self.readout)
        self._snapshot: Snapshot | None = None
        self._data: Dataset | None = None
        self._shape = None
        self.redraws = 0  # how many times the boundary image was replaced (the demo reports it)
        self._toggle_test(False)

    def set_theme(self, theme) -> None:
        self.plot.setBackground(theme.plot_background)

    @staticmethod
    def _class_button(text: str, color: tuple[int, int, int], what: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setIcon(dot_icon(color))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setToolTip(f"Left-click the plot to add a {what} training point there;\n"
                          "right-click a point to remove it. Ctrl+Z undoes either.")
        return button

    # ----- inputs ---------------------------------------------------------------------------
    def set_data(self, data: Dataset) -> None:
        self._data = data
        can_edit = editable(data)
        for button in (self.add_positive, self.add_negative):
            button.setEnabled(can_edit)
        if not data.planar:
            self.train_points.setData([])
            self.test_points.setData([])
            return
        self.train_points.setData(pos=data.x_train, brush=self._brushes(data, data.y_train))
        self.test_points.setData(pos=data.x_test, brush=self._brushes(data, data.y_test))

    @staticmethod
    def _brushes(data: Dataset, y: np.ndarray) -> list:
        if len(y) == 0:
            return []
        if data.task == "regression":
            t = np.clip((y[:, 0] + 1) / 2, 0, 1)
            idx = np.round(t * 255).astype(int)
            return [pg.mkBrush(*LUT[i]) for i in idx]
        pos, neg = pg.mkBrush(*POSITIVE), pg.mkBrush(*NEGATIVE)
        return [pos if v > 0.5 else neg for v in y[:, 0]]

    def show_snapshot(self, snapshot: Snapshot) -> None:
        if not self.draw_now(snapshot):
            return
        self._snapshot = snapshot
        self._redraw()
        self.readout.setText(
            f"Epoch {snapshot.epoch:,}   ·   test loss {number(snapshot.test_loss)}   ·   train loss {number(snapshot.train_loss)}"
        )

    # ----- drawing data by hand -------------------------------------------------------------
    def _clicked(self, event) -> None:
        data = self._data
        if data is None or not editable(data) or event.double():
            return
        if not self.view.sceneBoundingRect().contains(event.scenePos()):
            return
        p = self.view.mapSceneToView(event.scenePos())
        if event.button() == Qt.MouseButton.LeftButton:
            self.addPointRequested.emit(p.x(), p.y(), self.add_positive.isChecked())
            event.accept()
        elif event.button() == Qt.MouseButton.RightButton:
            splits = ("train", "test") if self.test_points.isVisible() else ("train",)
            hit = nearest_point(data, p.x(), p.y(), PICK_PIXELS * self.data_per_pixel(), splits)
            if hit is not None:
                self.removePointRequested.emit(*hit)
            event.accept()

    def data_per_pixel(self) -> float:
        px = self.view.viewPixelSize()
        return float(max(px[0], px[1]))

    def pixel_of(self, x: float, y: float) -> QPoint:
        """Where the data point (x, y) is in the plot widget's viewport (for tests and tours)."""
        return self.plot.mapFromScene(self.view.mapViewToScene(QPointF(x, y)))

    # ----- drawing ------------------------------------------------------------------------
    def _toggle_test(self, on: bool) -> None:
        self.test_points.setVisible(on)

    def _redraw(self) -> None:
        snap = self._snapshot
        if snap is None or snap.spec is None:
            return
        out = snap.spec.layers[-1]
        if not snap.grids or out.name not in snap.grids:
            self.image.clear()
            self.note.setText("The boundary map needs a 2-D dataset")
            return
        self.note.setText("")
        img = snap.grids[out.name][0]
        lo, hi = activation_levels(out.activation)
        if self.discretize.isChecked():
            img = np.where(img > (lo + hi) / 2, np.float32(hi), np.float32(lo))
        self.image.setImage(np.ascontiguousarray(img, dtype=np.float32), levels=(lo, hi), autoLevels=False)
        if self.image.width() != self._shape:
            self._shape = self.image.width()
            self.image.setRect(QRectF(*self._domain(snap)))
        self.redraws += 1

    @staticmethod
    def _domain(snap: Snapshot) -> tuple[float, float, float, float]:
        lo, hi = snap.grid_domain
        return lo, lo, hi - lo, hi - lo

    def image_array(self) -> np.ndarray | None:
        """What the boundary image currently shows (for tests)."""
        return None if self.image.image is None else np.array(self.image.image)
