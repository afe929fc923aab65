"""Nature 1986, figure 4: the weights from the 24 person units to the person-code units.

One block per code unit, as the paper draws it: the English family in the top row, the
Italian family in the bottom row, person for person (Italian under the English counterpart),
people in tree order (`engine.data.family_trees.ENGLISH`); white = positive, black =
negative, square side proportional to |w| on one scale for all blocks. The unit's bias is
the framed square at the right. Each block's title names what the unit separates by the
measure of `family_trees.unit_roles` (nationality, generation, branch), so a student can
watch the codes form while training runs.

Blocks are laid out in the grid of columns that gives the largest squares for the widget's
size, so the view stays legible in a dock of a 1366x768 window. Drawn with QPainter: all
squares of one colour in one drawRects call.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QHelpEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from engine.core.spec import NetworkSpec
from engine.data import family_trees
from engine.training.snapshot import Snapshot
from gui.catch_up import CatchUpWhenShown

SOURCE = "person"
ROWS = ("English", "Italian")
COLUMNS = len(family_trees.ENGLISH)  # 12 people per family
BIAS_GAP = 0.6  # cells between the people and the bias square
BLOCK_W = COLUMNS + BIAS_GAP + 1.0  # cells
TITLE_H = 1.3  # cells above each block for its title
PAD_X, PAD_Y = 0.9, 0.7  # cells between blocks
LEFT = 3.6  # cells for the row names
MAX_CELL = 34.0
BACKGROUND = QColor(128, 128, 128)
PANEL = QColor(236, 236, 236)
POSITIVE = QColor(255, 255, 255)
NEGATIVE = QColor(0, 0, 0)
LEGEND = "white +, black −, side ∝ |w| (one scale for all units), framed = bias"


@dataclass(frozen=True)
class PersonSquare:
    """One drawn weight: code unit `unit` from person `person` (index into family_trees.PEOPLE)."""

    unit: int
    person: int  # -1 for the bias
    row: int  # 0 English, 1 Italian
    column: int  # position in the tree order (0..11); 12 for the bias
    value: float
    cell: QRectF
    side: float

    @property
    def rect(self) -> QRectF:
        c = self.cell.center()
        return QRectF(c.x() - self.side / 2, c.y() - self.side / 2, self.side, self.side)


def person_code_layer(spec: NetworkSpec | None) -> tuple[int, int] | None:
    """(layer index, source index) of the layer reading the 24 person units, or None."""
    if spec is None or {g.name: g.size for g in spec.inputs}.get(SOURCE) != len(family_trees.PEOPLE):
        return None
    for i in range(len(spec.layers)):
        sources = spec.sources_of(i)
        if SOURCE in sources:
            return i, sources.index(SOURCE)
    return None


class Figure4View(CatchUpWhenShown, QWidget):
    """Plain API: show_snapshot(snapshot) or set_weights(weights (24, k), biases (k,), epoch)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._w: np.ndarray | None = None  # (24, k)
        self._b: np.ndarray | None = None
        self._epoch: int | None = None
        self._layer_name = ""
        self._roles: list[tuple[str, ...]] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 120)
        self.setMouseTracking(True)

    # ----- feeding -------------------------------------------------------------------------------
    def show_snapshot(self, snapshot: Snapshot) -> None:
        if not self.draw_now(snapshot):
            return  # hidden: drawn when shown (gui.catch_up)
        where = person_code_layer(snapshot.spec)
        if where is None:
            if self._w is not None:
                self._w = self._b = None
                self.update()
            return
        li, si = where
        self._layer_name = snapshot.spec.layers[li].name
        self.set_weights(snapshot.weights[li][si], snapshot.biases[li], snapshot.epoch)

    def set_weights(self, weights: np.ndarray, biases: np.ndarray, epoch: int | None = None) -> None:
        w = np.asarray(weights, dtype=float)
        if w.ndim != 2 or w.shape[0] != len(family_trees.PEOPLE):
            raise ValueError(f"figure 4 needs weights from the 24 people, got shape {w.shape}")
        self._w, self._b, self._epoch = w.copy(), np.asarray(biases, dtype=float).copy(), epoch
        self._roles = None  # measured lazily, at paint time
        self.update()

    @property
    def units(self) -> int:
        return 0 if self._w is None else self._w.shape[1]

    def roles(self) -> list[tuple[str, ...]]:
        """What each code unit separates now (family_trees.unit_roles)."""
        if self._w is None:
            return []
        if self._roles is None:
            self._roles = family_trees.unit_roles(self._w)
        return self._roles

    # ----- geometry ------------------------------------------------------------------------------
    def grid_columns(self) -> int:
        """How many blocks side by side give the largest squares at the current size."""
        return max(range(1, max(1, self.units) + 1), key=lambda c: (self._cell_for(c), -c))

    def _cell_for(self, columns: int) -> float:
        rows = math.ceil(max(1, self.units) / columns)
        width = LEFT + columns * (BLOCK_W + PAD_X)
        height = rows * (TITLE_H + len(ROWS) + PAD_Y) + 2.2  # + legend (up to two lines)
        return min(MAX_CELL, (self.width() - 8) / width, (self.height() - 8) / height)

    def _origin(self, unit: int, columns: int, s: float) -> QPointF:
        """Top-left of `unit`'s square grid (below its title), in pixels."""
        col, row = unit % columns, unit // columns
        x = (LEFT + col * (BLOCK_W + PAD_X)) * s + 4
        y = (row * (TITLE_H + len(ROWS) + PAD_Y) + TITLE_H) * s + 4
        return QPointF(x, y)

    def squares(self) -> list[PersonSquare]:
        """Every person weight's square (24 per unit, unit by unit) at the current size."""
        return self._squares(bias=False)

    def bias_squares(self) -> list[PersonSquare]:
        return self._squares(bias=True)

    def _squares(self, bias: bool) -> list[PersonSquare]:
        if self._w is None:
            return []
        columns = self.grid_columns()
        s = max(2.0, self._cell_for(columns))
        scale = float(max(np.abs(self._w).max(), np.abs(self._b).max() if self._b.size else 0.0)) or 1.0
        out = []
        for u in range(self.units):
            o = self._origin(u, columns, s)
            if bias:
                v = float(self._b[u])
                cell = QRectF(o.x() + (COLUMNS + BIAS_GAP) * s, o.y() + 0.5 * s, s, s)
                out.append(PersonSquare(u, -1, 0, COLUMNS, v, cell, self._side(v, scale, s)))
                continue
            for r, people in enumerate(family_trees.tree_layout()):
                for c, person in enumerate(people):
                    v = float(self._w[person, u])
                    cell = QRectF(o.x() + c * s, o.y() + r * s, s, s)
                    out.append(PersonSquare(u, person, r, c, v, cell, self._side(v, scale, s)))
        return out

    @staticmethod
    def _side(v: float, scale: float, s: float) -> float:
        return 0.92 * s * min(1.0, abs(v) / scale) if np.isfinite(v) else 0.0

    # ----- Qt ------------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(760, 300)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt name
        p = QPainter(self)
        p.fillRect(self.rect(), PANEL)
        if self._w is None:
            p.setPen(QColor(60, 60, 60))
            p.drawText(self.rect().adjusted(10, 10, -10, -10), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       "Figure 4 shows the family-trees network's person codes.\n"
                       "Open Examples ▸ Family trees to see them form.")
            return
        columns = self.grid_columns()
        s = max(2.0, self._cell_for(columns))
        people, biases = self.squares(), self.bias_squares()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(BACKGROUND)
        for u in range(self.units):
            o = self._origin(u, columns, s)
            p.drawRect(QRectF(o.x() - 0.15 * s, o.y() - 0.15 * s, COLUMNS * s + 0.3 * s, len(ROWS) * s + 0.3 * s))
        for q in biases:  # the bias on the same grey, so a small white square still shows
            p.drawRect(q.cell.adjusted(-0.15 * s, -0.15 * s, 0.15 * s, 0.15 * s))
        for colour, sign in ((POSITIVE, 1), (NEGATIVE, -1)):
            rects = [q.rect for q in people + biases if q.side > 0 and np.sign(q.value) == sign]
            p.setBrush(colour)
            if rects:
                p.drawRects(rects)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(90, 90, 90), 1))
        p.drawRects([q.cell.adjusted(1, 1, -1, -1) for q in biases])
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, min(10.5, s * 0.5)))
        p.setFont(font)
        p.setPen(QColor(25, 25, 25))
        roles = self.roles()
        for u in range(self.units):
            o = self._origin(u, columns, s)
            said = ", ".join(roles[u]) if roles[u] else "no single attribute"
            title = QRectF(o.x(), o.y() - TITLE_H * s, BLOCK_W * s, TITLE_H * s)
            p.drawText(title, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"unit {u + 1}: {said}")
            if u % columns == 0:
                for r, name in enumerate(ROWS):
                    p.drawText(QRectF(4, o.y() + r * s, LEFT * s - 0.4 * s, s),
                               Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
        where = f"{self._layer_name} ← person" if self._layer_name else "person code ← person"
        head = f"sweep {self._epoch} · " if self._epoch is not None else ""
        first, second = f"{head}{where} · people in tree order", LEGEND
        if QFontMetricsF(font).horizontalAdvance(f"{first} · {second}") <= self.width() - 8:
            p.drawText(QPointF(4, self.height() - 6), f"{first} · {second}")
        else:  # a narrow view: the legend on two lines rather than cut off
            line = QFontMetricsF(font).height()
            p.drawText(QPointF(4, self.height() - 6 - line), first)
            p.drawText(QPointF(4, self.height() - 6), second)
        p.end()

    def event(self, e) -> bool:  # tooltips: the person, the unit and the weight under the mouse
        if e.type() == e.Type.ToolTip and isinstance(e, QHelpEvent):
            pos = QPointF(e.pos())
            for q in self.squares() + self.bias_squares():
                if q.cell.contains(pos):
                    who = "bias" if q.person < 0 else f"{family_trees.PEOPLE[q.person]} ({ROWS[q.row]})"
                    QToolTip.showText(e.globalPos(), f"code unit {q.unit + 1} ← {who}: {q.value:+.3f}", self)
                    return True
            QToolTip.showText(e.globalPos(), "Person codes (Nature 1986, fig. 4): each block is one code unit;\n"
                              "top row English, bottom row Italian, person for person.", self)
            return True
        return super().event(e)


def install_figure4(window) -> Figure4View:
    """A tab beside the Hinton diagrams, fed like every other view."""
    view = Figure4View()
    window.add_dock(view, "Person codes (fig. 4)", "bottom", "figure4Dock", tabify_with="hintonDock")
    window.register_view(view)
    window.replay_views.append(view)
    return view
