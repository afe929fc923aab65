"""Gestures inside the canvas, one small class each: started on press, fed moves, finished
on release, and turned into one spec edit (or a message) by the scene.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from . import colors
from .layout import column_x

if TYPE_CHECKING:
    from .columns import LayerColumn, NodeColumn
    from .scene import EditorScene

CLICK_SLOP = 4.0  # pixels of movement still counted as a click


class ReorderDrag:
    """Drag a layer's header sideways; dropping it in another gap moves the layer there."""

    def __init__(self, column: "LayerColumn", start: QPointF) -> None:
        self.column = column
        self.start = start
        self.origin = column.pos()
        self.moved = False

    def _others_x(self) -> list[float]:
        """Centres of the inputs column and of every other layer, left to right."""
        scene: "EditorScene" = self.column.scene()  # type: ignore[assignment]
        return [column_x(0)] + [column_x(c.index + 1) for c in scene.layer_columns if c is not self.column]

    def target_index(self, x: float) -> int:
        """Position the layer takes among the others when dropped at scene x."""
        return sum(1 for cx in self._others_x()[1:] if cx < x)

    def move(self, pos: QPointF) -> None:
        dx = pos.x() - self.start.x()
        if not self.moved and abs(dx) < CLICK_SLOP:
            return
        self.moved = True
        self.column.setZValue(50)
        self.column.setOpacity(0.85)
        self.column.setPos(self.origin.x() + dx, self.origin.y())
        scene: "EditorScene" = self.column.scene()  # type: ignore[assignment]
        t = min(self.target_index(self.column.x()), len(scene.layer_columns) - 2)  # never after the output
        xs = self._others_x()
        scene.show_insert_mark_at((xs[t] + xs[t + 1]) / 2)

    def finish(self, pos: QPointF) -> None:
        scene: "EditorScene" = self.column.scene()  # type: ignore[assignment]
        scene.hide_insert_mark()
        new_index = self.target_index(self.column.x()) if self.moved else self.column.index
        self.column.setPos(self.origin)
        self.column.setZValue(1)
        self.column.setOpacity(1.0)
        if self.moved and new_index != self.column.index:
            scene.request_move(self.column.index, new_index)


class ResizeDrag:
    """Drag the grip under a layer: one unit per unit slot of vertical movement."""

    def __init__(self, column: "LayerColumn", start: QPointF) -> None:
        self.column = column
        self.start = start

    def units_at(self, pos: QPointF) -> int:
        return max(0, self.column.layer.units + round((pos.y() - self.start.y()) / self.column.pitch))

    def move(self, pos: QPointF) -> None:
        assert self.column.handle is not None
        self.column.handle.set_preview(self.units_at(pos))

    def finish(self, pos: QPointF) -> None:
        assert self.column.handle is not None
        self.column.handle.set_preview(None)
        units = self.units_at(pos)
        if units != self.column.layer.units:
            scene: "EditorScene" = self.column.scene()  # type: ignore[assignment]
            scene.request_resize(self.column.index, units)


class ConnectDrag:
    """Drag from a node's port to a later layer: a dashed wire follows the pointer."""

    def __init__(self, column: "NodeColumn", start: QPointF) -> None:
        self.column = column
        self.origin = column.port.scenePos()
        self.wire = QGraphicsPathItem()
        pen = QPen(colors.ACCENT, 2.0, Qt.PenStyle.DashLine)
        self.wire.setPen(pen)
        self.wire.setZValue(100)
        self.wire.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        column.scene().addItem(self.wire)
        self.move(start)

    def move(self, pos: QPointF) -> None:
        path = QPainterPath(self.origin)
        dx = max(40.0, (pos.x() - self.origin.x()) / 2)
        path.cubicTo(QPointF(self.origin.x() + dx, self.origin.y()), QPointF(pos.x() - dx, pos.y()), pos)
        self.wire.setPath(path)

    def finish(self, pos: QPointF) -> None:
        scene: "EditorScene" = self.column.scene()  # type: ignore[assignment]
        scene.removeItem(self.wire)
        target = scene.column_at(pos)
        if target is None or target is self.column:
            if (pos - self.origin).manhattanLength() > CLICK_SLOP:
                scene.message.emit("Drop the connection on a later layer to connect it")
            return
        if not target.is_layer:
            scene.message.emit("Connections go into layers, not into inputs")
            return
        scene.request_connection(self.column.name, target.name)
