"""Columns: an input group or a layer drawn as a card of unit nodes with a header.

A layer header carries its controls (remove ×, −/+ units, the activation menu, the output
port to drag connections from); its body ends in a handle that resizes by dragging. The
gestures themselves live in `interactions.py`; these items only draw and route events.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from engine.core.features import FEATURES, feature_label
from engine.core.spec import LayerSpec, NetworkSpec

from . import colors, interactions
from .layout import COLUMN_WIDTH, HANDLE_HEIGHT, HEADER_HEIGHT, NodePlace, drawn_units, unit_metrics
from .labels import header_name
from .unit_items import FeatureNode, UnitNode

if TYPE_CHECKING:
    from .scene import EditorScene

W = COLUMN_WIDTH
PILL_POINTS = 9.0
UNITS_POINTS = 8.5
BUTTON = 24.0  # side of the −/+/× click targets: at least 20 px on screen down to a zoom of 0.84
PILL_HEIGHT = 20.0


def _font(size: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


class ButtonItem(QGraphicsItem):
    """A small clickable glyph or text pill inside a header."""

    def __init__(self, text: str, tooltip: str, action: Callable[[], None], parent: QGraphicsItem,
                 width: float = BUTTON, danger: bool = False, pill: bool = False, height: float | None = None) -> None:
        super().__init__(parent)
        self.text = text
        self.action = action
        self.width = width
        self.height = height if height is not None else (PILL_HEIGHT if pill else BUTTON)
        self.danger = danger
        self.pill = pill
        self._hover = False
        self.setToolTip(tooltip)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(5)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.width, self.height)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        r = self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5)
        if self._hover or self.pill:
            fill = QColor(colors.DANGER if self.danger else colors.SELECTED)
            fill.setAlpha(40 if self._hover else 18)
            painter.setBrush(fill)
            painter.setPen(QPen(fill.darker(150) if self._hover else colors.HEADER_BORDER, 1))
            painter.drawRoundedRect(r, 5, 5)
        painter.setPen(colors.DANGER if (self.danger and self._hover) else colors.TEXT)
        painter.setFont(_font(PILL_POINTS if self.pill else 11, bold=not self.pill))
        painter.drawText(r, Qt.AlignmentFlag.AlignCenter, self.text)

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self.update()

    def mousePressEvent(self, event) -> None:
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self.boundingRect().contains(event.pos()):
            self.action()


class LockButton(ButtonItem):
    """The layer's "learns" switch (issue 10): an open padlock while it learns, closed when frozen."""

    def __init__(self, column: "LayerColumn") -> None:
        frozen = not column.layer.learns
        tip = ("Frozen: this layer keeps its weights while the others learn (blame still flows through it).\n"
               "Click to let it learn again." if frozen else
               "This layer learns. Click to freeze it: it keeps its starting weights and only the other\n"
               "layers learn, as a rule that uses only local information would do.")
        super().__init__("", tip, lambda: column._scene().request_learns(column.index, frozen), column,
                         width=PILL_HEIGHT, height=PILL_HEIGHT)
        self.locked = frozen

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if self._hover:
            fill = QColor(colors.SELECTED)
            fill.setAlpha(40)
            painter.setBrush(fill)
            painter.setPen(QPen(fill.darker(150), 1))
            painter.drawRoundedRect(self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        painter.translate((self.width - 18.0) / 2, (self.height - 18.0) / 2)  # the glyph is drawn on 18 x 18
        colour = colors.TEXT if self.locked else colors.TEXT_DIM
        painter.setPen(QPen(colour, 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        lift = 0.0 if self.locked else 2.5  # an open shackle stands up and to the side
        shift = 0.0 if self.locked else 2.5
        painter.drawArc(QRectF(5.5 + shift, 3.0 - lift, 7.0, 9.0), 0, 180 * 16)
        painter.drawLine(QPointF(5.5, 7.5), QPointF(5.5, 9.0))
        painter.drawLine(QPointF(12.5 + shift, 7.5 - lift), QPointF(12.5 + shift, 9.0))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(QRectF(3.5, 8.5, 11.0, 7.5), 1.5, 1.5)


class DragHandleMixin:
    """Mouse press starts an interaction object (interactions.py); moves and release go to it."""

    _drag = None

    def start_drag(self, scene_pos: QPointF):  # pragma: no cover - overridden
        raise NotImplementedError

    def mousePressEvent(self, event) -> None:
        self._drag = self.start_drag(event.scenePos())
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self._drag is not None:
            self._drag.move(event.scenePos())

    def mouseReleaseEvent(self, event) -> None:
        if self._drag is not None:
            drag, self._drag = self._drag, None
            drag.finish(event.scenePos())


class PortItem(DragHandleMixin, QGraphicsItem):
    """The dot on a node's right edge: drag it onto a later layer to add a connection."""

    R = 6.0

    def __init__(self, column: "NodeColumn") -> None:
        super().__init__(column)
        self.column = column
        self._drag: interactions.ConnectDrag | None = None
        self.setToolTip(f"Drag onto a later layer to feed {column.name} into it")
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAcceptHoverEvents(True)
        self.setZValue(6)

    def boundingRect(self) -> QRectF:
        return QRectF(-self.R - 3, -self.R - 3, 2 * self.R + 6, 2 * self.R + 6)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setPen(QPen(colors.ACCENT, 1.5))
        painter.setBrush(QBrush(colors.HEADER))
        painter.drawEllipse(QPointF(0, 0), self.R, self.R)
        painter.setBrush(QBrush(colors.ACCENT))
        painter.drawEllipse(QPointF(0, 0), self.R / 2.2, self.R / 2.2)

    def start_drag(self, scene_pos: QPointF) -> "interactions.ConnectDrag":
        return interactions.ConnectDrag(self.column, scene_pos)


class ResizeHandle(DragHandleMixin, QGraphicsItem):
    """The grip under a layer: drag down to add units, up to remove them."""

    def __init__(self, column: "LayerColumn", y: float) -> None:
        super().__init__(column)
        self.column = column
        self.setPos(0, y)
        self.preview: int | None = None
        self._drag: interactions.ResizeDrag | None = None
        self.setToolTip("Drag down to add units, up to remove them")
        self.setCursor(Qt.CursorShape.SizeVerCursor)
        self.setZValue(4)

    def boundingRect(self) -> QRectF:
        return QRectF(-W / 2, 0, W, HANDLE_HEIGHT + (22 if self.preview is not None else 0))

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setPen(QPen(colors.HEADER_BORDER, 2))
        for dy in (4.0, 8.0):
            painter.drawLine(QPointF(-14, dy), QPointF(14, dy))
        if self.preview is not None:
            painter.setPen(colors.SELECTED)
            painter.setFont(_font(9, bold=True))
            painter.drawText(QRectF(-W / 2, HANDLE_HEIGHT, W, 20), Qt.AlignmentFlag.AlignCenter, f"→ {self.preview} units")

    def set_preview(self, units: int | None) -> None:
        self.prepareGeometryChange()
        self.preview = units
        self.update()

    def start_drag(self, scene_pos: QPointF) -> "interactions.ResizeDrag":
        return interactions.ResizeDrag(self.column, scene_pos)


class NodeColumn(QGraphicsItem):
    """Base card: header above y = 0, unit slots below it (local x centred on 0)."""

    is_layer = False

    def __init__(self, place: NodePlace, title: str, subtitle: str) -> None:
        super().__init__()
        self.place = place
        self.name = place.name
        self.title = title
        self.subtitle = subtitle
        self.units: list[UnitNode] = []
        self.rows = place.rows
        self.more = 0  # units not drawn
        self.unit_size, self.pitch = unit_metrics(place.rows)
        self.setPos(place.x, place.top)
        self.setZValue(1)
        self.port = PortItem(self)
        self.port.setPos(W / 2, -HEADER_HEIGHT + 14)

    def _scene(self) -> "EditorScene":
        return self.scene()  # type: ignore[return-value]

    def body_height(self) -> float:
        return (self.rows + (1 if self.more else 0)) * self.pitch

    def boundingRect(self) -> QRectF:
        return QRectF(-W / 2 - 2, -HEADER_HEIGHT - 2, W + 4, HEADER_HEIGHT + self.body_height() + HANDLE_HEIGHT + 6)

    def unit_y(self, slot: int) -> float:
        return slot * self.pitch + self.pitch / 2

    def anchor(self, row: int, right: bool) -> QPointF | None:
        """Scene point where an edge of unit `row` attaches (None when not drawn)."""
        if row >= len(self.units):
            return None
        unit = self.units[row]
        return unit.mapToScene(QPointF((unit.size / 2 + 1) * (1 if right else -1), 0))

    def _add_units(self, n: int, activation: str | None) -> None:
        shown = drawn_units(n)
        self.more = n - shown
        for i in range(shown):
            u = UnitNode(self.name, i, activation, self, self.unit_size)
            u.setPos(0, self.unit_y(i))
            self.units.append(u)
        self.rows = shown

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        card = QRectF(-W / 2, -HEADER_HEIGHT, W, HEADER_HEIGHT + self.body_height() + 6)
        selected = self.isSelected()
        painter.setPen(QPen(colors.SELECTED if selected else colors.HEADER_BORDER, 2.0 if selected else 1.0))
        painter.setBrush(colors.HEADER)  # opaque: translucent fills are slow to rasterise
        painter.drawRoundedRect(card, 9, 9)
        painter.setPen(QPen(colors.GRID_MAJOR, 1))
        painter.drawLine(QPointF(-W / 2 + 6, -4), QPointF(W / 2 - 6, -4))
        painter.setPen(colors.TEXT)
        painter.setFont(_font(10.5, bold=True))
        fm = QFontMetricsF(painter.font())
        title = fm.elidedText(self.title, Qt.TextElideMode.ElideRight, self._title_width())
        painter.drawText(QRectF(-W / 2 + 8, -HEADER_HEIGHT + 4, self._title_width(), 20), Qt.AlignmentFlag.AlignVCenter, title)
        self._paint_subtitle(painter)
        if self.more:
            painter.setPen(colors.TEXT_DIM)
            painter.setFont(_font(9))
            painter.drawText(QRectF(-W / 2, self.rows * self.pitch, W, self.pitch), Qt.AlignmentFlag.AlignCenter,
                             f"+{self.more} more")

    def _title_width(self) -> float:
        return W - 16

    def _paint_subtitle(self, painter: QPainter) -> None:
        painter.setPen(colors.TEXT_DIM)
        painter.setFont(_font(9))
        painter.drawText(QRectF(-W / 2 + 8, -HEADER_HEIGHT + 26, W - 16, 20), Qt.AlignmentFlag.AlignVCenter, self.subtitle)


class InputColumn(NodeColumn):
    """An input group; for a 2-D spec, the seven playground features (click to toggle)."""

    def __init__(self, place: NodePlace, spec: NetworkSpec, size: int) -> None:
        feats = spec.features if (spec.features is not None and len(spec.inputs) == 1) else None
        subtitle = f"{size} feature{'s' if size != 1 else ''} on" if feats is not None else f"{size} input{'s' if size != 1 else ''}"
        super().__init__(place, "features" if feats is not None else place.name, subtitle)
        self.features = feats
        self.size = size
        if feats is None:
            self._add_units(size, None)
            return
        self.feature_nodes: dict[str, FeatureNode] = {}
        for slot, f in enumerate(FEATURES):
            node = FeatureNode(f, feature_label(f), f in feats, feats.index(f) if f in feats else -1, self.name, self)
            node.setPos(0, self.unit_y(slot))
            self.feature_nodes[f] = node
        self.units = [self.feature_nodes[f] for f in feats]  # row r of the weights = feats[r]
        self.rows = len(FEATURES)


class LayerColumn(NodeColumn):
    """A dense layer (or the output): header controls, unit thumbnails, resize grip."""

    is_layer = True

    def __init__(self, place: NodePlace, index: int, layer: LayerSpec, is_output: bool) -> None:
        super().__init__(place, layer.name, "")
        self.index = index
        self.layer = layer
        self.is_output = is_output
        self._add_units(layer.units, layer.activation)
        self._drag: interactions.ReorderDrag | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, not is_output)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        x = W / 2 - 10  # clear of the port on the border
        self.remove_button = self.plus_button = self.minus_button = None
        top = -HEADER_HEIGHT + 3
        if not is_output:
            x -= BUTTON
            self.remove_button = ButtonItem("×", "Remove this layer (or select it and press Delete)",
                                            lambda: self._scene().request_remove(self.index), self, danger=True)
            self.remove_button.setPos(x, top)
            x -= BUTTON
            self.plus_button = ButtonItem("+", "Add a unit", lambda: self._scene().request_resize(self.index, self.layer.units + 1), self)
            self.plus_button.setPos(x, top)
            x -= BUTTON
            self.minus_button = ButtonItem("−", "Remove a unit", lambda: self._scene().request_resize(self.index, self.layer.units - 1), self)
            self.minus_button.setPos(x, top)
        if is_output:
            x -= 50  # the OUTPUT tag
        self._title_w = x - (-W / 2 + 8) - 2
        # the second header row: "n units ·" [activation ▾] ... [padlock]
        row2 = -HEADER_HEIGHT + 30
        self.lock_button = LockButton(self)
        self.lock_button.setPos(W / 2 - 8 - PILL_HEIGHT, row2)
        fm = QFontMetricsF(_font(UNITS_POINTS))
        act_text = header_name(layer.activation) + " ▾"
        act_w = QFontMetricsF(_font(PILL_POINTS)).horizontalAdvance(act_text) + 9
        units_text = f"{layer.units} unit{'s' if layer.units != 1 else ''} ·"
        if 8 + fm.horizontalAdvance(units_text) + 4 + act_w + 4 + PILL_HEIGHT > W - 8:
            units_text = f"{layer.units} ·"  # narrow header: the tooltip still says "units"
        self._units_text = units_text
        self.activation_button = ButtonItem(act_text, "Choose this layer's activation function",
                                            lambda: self._scene().request_activation_menu(self), self,
                                            width=act_w, pill=True)
        self.activation_button.setPos(-W / 2 + 8 + fm.horizontalAdvance(units_text) + 4, row2)
        self.handle = None if is_output else ResizeHandle(self, self.body_height() + 2)
        self._output_press: QPointF | None = None
        self.setToolTip(f"{layer.name}: {layer.units} units, {layer.activation}. " + (
            "Frozen: it keeps its weights. " if not layer.learns else "") + (
            "The output layer: its size follows the data, and it always stays last." if is_output else
            "Drag the header to move this layer; click it to select (Delete removes it, + and - resize)."))

    def _title_width(self) -> float:
        return self._title_w

    @property
    def frozen(self) -> bool:
        return not self.layer.learns

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        super().paint(painter, option, widget)
        if self.frozen:  # a frozen layer's header is hatched grey: it does not learn
            hatch = QColor(colors.TEXT_DIM)
            hatch.setAlpha(90)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(hatch, Qt.BrushStyle.BDiagPattern))
            painter.drawRoundedRect(QRectF(-W / 2 + 1, -HEADER_HEIGHT + 1, W - 2, HEADER_HEIGHT - 5), 8, 8)

    def _paint_subtitle(self, painter: QPainter) -> None:
        painter.setPen(colors.TEXT_DIM)
        painter.setFont(_font(UNITS_POINTS))
        painter.drawText(QRectF(-W / 2 + 8, -HEADER_HEIGHT + 30, W - 16, PILL_HEIGHT), Qt.AlignmentFlag.AlignVCenter, self._units_text)
        if self.is_output:
            tag = QRectF(W / 2 - 58, -HEADER_HEIGHT + 6, 46, 16)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colors.ACCENT.red(), colors.ACCENT.green(), colors.ACCENT.blue(), 30))
            painter.drawRoundedRect(tag, 5, 5)
            painter.setPen(colors.ACCENT)
            painter.setFont(_font(7.5, bold=True))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, "OUTPUT")

    def header_rect(self) -> QRectF:
        return QRectF(-W / 2, -HEADER_HEIGHT, W, HEADER_HEIGHT)

    def mousePressEvent(self, event) -> None:
        if not self.header_rect().contains(event.pos()):
            event.ignore()
            return
        super().mousePressEvent(event)  # selection
        if self.is_output:
            self._output_press = event.scenePos()
        else:
            self._drag = interactions.ReorderDrag(self, event.scenePos())
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self._drag is not None:
            self._drag.move(event.scenePos())
        elif self._output_press is not None and (event.scenePos() - self._output_press).manhattanLength() > 12:
            self._output_press = None
            self._scene().message.emit("The output layer always stays last; move the hidden layers instead")

    def mouseReleaseEvent(self, event) -> None:
        self._output_press = None
        if self._drag is not None:
            drag, self._drag = self._drag, None
            drag.finish(event.scenePos())
