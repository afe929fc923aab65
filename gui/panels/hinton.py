"""Hinton diagrams of every layer's weights: square side = |w|, white = positive, black = negative.

Layers run left to right in forward order. Each receiving unit is one block: its incoming
weights from each source, laid out by that source's arrangement (a row by default), then
its bias in a framed square. An arrangement is the layout hook: for family trees the 24
person units become two rows, English above Italian, person for person, as in the paper's
figure; for symmetry the default row already shows the 1:2:4 mirror pattern.
Drawn with QPainter: all squares of one colour in one drawRects call.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QHelpEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from engine.data import family_trees
from engine.training.snapshot import Snapshot
from engine.core.spec import NetworkSpec
from gui.catch_up import CatchUpWhenShown

GAP = 0.6  # between sources and before the bias, in cells
UNIT_GAP = 0.5  # between receiving-unit blocks
COLUMN_GAP = 2.0  # between columns of unit blocks of one layer (room for unit numbers)
LAYER_GAP = 2.2  # between layers (room for unit numbers)
HEADER = 2.2  # layer title rows at the top
BACKGROUND = QColor(128, 128, 128)
PANEL = QColor(236, 236, 236)
POSITIVE = QColor(255, 255, 255)
NEGATIVE = QColor(0, 0, 0)


@dataclass(frozen=True)
class Arrangement:
    """Where each sending unit of one source sits in a receiving unit's block."""

    grid: tuple[tuple[int, ...], ...]  # rows of sender indices; -1 = empty cell
    row_labels: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.grid), max(len(r) for r in self.grid)

    @staticmethod
    def row(n: int) -> "Arrangement":
        return Arrangement((tuple(range(n)),))


@dataclass(frozen=True)
class Square:
    """One drawn weight (source = -1 for the bias) and its cell in widget pixels."""

    layer: int
    source: int
    unit: int
    sender: int
    value: float
    cell: QRectF  # the whole cell; the square is centred in it
    side: float  # drawn side length in pixels

    @property
    def rect(self) -> QRectF:
        c = self.cell.center()
        return QRectF(c.x() - self.side / 2, c.y() - self.side / 2, self.side, self.side)


def family_tree_arrangements(spec: NetworkSpec) -> dict[tuple[str, str], Arrangement]:
    """Person units in two rows (English over Italian) for every layer reading `person` (24)."""
    sizes = {g.name: g.size for g in spec.inputs}
    if sizes.get("person") != len(family_trees.PEOPLE):
        return {}
    english, italian = family_trees.tree_layout()
    arr = Arrangement((english, italian), ("English", "Italian"))
    return {
        (layer.name, "person"): arr for i, layer in enumerate(spec.layers) if "person" in spec.sources_of(i)
    }


