"""What every unit of every layer computes over the input plane, in one image.

All unit maps are packed into a single mosaic (one row band per layer, wrapped at
`max_columns`) drawn by one ImageItem: one setImage per frame however many units there
are, which keeps the frame rate up with dozens of units. Values are mapped to [-1, 1]
(bounded activations by their range, unbounded ones per unit) so one colour table fits all.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.snapshot import Snapshot
from engine.spec import NetworkSpec

from .colors import LUT, to_unit_range

GAP = 0.14  # gap between cells, as a fraction of a cell
LABEL = 0.32  # height of the label band above each layer, as a fraction of a cell


class UnitMapsView(QWidget):
    def __init__(self, max_columns: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_columns = max_columns
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
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

    # ----- layout ---------------------------------------------------------------------------
    def _plan(self, spec: NetworkSpec, res: int) -> None:
        """Place each unit's cell; rebuild labels. Runs only when the topology changes."""
        cols = max(1, min(self.max_columns, max(l.units for l in spec.layers)))
        gap, label = max(1, int(res * GAP)), max(8, int(res * LABEL))
        cells, y = [], 0
        for text_item in self._labels:
            self.view.removeItem(text_item)
        self._labels = []
        for i, layer in enumerate(spec.layers):
            kind = "output" if i == len(spec.layers) - 1 else f"hidden layer {i + 1}"
            t = pg.TextItem(f"{layer.name}  ·  {kind}  ·  {layer.units} {layer.activation}", color=(70, 70, 70), anchor=(0, 1))
            t.setPos(0, y + label - 2)
            self.view.addItem(t)
            self._labels.append(t)
            y += label
            for u in range(layer.units):
                r, c = divmod(u, cols)
                cells.append((layer.name, u, y + r * (res + gap), c * (res + gap)))
            rows = (layer.units + cols - 1) // cols
            y += rows * (res + gap) + gap
        width = cols * (res + gap) - gap
        self._mosaic = np.zeros((y, width), dtype=np.float32)
        self._cells = cells
        self._res = res
        self.view.setRange(xRange=(0, width), yRange=(0, y), padding=0.01)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        spec = snapshot.spec
        if spec is None or not snapshot.grids:
            self.image.clear()
            self.hover.setText("Unit maps need a 2-D dataset")
            return
        res = next(iter(snapshot.grids.values())).shape[-1]
        key = (tuple((l.name, l.units, l.activation) for l in spec.layers), res)
        if key != self._layout_key:
            self._plan(spec, res)
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
