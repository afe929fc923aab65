"""The strip of layer kinds to drag onto the canvas (or double-click to add before the output)."""
from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QFont, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS

from . import colors
from .labels import header_name, tile_name
from .spec_edits import DEFAULT_NEW_UNITS

MIME_TYPE = "application/x-backprop-layer"



def layer_mime(activation: str, units: int = DEFAULT_NEW_UNITS) -> QMimeData:
    """What a palette tile carries in a drag: a dense layer description as JSON."""
    mime = QMimeData()
    mime.setData(MIME_TYPE, json.dumps({"kind": "dense", "activation": activation, "units": units}).encode())
    mime.setText(f"dense layer ({activation})")
    return mime


def parse_layer_mime(mime: QMimeData) -> tuple[str, int] | None:
    """(activation, units) from a drag, or None when it is not one of ours or is malformed."""
    if not mime.hasFormat(MIME_TYPE):
        return None
    try:
        d = json.loads(bytes(mime.data(MIME_TYPE)).decode())
        act, units = str(d["activation"]), int(d.get("units", DEFAULT_NEW_UNITS))
    except (ValueError, KeyError, TypeError):
        return None
    return (act, units) if act in HIDDEN_ACTIVATIONS else None


class PaletteTile(QWidget):
    """One draggable layer kind with a sketch of its activation curve."""

    activated = Signal(str)

    def __init__(self, activation: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.activation = activation
        self._press: QPoint | None = None
        self.compact = False
        self.setMinimumSize(QSize(104, 34))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip(f"Drag onto the canvas between two columns to insert a {ACTIVATIONS[activation].label} layer "
                        f"of {DEFAULT_NEW_UNITS} units (double-click: add it before the output)")
        self.setAttribute(Qt.WidgetAttribute.WA_Hover, True)

    def _curve(self, rect: QRectF) -> QPainterPath:
        z = np.linspace(-3, 3, 40)
        a = ACTIVATIONS[self.activation].forward(z)
        lo, hi = (-1.0, 1.0) if self.activation in ("tanh", "linear") else (min(a.min(), 0.0), max(a.max(), 1.0))
        a = np.clip(a, lo, hi) if self.activation != "linear" else a / 3.0
        path = QPainterPath()
        for i, (zz, aa) in enumerate(zip(z, a)):
            p = QPointF(rect.left() + (zz + 3) / 6 * rect.width(), rect.bottom() - (aa - lo) / (hi - lo) * rect.height())
            path.moveTo(p) if i == 0 else path.lineTo(p)
        return path

    def set_compact(self, compact: bool) -> None:
        """Icon and short name only, for narrow editors (the tooltip keeps the details)."""
        self.compact = compact
        self.setMinimumSize(QSize(40, 40) if compact else QSize(104, 34))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        p.setPen(QPen(colors.SELECTED if self.underMouse() else colors.HEADER_BORDER, 1.2))
        p.setBrush(colors.HEADER)
        p.drawRoundedRect(r, 8, 8)
        if self.compact:
            icon = QRectF(r.center().x() - 11, r.top() + 5, 22, 16)
            p.setPen(QPen(colors.POSITIVE, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(self._curve(icon))
            f = QFont()
            f.setPointSizeF(6.5)
            p.setFont(f)
            p.setPen(colors.TEXT)
            p.drawText(QRectF(r.left(), icon.bottom() + 1, r.width(), r.bottom() - icon.bottom() - 2),
                       Qt.AlignmentFlag.AlignCenter, header_name(self.activation))
            p.end()
            return
        icon = QRectF(r.left() + 7, r.top() + 8, 22, r.height() - 16)
        p.setPen(QPen(colors.GRID_MAJOR, 1))
        p.drawLine(QPointF(icon.left(), icon.center().y()), QPointF(icon.right(), icon.center().y()))
        p.setPen(QPen(colors.POSITIVE, 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(self._curve(icon))
        f = QFont()
        f.setPointSizeF(8.5)
        f.setBold(True)
        p.setFont(f)
        p.setPen(colors.TEXT)
        p.drawText(QRectF(icon.right() + 7, r.top(), r.right() - icon.right() - 9, r.height()),
                   Qt.AlignmentFlag.AlignVCenter, tile_name(self.activation))
        p.end()

    def mime_data(self) -> QMimeData:
        return layer_mime(self.activation)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        if (event.position().toPoint() - self._press).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        drag = QDrag(self)
        drag.setMimeData(self.mime_data())
        pix = QPixmap(self.size())
        pix.fill(Qt.GlobalColor.transparent)
        self.render(pix)
        drag.setPixmap(pix)
        drag.setHotSpot(QPoint(20, self.height() // 2))
        drag.exec(Qt.DropAction.CopyAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.activated.emit(self.activation)


WIDE, NARROW = 132, 54


class LayerPalette(QFrame):
    """Side strip: one tile per hidden-layer activation."""

    activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerPalette")
        self.restyle()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 8, 6, 8)
        lay.setSpacing(5)
        self.setFixedWidth(WIDE)
        self.compact = False
        title = QLabel("Layers")
        self.title = title
        f = title.font()
        f.setBold(True)
        f.setPointSizeF(10.5)
        title.setFont(f)
        lay.addWidget(title)
        hint = QLabel(f"Dense layers of {DEFAULT_NEW_UNITS} units: drag one between two columns")
        hint.setWordWrap(True)
        lay.addWidget(hint)
        self.hint = hint
        self.tiles: dict[str, PaletteTile] = {}
        for act in HIDDEN_ACTIVATIONS:
            tile = PaletteTile(act, self)
            tile.activated.connect(self.activated)
            lay.addWidget(tile)
            self.tiles[act] = tile
        lay.addStretch(1)
        tips = QLabel("Drag a port ● onto a later layer to connect it. Right-click lines to remove "
                      "a connection. Click a line to type a weight.")
        tips.setWordWrap(True)
        self.tips = tips
        self.restyle()
        self.setToolTip(hint.text() + ". " + tips.text())
        lay.addWidget(tips)

    def restyle(self) -> None:
        """Colours from the editor's current (light or dark) canvas colours."""
        strip = colors.mix(colors.CANVAS, colors.HEADER_BORDER, 0.15)
        self.setStyleSheet(f"#layerPalette {{ background: {strip.name()}; border-right: 1px solid {colors.HEADER_BORDER.name()}; }}")
        for name, style in (("title", f"color: {colors.TEXT.name()};"), ("hint", f"color: {colors.TEXT_DIM.name()}; font-size: 8.5pt;"),
                            ("tips", f"color: {colors.TEXT_DIM.name()}; font-size: 8.5pt;")):
            label = getattr(self, name, None)
            if label is not None:
                label.setStyleSheet(style)

    def set_compact(self, compact: bool) -> None:
        """Narrow strip of icons when the editor is small, leaving the canvas the room."""
        if compact == self.compact:
            return
        self.compact = compact
        self.setFixedWidth(NARROW if compact else WIDE)
        self.hint.setVisible(not compact)
        self.tips.setVisible(not compact)
        f = self.title.font()
        f.setPointSizeF(8 if compact else 10.5)
        self.title.setFont(f)
        for tile in self.tiles.values():
            tile.set_compact(compact)