class HintonDiagram(CatchUpWhenShown, QWidget):
    """Plain API: show_snapshot(snapshot) or set_weights(spec, weights, biases); set_arrangement."""

    def __init__(self, parent: QWidget | None = None, max_cell: float = 36.0) -> None:
        super().__init__(parent)
        self.max_cell = max_cell
        self.common_scale = False  # True: one scale for all layers; False: each layer its own
        self._spec: NetworkSpec | None = None
        self._weights: tuple[tuple[np.ndarray, ...], ...] = ()
        self._biases: tuple[np.ndarray, ...] = ()
        self._custom: dict[tuple[str, str], Arrangement] = {}
        self._auto: dict[tuple[str, str], Arrangement] = {}
        self._cells: list[tuple[int, int, int, int, float, float]] = []  # layer, source, unit, sender, cx, cy (cells)
        self._titles: list[tuple[float, float, str, str]] = []  # x, y, title, note (cells)
        self._panels: list[QRectF] = []
        self._unit_labels: list[tuple[float, float, str]] = []
        self._title_widths: list[float] = []  # cells each layer's title may use
        self._extent = (1.0, 1.0)
        self._epoch: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setMinimumSize(160, 100)

    # ----- feeding -----------------------------------------------------------------------------
    def show_snapshot(self, snapshot: Snapshot) -> None:
        if not self.draw_now(snapshot):
            return  # hidden: drawn when shown (gui.catch_up)
        if snapshot.spec is None:
            return
        self._epoch = snapshot.epoch
        self.set_weights(snapshot.spec, snapshot.weights, snapshot.biases)

    def set_weights(self, spec: NetworkSpec, weights, biases) -> None:
        if spec != self._spec:
            self._spec = spec
            self._auto = family_tree_arrangements(spec)
            self._weights, self._biases = tuple(tuple(np.asarray(w) for w in ws) for ws in weights), tuple(
                np.asarray(b) for b in biases
            )
            self._layout()
        else:
            self._weights = tuple(tuple(np.asarray(w) for w in ws) for ws in weights)
            self._biases = tuple(np.asarray(b) for b in biases)
        self.update()

    def set_arrangement(self, layer: str, source: str, arrangement: Arrangement | None) -> None:
        """Lay out the senders of `source` inside each unit block of `layer` (None = default)."""
        if arrangement is None:
            self._custom.pop((layer, source), None)
        else:
            self._custom[(layer, source)] = arrangement
        if self._spec is not None:
            self._layout()
            self.update()

    def arrangement(self, layer: str, source: str, fan_in: int) -> Arrangement:
        arr = self._custom.get((layer, source)) or self._auto.get((layer, source))
        return arr if arr is not None else Arrangement.row(fan_in)

    # ----- geometry in cell units ------------------------------------------------------------------
    def _layout(self) -> None:
        """Cells for the current widget size: each layer's unit blocks wrap into as many
        columns as make the squares largest (a 24-unit layer need not be one tall column)."""
        spec = self._spec
        assert spec is not None
        sizes = spec.node_sizes()
        shapes = []  # per layer: (arrangements, block width, block height)
        for li, layer in enumerate(spec.layers):
            arrs = [self.arrangement(layer.name, s, sizes[s]) for s in spec.sources_of(li)]
            shapes.append((arrs, sum(a.shape[1] for a in arrs) + GAP * len(arrs) + 1.0, max(a.shape[0] for a in arrs)))
        most = max(layer.units for layer in spec.layers)
        best = max(range(1, most + 1), key=lambda rows: (self._fit(self._extent_for(spec, shapes, rows)), rows))
        self._build(spec, shapes, best)

    @staticmethod
    def _extent_for(spec: NetworkSpec, shapes, rows: int) -> tuple[float, float]:
        """Width and height in cells when no layer stacks more than `rows` unit blocks."""
        width, height = LAYER_GAP, HEADER
        for layer, (_, bw, bh) in zip(spec.layers, shapes):
            cols = -(-layer.units // rows)
            width += cols * (bw + COLUMN_GAP) - COLUMN_GAP + LAYER_GAP
            height = max(height, HEADER + min(rows, layer.units) * (bh + UNIT_GAP))
        return width - LAYER_GAP + 0.5, height + 1.2

    def _fit(self, extent: tuple[float, float]) -> float:
        w, h = extent
        return min(self.max_cell, (max(self.width(), 1) - 4) / w, (max(self.height(), 1) - 4) / h)

    def _build(self, spec: NetworkSpec, shapes, rows: int) -> None:
        cells, titles, panels, labels, widths = [], [], [], [], []
        x0 = LAYER_GAP
        for li, (layer, (arrs, block_w, block_h)) in enumerate(zip(spec.layers, shapes)):
            sources = spec.sources_of(li)
            rows_note = "; ".join(f"rows {' / '.join(a.row_labels)}" for a in arrs if a.row_labels)
            titles.append((x0, 0.0, f"{layer.name} ← {', '.join(sources)}", rows_note))
            cols = -(-layer.units // rows)
            for u in range(layer.units):
                bx = x0 + (u // rows) * (block_w + COLUMN_GAP)
                y = HEADER + (u % rows) * (block_h + UNIT_GAP)
                panels.append(QRectF(bx - 0.15, y - 0.15, block_w - GAP + 0.3, block_h + 0.3))
                labels.append((bx, y + block_h / 2, str(u + 1)))
                x = bx
                for si, a in enumerate(arrs):
                    for r, row in enumerate(a.grid):
                        for c, sender in enumerate(row):
                            if sender >= 0:
                                cells.append((li, si, u, sender, x + c + 0.5, y + r + 0.5))
                    x += a.shape[1] + GAP
                cells.append((li, -1, u, 0, x + 0.5, y + block_h / 2))
            layer_w = cols * (block_w + COLUMN_GAP) - COLUMN_GAP
            widths.append(layer_w + LAYER_GAP - 0.3)  # up to just before the next layer's title
            x0 += layer_w + LAYER_GAP
        self._cells, self._titles, self._panels, self._unit_labels = cells, titles, panels, labels
        self._title_widths = widths
        self._extent = self._extent_for(spec, shapes, rows)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt name: re-wrap the blocks for the new size
        if self._spec is not None:
            self._layout()
        super().resizeEvent(event)

    def title_boxes(self) -> list[tuple[QRectF, str]]:
        """Each layer's title and its scale note, in pixels, elided to the room up to the next
        layer's title so titles never overprint each other (the tooltip has them in full)."""
        if self._spec is None:
            return []
        s = self._cell_size()
        fm = QFontMetricsF(self._title_font(s))
        starts = [t[0] * s + 2 for t in self._titles] + [float(self.width())]
        line = fm.height()
        out = []
        for i, ((x, _, text, note), m) in enumerate(zip(self._titles, self._scales())):
            room = max(0.0, starts[i + 1] - starts[i] - 0.4 * s)
            if i < len(self._title_widths):
                room = min(room, self._title_widths[i] * s)
            scale_note = f"max |w| {m:.2g}" + (f" · {note}" if note else "")
            for row, t in enumerate((text, scale_note)):
                shown = fm.elidedText(t, Qt.TextElideMode.ElideRight, room)
                if shown:
                    out.append((QRectF(starts[i], 2 + row * line, room, line), shown))
        return out

    @staticmethod
    def _title_font(s: float) -> QFont:
        font = QFont()
        font.setPointSizeF(max(6.5, min(10.0, s * 0.55)))
        return font

    def _title_shift(self, s: float) -> float:
        """Pixels the squares move down so the two title lines fit above them at any size."""
        need = 2 * QFontMetricsF(self._title_font(s)).height() + 4
        return max(0.0, need - HEADER * s)

    def _cell_size(self) -> float:
        w, h = self._extent
        s = max(2.0, min(self.max_cell, (self.width() - 4) / w, (self.height() - 4) / h))
        shift = self._title_shift(s)  # small cells: the titles take more than HEADER rows
        if shift > 0:
            s = max(2.0, min(s, (self.height() - 4 - shift) / h))
        return s

    def _scales(self) -> list[float]:
        per_layer = []
        for ws, b in zip(self._weights, self._biases):
            m = max([float(np.abs(w).max()) if w.size else 0.0 for w in ws] + [float(np.abs(b).max()) if b.size else 0.0])
            per_layer.append(m if m > 0 else 1.0)
        if self.common_scale and per_layer:
            return [max(per_layer)] * len(per_layer)
        return per_layer

    def _value(self, li: int, si: int, unit: int, sender: int) -> float:
        if si < 0:
            return float(self._biases[li][unit])
        return float(self._weights[li][si][sender, unit])

    def squares(self) -> list[Square]:
        """Every weight's square at the widget's current size (what paintEvent draws)."""
        if self._spec is None or not self._weights:
            return []
        s = self._cell_size()
        dy = self._title_shift(s)
        scales = self._scales()
        out = []
        for li, si, u, sender, cx, cy in self._cells:
            v = self._value(li, si, u, sender)
            side = 0.92 * s * min(1.0, abs(v) / scales[li]) if np.isfinite(v) else 0.0
            out.append(Square(li, si, u, sender, v, QRectF((cx - 0.5) * s + 2, (cy - 0.5) * s + 2 + dy, s, s), side))
        return out

    # ----- Qt ------------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        w, h = self._extent
        return QSize(int(min(1200, max(240, w * 16))), int(min(800, max(140, h * 16))))

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt name
        p = QPainter(self)
        p.fillRect(self.rect(), PANEL)
        if self._spec is None or not self._weights:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No network yet")
            return
        s = self._cell_size()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(BACKGROUND)
        dy = self._title_shift(s)
        p.drawRects([QRectF(r.x() * s + 2, r.y() * s + 2 + dy, r.width() * s, r.height() * s) for r in self._panels])
        squares = self.squares()
        pos = [q.rect for q in squares if q.value > 0 and q.side > 0]
        neg = [q.rect for q in squares if q.value < 0 and q.side > 0]
        p.setBrush(POSITIVE)
        if pos:
            p.drawRects(pos)
        p.setBrush(NEGATIVE)
        if neg:
            p.drawRects(neg)
        # bias cells get a thin frame so they read as "from the always-on unit"
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(90, 90, 90), 1))
        p.drawRects([q.cell.adjusted(1, 1, -1, -1) for q in squares if q.source < 0])
        # text
        p.setFont(self._title_font(s))
        p.setPen(QColor(30, 30, 30))
        for rect, text in self.title_boxes():
            p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        if s >= 9:
            for x, y, text in self._unit_labels:
                p.drawText(
                    QRectF((x - COLUMN_GAP + 0.2) * s, (y - 0.6) * s + 2 + dy, (COLUMN_GAP - 0.5) * s, 1.2 * s),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    text,
                )
        legend = "white +, black −, side ∝ |w|, framed = bias"
        if self._epoch is not None:
            legend = f"sweep {self._epoch} · " + legend
        p.drawText(QPointF(4, self.height() - 5), legend)
        p.end()

    def event(self, e) -> bool:  # noqa: D401 - tooltips for the square under the mouse
        if e.type() == e.Type.ToolTip and isinstance(e, QHelpEvent) and self._spec is not None:
            pos = QPointF(e.pos())
            for (rect, shown), (_, _, text, note) in zip(self.title_boxes()[::2], self._titles):
                if rect.contains(pos) and shown != text:
                    QToolTip.showText(e.globalPos(), text + (f"\n{note}" if note else ""), self)
                    return True
            for q in self.squares():
                if q.cell.contains(pos):
                    layer = self._spec.layers[q.layer]
                    src = "bias" if q.source < 0 else f"{self._spec.sources_of(q.layer)[q.source]} {q.sender + 1}"
                    QToolTip.showText(e.globalPos(), f"{layer.name} {q.unit + 1} ← {src}: {q.value:+.3f}", self)
                    return True
            QToolTip.hideText()
            return True
        return super().event(e)
