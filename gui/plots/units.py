"""What every unit of every layer computes over the input plane, in one image.

All unit maps are packed into a single mosaic (one block per layer, side by side like
the network, wrapped into as many rows as make the cells biggest) drawn by one ImageItem: one setImage per frame however many units there
are, which keeps the frame rate up with dozens of units. Values are mapped to [-1, 1]
(bounded activations by their range, unbounded ones per unit) so one colour table fits all.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.training.snapshot import Snapshot
from engine.core.spec import NetworkSpec

from gui.catch_up import CatchUpWhenShown
from .colors import LUT, ZERO, to_unit_range

GAP = 0.14  # gap between cells, as a fraction of a cell
LABEL = 0.32  # height of the label band above each layer, as a fraction of a cell


NOT_PLANAR = ("Unit maps draw each unit over the input plane, so they need data with two inputs.\n"
              "For this data set, see Patterns (every unit's value for each training pattern)\n"
              "and Weights (Hinton).")


class UnitMapsView(CatchUpWhenShown, QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(ZERO)  # the colour of a zero value: cell gaps disappear
        self.view = self.canvas.addViewBox(lockAspect=True, enableMouse=False, invertY=True)
        self.view.setMenuEnabled(False)
        self.view.disableAutoRange()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(LUT)
        self.view.addItem(self.image)
        self.hover = QLabel("Hover a unit to read its value")
        self.hover.setObjectName("unitHover")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.hover)
        self._labels: list[pg.TextItem] = []
        self._layout_key: tuple | None = None
        self._cells: list[tuple[str, int, int, int]] = []  # (layer, unit, top, left) in pixels
        self._res = 0
        self._mosaic: np.ndarray | None = None
        self._snapshot: Snapshot | None = None
        self.canvas.scene().sigMouseMoved.connect(self._on_mouse)
        # said in the middle of the empty canvas, not only in the small line under it
        self.empty_note = pg.TextItem(NOT_PLANAR, color=(70, 70, 70), anchor=(0.5, 0.5))
        self.empty_note.setVisible(False)
        self.view.addItem(self.empty_note)

    # ----- layout ---------------------------------------------------------------------------
    def _best_rows(self, spec: NetworkSpec, res: int) -> int:
        """Rows per layer block that give the biggest cells in the widget's current shape."""
        w, h = max(self.canvas.width(), 50), max(self.canvas.height(), 50)
        gap, label = max(1, int(res * GAP)), max(8, int(res * LABEL))
        best, best_px = 1, 0.0
        for rows in range(1, max(l.units for l in spec.layers) + 1):
            cols = sum(-(-l.units // rows) for l in spec.layers)
            width = cols * (res + gap) + (len(spec.layers) - 1) * 2 * gap
            height = label + rows * (res + gap)
            px = min(w / width, h / height)
            if px > best_px * 1.02:
                best, best_px = rows, px
        return best

    def _plan(self, spec: NetworkSpec, res: int, rows: int) -> None:
        """Place each unit's cell, layers side by side like the network; rebuild labels."""
        gap, label = max(1, int(res * GAP)), max(8, int(res * LABEL))
        for text_item in self._labels:
            self.view.removeItem(text_item)
        self._labels = []
        cells, x = [], 0
        for i, layer in enumerate(spec.layers):
            kind = "output" if i == len(spec.layers) - 1 else f"{layer.units} {layer.activation}"
            t = pg.TextItem(f"{layer.name} · {kind}", color=(70, 70, 70), anchor=(0, 1))
            t.setPos(x, label - 1)
            self.view.addItem(t)
            self._labels.append(t)
            cols = -(-layer.units // rows)
            for u in range(layer.units):
                c, r = divmod(u, rows)
                cells.append((layer.name, u, label + r * (res + gap), x + c * (res + gap)))
            x += cols * (res + gap) + 2 * gap
        width = x - 2 * gap
        height = label + rows * (res + gap)
        self._mosaic = np.zeros((height, width), dtype=np.float32)
        self._cells = cells
        self._res = res
        self.view.setRange(xRange=(0, width), yRange=(0, height), padding=0.02)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._layout_key = None  # re-plan for the new shape on the next frame
        latest = self._held if self._held is not None else self._snapshot
        if latest is not None:
            self.show_snapshot(latest)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        if not self.draw_now(snapshot):
            return
        self._snapshot = snapshot
        spec = snapshot.spec
        if spec is None or not snapshot.grids:
            self.image.clear()
            self.hover.setText("Unit maps need a 2-D dataset")
            self.view.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
            self.empty_note.setPos(0, 0)
            self.empty_note.setVisible(True)
            self._cells = []
            self._layout_key = None
            for text_item in self._labels:
                self.view.removeItem(text_item)
            self._labels = []
            return
        self.empty_note.setVisible(False)
        if not self._cells:
            self.hover.setText("Hover a unit to read its value")
        res = next(iter(snapshot.grids.values())).shape[-1]
        key = (tuple((l.name, l.units, l.activation) for l in spec.layers), res)
        if key != self._layout_key:
            self._plan(spec, res, self._best_rows(spec, res))
            self._layout_key = key
        mosaic = self._mosaic
        for layer in spec.layers:
            maps = to_unit_range(snapshot.grids[layer.name], layer.activation)[:, ::-1, :]  # row 0 = top = y max
            for name, u, top, left in self._cells:
                if name == layer.name:
                    mosaic[top : top + res, left : left + res] = maps[u]
        self.image.setImage(mosaic, levels=(-1.0, 1.0), autoLevels=False)

    # ----- hover ----------------------------------------------------------------------------
    def unit_at(self, scene_pos) -> tuple[str, int, float, float] | None:
        """(layer, unit, x, y) in input-plane coordinates under a scene position, or None."""
        if not self._cells or self._snapshot is None:
            return None
        p = self.view.mapSceneToView(scene_pos)
        px, py = p.x(), p.y()
        res = self._res
        lo, hi = self._snapshot.grid_domain
        for name, u, top, left in self._cells:
            if left <= px < left + res and top <= py < top + res:
                x = lo + (px - left) / res * (hi - lo)
                y = hi - (py - top) / res * (hi - lo)
                return name, u, x, y
        return None

    def _on_mouse(self, scene_pos) -> None:
        hit = self.unit_at(scene_pos)
        if hit is None or self._snapshot is None or not self._snapshot.grids:
            return
        name, u, x, y = hit
        grid = self._snapshot.grids[name][u]
        res = grid.shape[-1]
        lo, hi = self._snapshot.grid_domain
        col = int(np.clip((x - lo) / (hi - lo) * (res - 1) + 0.5, 0, res - 1))
        row = int(np.clip((y - lo) / (hi - lo) * (res - 1) + 0.5, 0, res - 1))
        self.hover.setText(f"{name} unit {u + 1}:  output {grid[row, col]:+.3f}  at  (x₁ {x:+.2f}, x₂ {y:+.2f})")

    def mosaic_array(self) -> np.ndarray | None:
        return None if self._mosaic is None else self._mosaic.copy()
