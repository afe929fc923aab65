"""Unit nodes: each draws what its unit computes over the input plane, as a thumbnail.

Nodes never rebuild on a snapshot: `set_grid` swaps the image and asks for a repaint.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.explain.stepthrough import unit_name
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from . import colors
from .layout import UNIT

if TYPE_CHECKING:
    from .scene import EditorScene

RADIUS = 6.0


class UnitNode(QGraphicsItem):
    """One unit of a layer or input group (child of its column)."""

    def __init__(self, node: str, index: int, activation: str | None, parent: QGraphicsItem,
                 size: float = UNIT) -> None:
        super().__init__(parent)
        self.size = size
        self.node = node
        self.index = index
        self.activation = activation
        self.image: QImage | None = None  # thumbnail (grid subsampled to about 2x its size)
        self._grid: np.ndarray | None = None  # full-resolution map, drawn only in the popup
        self._large: QImage | None = None
        self.value_range: tuple[float, float] | None = None
        self.patterns: int | None = None  # map shows training patterns, not the plane
        self.bias: float | None = None
        self._hover = False
        self.setAcceptHoverEvents(True)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(2)

    # ----- data -------------------------------------------------------------------------
    def thumbnail_step(self, grid_side: int, patterns: int | None) -> int:
        """Every how many grid points the thumbnail samples (about 2 per pixel of the node)."""
        return 1 if patterns else max(1, int(grid_side // (2 * self.size)))

    def set_grid(self, grid: np.ndarray, patterns: int | None = None) -> None:
        """Show a map: the unit over the input plane, or (patterns=n) over n training patterns."""
        set_grids([self], grid[None], patterns)

    def show_map(self, image: QImage, grid: np.ndarray, patterns: int | None,
                 value_range: tuple[float, float] | None) -> None:
        """Take a map already coloured (see `set_grids`) and ask for a repaint."""
        self.patterns = patterns
        self.image = image
        self._grid = grid
        self._large = None
        self.value_range = value_range
        self.update()

    def large_image(self) -> QImage | None:
        """The full-resolution map for the hover card, made on demand."""
        if self._large is None and self._grid is not None:
            self._large = colors.grid_to_image(self._grid, colors.levels_for(self.activation))
            if self.patterns:  # a few big cells: keep them crisp when scaled up
                self._large = self._large.scaled(180, 180)
        return self._large

    def title(self) -> str:
        return unit_name(self.node, self.index)

    def description(self) -> list[str]:
        lines = [f"activation: {self.activation}"] if self.activation else ["input"]
        if self.bias is not None:
            lines.append(f"bias: {self.bias:+.4f}")
        if self.value_range is not None:
            lo, hi = self.value_range
            lines.append(f"output: {lo:+.3f} … {hi:+.3f}")
            if self.patterns:
                lines.append(f"cells: the {self.patterns} training patterns,")
                lines.append("in order, row by row")
            else:
                lines.append("(over the plane shown)")
        return lines

    # ----- drawing ----------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        s = self.size
        return QRectF(-s / 2 - 2, -s / 2 - 2, s + 4, s + 4)

    def _frame(self) -> QRectF:
        s = self.size
        return QRectF(-s / 2, -s / 2, s, s)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        r = self._frame()
        path = QPainterPath()
        path.addRoundedRect(r, RADIUS, RADIUS)
        if self.image is not None:
            painter.save()
            painter.setClipPath(path)
            # the plane is smooth; pattern cells must stay crisp squares
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not self.patterns)
            painter.drawImage(r, self.image)
            painter.restore()
        else:
            painter.fillPath(path, QBrush(colors.NEUTRAL))
            painter.setPen(colors.TEXT_DIM)
            painter.setFont(QFont(painter.font().family(), 8 if self.size >= 30 else 6))
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, str(self.index + 1))
        chosen = self.is_selected_unit()
        if chosen:
            pen = QPen(colors.ACCENT, 3.0)
        else:
            pen = QPen(colors.SELECTED if self._hover else colors.HEADER_BORDER, 2.0 if self._hover else 1.0)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)

    def is_selected_unit(self) -> bool:
        scene = self.scene()
        return scene is not None and getattr(scene, "selected_unit", None) == (self.node, self.index)

    # ----- interaction ------------------------------------------------------------------
    def _scene(self) -> "EditorScene":
        return self.scene()  # type: ignore[return-value]

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self.update()
        self._scene().show_unit_popup(self)

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self.update()
        self._scene().hide_unit_popup(self)

    def mousePressEvent(self, event) -> None:
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self.contains(event.pos()):
            self.clicked()

    def clicked(self) -> None:
        self._scene().select_unit(self.node, self.index)
        self._scene().unitClicked.emit(self.node, self.index)


class FeatureNode(UnitNode):
    """A 2-D input feature (x, y, x², ...): click to switch it on or off."""

    def __init__(self, feature: str, label: str, enabled: bool, index: int, group: str, parent: QGraphicsItem) -> None:
        super().__init__(group, index, None, parent)
        self.feature = feature
        self.label = label
        self.enabled = enabled
        self.setToolTip(f"{label}: click to switch this input feature {'off' if enabled else 'on'}")

    def title(self) -> str:
        return f"feature {self.label}" + ("" if self.enabled else " (off)")

    def description(self) -> list[str]:
        return [("on" if self.enabled else "off") + " · click to toggle"] + super().description()[1:]

    def boundingRect(self) -> QRectF:
        s = self.size
        return QRectF(-s / 2 - 48, -s / 2 - 2, s + 50, s + 4)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setOpacity(1.0 if self.enabled else 0.3)
        super().paint(painter, option, widget)
        painter.setOpacity(1.0)
        painter.setPen(colors.TEXT if self.enabled else colors.TEXT_DIM)
        f = QFont(painter.font().family(), 10)
        f.setBold(self.enabled)
        painter.setFont(f)
        s = self.size
        painter.drawText(QRectF(-s / 2 - 48, -s / 2, 44, s),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.label)

    def clicked(self) -> None:
        from .spec_edits import toggle_feature

        feature = self.feature
        self._scene().request_edit(lambda spec: toggle_feature(spec, feature))


class UnitPopup(QGraphicsItem):
    """The hovered unit, large, with its numbers; constant size whatever the zoom."""

    SIZE = 180.0
    PAD = 10.0

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(1000)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.unit: UnitNode | None = None
        self.hide()

    def _text_lines(self) -> list[str]:
        return [] if self.unit is None else self.unit.description()

    def card_rect(self) -> QRectF:
        """The card as drawn."""
        n = len(self._text_lines())
        return QRectF(0, 0, self.SIZE + 2 * self.PAD, self.SIZE + 2 * self.PAD + 22 + 16 * n)

    def boundingRect(self) -> QRectF:
        # a margin for the antialiased border: a rect that is a hair too small leaves a ghost
        return self.card_rect().adjusted(-2, -2, 2, 2)

    def refresh(self) -> None:
        """The unit's numbers changed (maybe the number of lines too): tell the scene first."""
        self.prepareGeometryChange()
        self.update()

    def hide_card(self) -> None:
        self.prepareGeometryChange()
        self.hide()
        self.unit = None

    def show_for(self, unit: UnitNode) -> None:
        """Beside the unit (right, or left when there is no room), inside the visible area."""
        self.prepareGeometryChange()
        self.unit = unit
        pos = unit.mapToScene(QPointF(unit.size / 2 + 8, -unit.size / 2))
        views = self.scene().views() if self.scene() is not None else []
        if views:
            view = views[0]
            scale = max(view.transform().m11(), 1e-6)
            visible = view.mapToScene(view.viewport().rect()).boundingRect()
            size = self.boundingRect().size() / scale
            if pos.x() + size.width() > visible.right():
                pos.setX(unit.mapToScene(QPointF(-unit.size / 2 - 8, 0)).x() - size.width())
            pos.setY(max(visible.top(), min(pos.y(), visible.bottom() - size.height())))
        self.setPos(pos)
        self.show()
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if self.unit is None:
            return
        r = self.card_rect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(colors.HEADER_BORDER, 1))
        card = QColor(colors.HEADER)
        card.setAlpha(245)
        painter.setBrush(card)
        painter.drawRoundedRect(r, 8, 8)
        title = QFont(painter.font().family(), 10)
        title.setBold(True)
        painter.setFont(title)
        painter.setPen(colors.TEXT)
        painter.drawText(QRectF(self.PAD, 4, self.SIZE, 20), Qt.AlignmentFlag.AlignVCenter, self.unit.title())
        img_rect = QRectF(self.PAD, 26, self.SIZE, self.SIZE)
        large = self.unit.large_image()
        if large is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(img_rect, large)
        else:
            painter.fillRect(img_rect, colors.NEUTRAL)
            painter.setPen(colors.TEXT_DIM)
            painter.drawText(img_rect, Qt.AlignmentFlag.AlignCenter, "no boundary map\n(not a 2-D dataset\nor not trained yet)")
        painter.setPen(colors.TEXT)
        painter.setFont(QFont(painter.font().family(), 9))
        y = 26 + self.SIZE + 6
        for line in self._text_lines():
            painter.drawText(QRectF(self.PAD, y, self.SIZE, 16), Qt.AlignmentFlag.AlignVCenter, line)
            y += 16


def set_grids(units: "list[UnitNode]", grids: np.ndarray, patterns: int | None = None) -> None:
    """Show grids[i] on units[i]: the maps of units that share an activation and a thumbnail
    size are coloured together, in one pass over the stack."""
    groups: dict[tuple[str | None, int], list[int]] = {}
    for i, u in enumerate(units):
        groups.setdefault((u.activation, u.thumbnail_step(grids.shape[1], patterns)), []).append(i)
    ranges = colors.finite_ranges(grids)
    for (activation, step), members in groups.items():
        images = colors.grids_to_images(grids[members][:, ::step, ::step], colors.levels_for(activation))
        for i, image in zip(members, images):
            units[i].show_map(image, grids[i], patterns, ranges[i])

