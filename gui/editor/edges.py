"""One item per connection (source node -> layer): all of its weights as lines.

One item instead of one per weight keeps a 60 Hz update to "pick a pen index per weight"
(vectorised) plus one repaint; hit-testing of single weights is done with NumPy on the
stored polylines. Connections that skip columns are drawn as curves over the columns.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QMenu, QStyleOptionGraphicsItem

from . import colors, menus
from .columns import LayerColumn, NodeColumn
from .labels import unit_label
from .layout import COLUMN_WIDTH

if TYPE_CHECKING:
    from .scene import EditorScene

CURVE_SAMPLES = 24
HIT_PIXELS = 6.0  # how near (on screen) the pointer must be to a line to pick it
HIT_MIN, HIT_MAX = 5.0, 14.0  # the same in scene units, whatever the zoom


def _curve(p0: np.ndarray, p1: np.ndarray, top: float) -> np.ndarray:
    """Cubic from p0 to p1 whose middle passes at height `top` (above skipped columns)."""
    dx = p1[0] - p0[0]
    c_y = (top - (p0[1] + p1[1]) / 8.0) / 0.75
    c0 = np.array([p0[0] + dx / 3.0, c_y])
    c1 = np.array([p1[0] - dx / 3.0, c_y])
    t = np.linspace(0.0, 1.0, CURVE_SAMPLES)[:, None]
    s = 1.0 - t
    return s**3 * p0 + 3 * s * s * t * c0 + 3 * s * t * t * c1 + t**3 * p1


class EdgeBundle(QGraphicsItem):
    """The weights from `source` into layer `target` (snapshot.weights[layer][source_index])."""

    def __init__(self, source: NodeColumn, target: LayerColumn, layer_index: int, source_index: int,
                 fan_in: int, skip_top: float | None) -> None:
        super().__init__()
        self.source = source
        self.target = target
        self.layer_index = layer_index
        self.source_index = source_index
        self.shape_full = (fan_in, target.layer.units)
        self.curved = skip_top is not None
        rows = min(fan_in, len(source.units))
        cols = len(target.units)
        self.rows, self.cols = rows, cols
        rr, cc = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        self.edge_rows = rr.ravel()
        self.edge_cols = cc.ravel()
        pts = []
        for r, c in zip(self.edge_rows, self.edge_cols):
            a = source.anchor(int(r), right=True)
            b = target.anchor(int(c), right=False)
            p0, p1 = np.array([a.x(), a.y()]), np.array([b.x(), b.y()])
            pts.append(self._skip_line(p0, p1, skip_top) if skip_top is not None else np.stack([p0, p1]))
        self.points = np.array(pts, dtype=float).reshape(len(pts), -1 if pts else 2, 2)
        self.polys = [QPolygonF([QPointF(x, y) for x, y in line]) for line in self.points]
        self.values = np.zeros(len(pts))  # what the lines show (weights or an overlay)
        self.weights = self.values  # the weights themselves: what a click edits
        self.quantity = "weight"  # hover name of `values`: "weight", "∂E/∂w", "Δw"
        self.pen_index = colors.weight_pen_index(self.values)
        self._order = np.argsort(self.pen_index, kind="stable")
        self.hovered: int | None = None
        self.dimmed = False  # drawn faint (a step-through phase that is not about these weights)
        self._shape = self._make_shape()
        self._bounds = self._shape.boundingRect().adjusted(-colors.MAX_WIDTH, -colors.MAX_WIDTH, colors.MAX_WIDTH, colors.MAX_WIDTH)
        self.setAcceptHoverEvents(True)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton)
        self.setZValue(0.5 if self.curved else 0)
        self.setToolTip(self.describe())

    # ----- geometry ---------------------------------------------------------------------
    def _skip_line(self, p0: np.ndarray, p1: np.ndarray, top: float) -> np.ndarray:
        """Out of the source card level, over the columns in between, into the target level."""
        a = np.array([self.source.x() + COLUMN_WIDTH / 2 + 14, p0[1]])
        b = np.array([self.target.x() - COLUMN_WIDTH / 2 - 14, p1[1]])
        return np.vstack([p0, _curve(a, b, top), p1])

    def _make_shape(self) -> QPainterPath:
        path = QPainterPath()
        for poly in self.polys:
            path.addPolygon(poly)
        stroker = QPainterPathStroker()
        stroker.setWidth(2 * HIT_MAX)
        return stroker.createStroke(path)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._shape

    def tolerance(self) -> float:
        """HIT_PIXELS on screen, in scene units (lines stay pickable when zoomed out)."""
        views = self.scene().views() if self.scene() is not None else []
        scale = views[0].transform().m11() if views else 1.0
        return min(HIT_MAX, max(HIT_MIN, HIT_PIXELS / max(scale, 1e-6)))

    def nearest_edge(self, x: float, y: float) -> int | None:
        """Index of the weight line under (x, y) in scene units, or None."""
        if not len(self.points):
            return None
        a = self.points[:, :-1, :]
        b = self.points[:, 1:, :]
        ab = b - a
        p = np.array([x, y])
        t = np.clip(((p - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)
        d = np.linalg.norm(a + t[..., None] * ab - p, axis=-1).min(axis=1)
        e = int(np.argmin(d))
        return e if d[e] <= self.tolerance() else None

    def midpoint(self, edge: int) -> QPointF:
        """A point on the drawn line of `edge` (tests and popups aim here)."""
        line = self.points[edge]
        if len(line) == 2:
            m = line.mean(axis=0)
        else:
            m = line[len(line) // 2]
        return QPointF(float(m[0]), float(m[1]))

    def edge_index(self, row: int, col: int) -> int:
        return row * self.cols + col

    # ----- data -------------------------------------------------------------------------
    def set_weights(self, w: np.ndarray, shown: np.ndarray | None = None, quantity: str = "weight",
                    saturation: float = colors.WEIGHT_SATURATION) -> None:
        """Live update from a (fan_in, units) matrix; ignored if its shape is stale.

        `shown` (same shape) replaces what the lines draw (gradients, last change) while the
        weights stay what a click edits; `saturation` is the magnitude drawn widest.
        """
        if w.shape != self.shape_full or (shown is not None and shown.shape != self.shape_full):
            return
        self.weights = np.asarray(w[: self.rows, : self.cols], dtype=float).ravel()
        if shown is None:
            self.values, self.quantity = self.weights, "weight"
        else:
            self.values, self.quantity = np.asarray(shown[: self.rows, : self.cols], dtype=float).ravel(), quantity
        self.pen_index = colors.weight_pen_index(self.values, saturation)
        self._order = np.argsort(self.pen_index, kind="stable")
        self.update()

    def set_dimmed(self, dimmed: bool) -> None:
        if dimmed != self.dimmed:
            self.dimmed = dimmed
            self.update()

    def pen_for(self, row: int, col: int) -> QPen:
        """The pen weight (row, col) is drawn with."""
        return colors.WEIGHT_PENS[int(self.pen_index[self.edge_index(row, col)])]

    def describe(self, edge: int | None = None) -> str:
        src, tgt = self.source.name, self.target.layer.name
        if edge is None:
            return f"{src} → {tgt}: {self.shape_full[0]}×{self.shape_full[1]} weights (right-click to remove)"
        r, c = int(self.edge_rows[edge]), int(self.edge_cols[edge])
        spec = getattr(self.scene(), "spec", None)
        link = f"{unit_label(spec, src, r)} → {unit_label(spec, tgt, c)}"
        if self.quantity == "weight":
            return f"weight {link} = {self.values[edge]:+.4f} (click to edit)"
        return f"{self.quantity} of weight {link} = {self.values[edge]:+.4g} (weight {self.weights[edge]:+.4f})"

    # ----- drawing ----------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.dimmed:
            painter.setOpacity(0.25)
        pens = colors.WEIGHT_PENS
        current = -1
        for e in self._order:
            k = self.pen_index[e]
            if k != current:
                painter.setPen(pens[k])
                current = k
            painter.drawPolyline(self.polys[e])
        if self.hovered is not None:
            pen = QPen(pens[int(self.pen_index[self.hovered])])
            c = QColor(pen.color())
            c.setAlpha(255)
            pen.setColor(c)
            pen.setWidthF(max(pen.widthF(), 2.0) + 2.0)
            painter.setPen(pen)
            painter.drawPolyline(self.polys[self.hovered])

    # ----- interaction ------------------------------------------------------------------
    def _scene(self) -> "EditorScene":
        return self.scene()  # type: ignore[return-value]

    def hoverMoveEvent(self, event) -> None:
        p = event.scenePos()
        e = self.nearest_edge(p.x(), p.y())
        if e != self.hovered:
            self.hovered = e
            self.update()
        text = self.describe(e)
        self.setToolTip(text)
        self._scene().hoverInfo.emit(text)

    def hoverEnterEvent(self, event) -> None:
        self.hoverMoveEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = None
        self.update()
        self._scene().hoverInfo.emit("")

    def mousePressEvent(self, event) -> None:
        p = event.scenePos()
        if event.button() == Qt.MouseButton.LeftButton and self.nearest_edge(p.x(), p.y()) is not None:
            event.accept()
        else:
            event.ignore()

    def mouseReleaseEvent(self, event) -> None:
        p = event.scenePos()
        e = self.nearest_edge(p.x(), p.y())
        if e is not None:
            r, c = int(self.edge_rows[e]), int(self.edge_cols[e])
            self._scene().weightClicked.emit(self.layer_index, self.source_index, r, c, float(self.weights[e]))

    def contextMenuEvent(self, event) -> None:
        menu = QMenu()
        act = menu.addAction(f"Remove connection {self.source.name} → {self.target.layer.name}")
        chosen = menus.run_menu(menu, event.screenPos())
        if chosen is act:
            self._scene().request_remove_connection(self.source.name, self.target.layer.name)
        event.accept()
