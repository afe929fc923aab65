"""A compact drawing of the network whose nodes and edges show whatever values it is given.

Used by the step-through panel (activations, then deltas on nodes; gradients on edges).
It draws only; clicking a unit emits `unitClicked(layer, unit)`.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.core.spec import NetworkSpec

from ...style.themes import LIGHT, Theme
from .colors import diverging, scale_of, short, strength

Array = np.ndarray
MAX_DRAWN_UNITS = 24  # wider layers show their first units only


def node_depths(spec: NetworkSpec) -> dict[str, int]:
    """Column of every node: inputs 0, a layer one right of its deepest source."""
    depth = {g.name: 0 for g in spec.inputs}
    for i, layer in enumerate(spec.layers):
        depth[layer.name] = 1 + max(depth[s] for s in spec.sources_of(i))
    return depth


class NetworkDiagram(QWidget):
    unitClicked = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(360, 240)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.spec: NetworkSpec | None = None
        self.node_values: Mapping[str, Array] = {}
        self.plain_values: Mapping[str, Array] = {}  # text only, neutral fill (e.g. inputs in delta phases)
        self.edge_values: Mapping[str, tuple[Array, ...]] = {}
        self.saturation: Mapping[str, Array] = {}
        self.node_caption = ""
        self.edge_caption = ""
        self.selected: tuple[str, int] | None = None
        self.focus_node: str | None = None
        self.theme: Theme = LIGHT  # background, words and outlines; the node fills are data colours

    def set_theme(self, theme: Theme) -> None:
        """The app's light or dark plot colours (gui/style/themes.py)."""
        self.theme = theme
        self.update()

    # ----- data --------------------------------------------------------------------------
    def set_spec(self, spec: NetworkSpec | None) -> None:
        if spec != self.spec:
            self.spec = spec
            self.node_values, self.edge_values, self.saturation = {}, {}, {}
            if self.selected and (spec is None or self.selected[0] not in spec.node_sizes()):
                self.selected = None
        self.update()

    def set_values(self, nodes: Mapping[str, Array] | None, edges: Mapping[str, tuple[Array, ...]] | None,
                   node_caption: str = "", edge_caption: str = "", focus: str | None = None,
                   plain: Mapping[str, Array] | None = None) -> None:
        self.node_values = dict(nodes or {})
        self.plain_values = {k: v for k, v in (plain or {}).items() if k not in self.node_values}
        self.edge_values = dict(edges or {})
        self.node_caption, self.edge_caption, self.focus_node = node_caption, edge_caption, focus
        self.update()

    def set_saturation(self, saturation: Mapping[str, Array] | None) -> None:
        self.saturation = dict(saturation or {})
        self.update()

    def select(self, layer: str | None, unit: int = 0) -> None:
        self.selected = None if layer is None else (layer, unit)
        self.update()

    # ----- geometry ------------------------------------------------------------------------
    def _drawn(self, size: int) -> int:
        return min(size, MAX_DRAWN_UNITS)

    def radius(self) -> float:
        if self.spec is None:
            return 10.0
        most = max(self._drawn(s) for s in self.spec.node_sizes().values())
        cols = max(node_depths(self.spec).values()) + 1
        h = (self.height() - 50) / max(most, 1)
        w = (self.width() - 40) / max(cols, 1)
        return float(np.clip(min(h, w) * 0.36, 5.0, 24.0))

    def unit_center(self, node: str, unit: int) -> QPointF:
        assert self.spec is not None
        depth = node_depths(self.spec)
        cols = max(depth.values()) + 1
        same_col = [n for n in self.spec.node_names() if depth[n] == depth[node]]
        sizes = self.spec.node_sizes()
        # several nodes in one column (input groups, parallel layers) share its height
        counts = [self._drawn(sizes[n]) for n in same_col]
        total = sum(counts) + (len(counts) - 1)
        before = sum(counts[: same_col.index(node)]) + same_col.index(node)
        top, bottom = 34.0, self.height() - 16.0
        step = (bottom - top) / max(total, 1)
        x = 24 + (self.width() - 48) * ((depth[node] + 0.5) / cols)
        y = top + step * (before + unit + 0.5)
        return QPointF(x, y)

    def unit_at(self, pos: QPointF) -> tuple[str, int] | None:
        if self.spec is None:
            return None
        r = self.radius()
        for node, size in self.spec.node_sizes().items():
            for u in range(self._drawn(size)):
                c = self.unit_center(node, u)
                if (c.x() - pos.x()) ** 2 + (c.y() - pos.y()) ** 2 <= (r + 2) ** 2:
                    return node, u
        return None

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        hit = self.unit_at(event.position())
        if hit is not None:
            self.select(*hit)
            self.unitClicked.emit(*hit)
        super().mousePressEvent(event)

    # ----- painting --------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        t = self.theme
        p.fillRect(self.rect(), QColor(t.plot_background))
        p.setPen(QColor(t.text))
        if self.spec is None:
            p.drawText(self.rect(), Qt.AlignCenter, "No network yet")
            return
        self._paint_edges(p)
        self._paint_nodes(p)
        p.setPen(QColor(t.text))
        f = QFont(self.font())
        f.setPointSizeF(f.pointSizeF() * 0.95)
        p.setFont(f)
        p.drawText(QRectF(6, 2, self.width() - 12, 18), Qt.AlignLeft, self.node_caption)
        p.drawText(QRectF(6, 2, self.width() - 12, 18), Qt.AlignRight, self.edge_caption)
        p.end()

    def _paint_edges(self, p: QPainter) -> None:
        spec = self.spec
        edge_scale = scale_of(w for ws in self.edge_values.values() for w in ws)
        sizes = spec.node_sizes()
        fan = {l.name: sum(self._drawn(sizes[s]) for s in spec.sources_of(i)) * self._drawn(l.units)
               for i, l in enumerate(spec.layers)}
        if self.radius() < 18:  # too cramped for numbers on edges
            numbered: set[str] = set()
        elif self.focus_node in fan:  # numbers only on the edges this phase computed, when few
            numbered = {self.focus_node} if fan[self.focus_node] <= 16 else set()
        else:
            numbered = set(fan) if sum(fan.values()) <= 12 else set()
        labels: list[tuple[QPointF, str]] = []
        for i, layer in enumerate(spec.layers):
            vals = self.edge_values.get(layer.name)
            for k, src in enumerate(spec.sources_of(i)):
                w = None if vals is None else vals[k]
                for a in range(self._drawn(spec.node_sizes()[src])):
                    for b in range(self._drawn(layer.units)):
                        c0, c1 = self.unit_center(src, a), self.unit_center(layer.name, b)
                        if w is None:
                            p.setPen(QPen(QColor(self.theme.border), 1.0))
                        else:
                            t = strength(w[a, b], edge_scale)
                            p.setPen(QPen(diverging(t), 0.8 + 4.0 * abs(t)))
                        p.drawLine(c0, c1)
                        if w is not None and layer.name in numbered:
                            # stagger along the line by target so labels from one source do not collide
                            frac = 0.28 + 0.44 * b / max(1, self._drawn(layer.units) - 1)
                            labels.append((c0 + (c1 - c0) * frac, short(w[a, b])))
        # numbers last, on a pale plate, so no line crosses them
        metrics = p.fontMetrics()
        for mid, text in labels:
            box = QRectF(0, 0, metrics.horizontalAdvance(text) + 6, metrics.height())
            box.moveCenter(mid)
            p.setPen(Qt.NoPen)
            plate = QColor(self.theme.plot_background)
            plate.setAlpha(220)
            p.setBrush(plate)
            p.drawRoundedRect(box, 3, 3)
            p.setPen(QColor(self.theme.text))
            p.drawText(box, Qt.AlignCenter, text)

    def _paint_nodes(self, p: QPainter) -> None:
        spec, r = self.spec, self.radius()
        node_scale = scale_of(self.node_values.values())
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, min(9.0, r * 0.5)))
        for node, size in spec.node_sizes().items():
            vals = self.node_values.get(node)
            plain = self.plain_values.get(node)
            sat = self.saturation.get(node)
            for u in range(self._drawn(size)):
                c = self.unit_center(node, u)
                fill = QColor(255, 255, 255) if vals is None else diverging(strength(vals[u], node_scale))
                if plain is not None:
                    fill = QColor(228, 228, 228)
                pen = QPen(QColor(self.theme.plot_foreground), 2.5 if node == self.focus_node else 1.0)
                p.setPen(pen)
                p.setBrush(fill)
                p.drawEllipse(c, r, r)
                if sat is not None and sat[u] > 0:  # red arc: share of patterns where the unit is saturated
                    p.setPen(QPen(QColor(self.theme.bad), 3.0))
                    p.setBrush(Qt.NoBrush)
                    p.drawArc(QRectF(c.x() - r - 3, c.y() - r - 3, 2 * r + 6, 2 * r + 6), 90 * 16, int(-360 * 16 * sat[u]))
                if self.selected == (node, u):
                    p.setPen(QPen(QColor(220, 0, 120), 3.0))
                    p.setBrush(Qt.NoBrush)
                    p.drawEllipse(c, r + 5, r + 5)
                shown = vals if vals is not None else plain
                if shown is not None and r >= 9:
                    p.setFont(font)
                    text = short(shown[u])
                    while p.fontMetrics().horizontalAdvance(text) > 2 * r - 3 and p.font().pointSizeF() > 5.5:
                        smaller = QFont(p.font())
                        smaller.setPointSizeF(p.font().pointSizeF() - 0.5)
                        p.setFont(smaller)
                    dark = vals is not None and abs(strength(vals[u], node_scale)) >= 0.6
                    p.setPen(QColor(255, 255, 255) if dark else QColor(0, 0, 0))
                    if p.fontMetrics().horizontalAdvance(text) <= 2 * r - 1:  # else the side panel has it
                        p.drawText(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), Qt.AlignCenter, text)
            top = self.unit_center(node, 0)
            p.setPen(QColor(self.theme.text))
            p.drawText(QRectF(top.x() - 40, top.y() - r - 17, 80, 14), Qt.AlignCenter,
                       node + ("" if size <= MAX_DRAWN_UNITS else f" ({size})"))
