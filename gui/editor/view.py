"""The view: grid background, zoom to fit, and the palette's drops (insert a layer)."""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QDragEnterEvent, QDragMoveEvent, QDropEvent, QFontMetricsF, QPainter, QPen, QResizeEvent,
                           QWheelEvent)
from PySide6.QtWidgets import QFrame, QGraphicsView

from . import colors
from .layout import insert_index_at
from .palette import parse_layer_mime
from .scene import EditorScene

GRID = 20.0
MAX_FIT_SCALE = 1.15
STEP_FIT_SCALE = 1.6  # step-through numbers on units and edges need a closer look


class EditorView(QGraphicsView):
    def __init__(self, scene: EditorScene, parent=None) -> None:
        super().__init__(scene, parent)
        self.editor_scene = scene
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        # the grid behind the network changes only with zoom, pan and theme: drawn once, not
        # on each of the 20 frames a second that recolour the network while it trains
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)  # empty canvas: drag to pan
        self.auto_fit = True
        self.width_key = "width = |weight|"  # the legend's last entry, follows the edge overlay
        self.max_fit_scale = MAX_FIT_SCALE  # larger while a step-through's numbers are shown
        self.step_caption = ""  # a step-through phase shown on the canvas: what it is, on top

    # ----- looks ------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, colors.CANVAS)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        left = math.floor(rect.left() / GRID) * GRID
        top = math.floor(rect.top() / GRID) * GRID
        minor = QPen(colors.GRID_MINOR, 0)
        major = QPen(colors.GRID_MAJOR, 0)
        x = left
        while x < rect.right():
            painter.setPen(major if round(x / GRID) % 5 == 0 else minor)
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += GRID
        y = top
        while y < rect.bottom():
            painter.setPen(major if round(y / GRID) % 5 == 0 else minor)
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += GRID

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        """A small key in the bottom-left corner: what colour and thickness mean."""
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        font = painter.font()
        font.setPointSizeF(8)
        painter.setFont(font)
        fm = QFontMetricsF(font)
        items = [("negative", colors.NEGATIVE), ("positive", colors.POSITIVE), (self.width_key, None)]
        widths = [fm.horizontalAdvance(t) + (32 if c is not None else 4) for t, c in items]
        h = self.viewport().height()
        box = QRectF(8, h - 30, sum(widths) + 16, 22)
        painter.setPen(QPen(colors.HEADER_BORDER, 1))
        painter.setBrush(colors.HEADER)
        painter.drawRoundedRect(box, 6, 6)
        x, y = box.left() + 8, box.center().y()
        for (label, colour), w in zip(items, widths):
            tx = x
            if colour is not None:
                painter.setPen(QPen(colour, 3))
                painter.drawLine(QPointF(x, y), QPointF(x + 16, y))
                tx = x + 20
            painter.setPen(colors.TEXT_DIM)
            painter.drawText(QRectF(tx, box.top(), w, box.height()), Qt.AlignmentFlag.AlignVCenter, label)
            x += w
        if self.step_caption:
            self._draw_caption(painter)
        painter.restore()

    def _draw_caption(self, painter: QPainter) -> None:
        """The shown step-through phase, across the top of the canvas (fixed on screen)."""
        font = painter.font()
        font.setPointSizeF(10)
        font.setBold(True)
        painter.setFont(font)
        fm = QFontMetricsF(font)
        width = self.viewport().width() - 16
        lines = [fm.elidedText(t, Qt.TextElideMode.ElideRight, width - 20) for t in self.step_caption.split("\n")]
        box = QRectF(8, 6, min(width, max(fm.horizontalAdvance(t) for t in lines) + 20), fm.height() * len(lines) + 10)
        painter.setPen(QPen(colors.ACCENT, 1.5))
        painter.setBrush(colors.HEADER)
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(colors.TEXT)
        for i, text in enumerate(lines):
            if i == 1:
                font.setBold(False)
                painter.setFont(font)
            painter.drawText(QRectF(box.left() + 10, box.top() + 5 + i * fm.height(), box.width() - 20, fm.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)

    def fit(self) -> None:
        """Show the whole network, never magnified beyond a comfortable size."""
        rect = self.scene().sceneRect()
        if rect.isEmpty() or self.viewport().width() < 10:
            return
        self.resetTransform()
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        s = self.transform().m11()
        if s > self.max_fit_scale:
            self.resetTransform()
            self.scale(self.max_fit_scale, self.max_fit_scale)
            self.centerOn(rect.center())
        self.zoom_changed()

    def zoom_changed(self) -> None:
        """Step-through numbers keep their on-screen size on a zoomed-out canvas."""
        zoom = max(self.transform().m11(), 1e-3)
        self.editor_scene.step_layer.set_text_scale(1.0 / zoom)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.auto_fit:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Ctrl + wheel zooms (and stops auto-fit); the plain wheel scrolls."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.0015 ** event.angleDelta().y()
            self.scale(factor, factor)
            self.auto_fit = False
            self.zoom_changed()
            event.accept()
        else:
            super().wheelEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        if self.itemAt(event.position().toPoint()) is None:
            self.auto_fit = True
            self.fit()
        super().mouseDoubleClickEvent(event)

    # ----- drops from the palette -------------------------------------------------------
    def _drop_index(self, event: QDragMoveEvent | QDropEvent) -> int | None:
        scene = self.editor_scene
        if scene.spec is None or parse_layer_mime(event.mimeData()) is None:
            return None
        x = self.mapToScene(event.position().toPoint()).x()
        return insert_index_at(x, len(scene.spec.layers))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if parse_layer_mime(event.mimeData()) is not None:
            event.acceptProposedAction()
            self.dragMoveEvent(event)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        index = self._drop_index(event)
        if index is None:
            event.ignore()
            return
        self.editor_scene.show_insert_mark(index)
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self.editor_scene.hide_insert_mark()

    def dropEvent(self, event: QDropEvent) -> None:
        self.editor_scene.hide_insert_mark()
        index = self._drop_index(event)
        parsed = parse_layer_mime(event.mimeData())
        if index is None or parsed is None:
            event.ignore()
            return
        activation, units = parsed
        event.acceptProposedAction()
        self.editor_scene.request_insert(index, activation, units)
