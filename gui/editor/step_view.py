"""The backward pass on the canvas: one step-through phase drawn on the user's own network.

`picture_of(phase, walk)` turns an engine phase (engine.explain.stepthrough) into what the
canvas draws: numbers on the units (activations, then error signals δ = dE/dz), edge
values (the weights while the forward pass runs, dE/dw once a layer's δ is known, Δw in
the update) and captions. No maths here: every number is the engine's. `StepLayer` is one
scene item that paints the numbers over the network, so a phase costs one repaint.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from engine.explain.blame import split_weights
from engine.explain.stepthrough import Phase, StepThrough, unit_name

from ..numbering import pattern_number
from . import colors

if TYPE_CHECKING:
    from .scene import EditorScene

MAX_EDGE_LABELS = 16  # more numbers than this on one connection would only overprint
ARROW_AT = 0.64  # where on an edge the blame arrow sits: between the cards, near the target
LABEL_SPOTS = (0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8, 0.45, 0.55, 0.33, 0.67)  # tried in order along an edge
EDGE_QUANTITY = {"weights": "weight", "gradients": "∂E/∂w", "change": "Δw"}


def short(v: float) -> str:
    """A number for a badge on the canvas: 4 significant digits, no exponent when avoidable."""
    v = float(v)
    if not np.isfinite(v):
        return "—"
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e4:
        return f"{v:.4g}"
    return f"{v:.2e}".replace("e-0", "e-").replace("e+0", "e")


@dataclass(frozen=True)
class StepPicture:
    """What the canvas shows for one phase."""

    index: int
    count: int
    kind: str  # input | forward | error | backward | update
    title: str
    detail: str
    focus: str | None  # the node this phase computes
    nodes: dict[str, np.ndarray]  # node -> (units,) numbers drawn on the units
    node_quantity: str  # "a" (activation) or "δ" (error signal)
    plain: dict[str, np.ndarray]  # numbers drawn without colour (inputs while δ is shown)
    edges: tuple[tuple[np.ndarray, ...] | None, ...]  # per layer (like snapshot.weights); None = weights, dimmed
    edge_kind: str  # "weights" (forward phases), "gradients" or "change"
    pattern: int = 0
    loss: float | None = None
    weights: tuple[tuple[np.ndarray, ...], ...] = field(default=(), repr=False)  # the step's own weights

    @property
    def caption(self) -> str:
        """Two short lines: which phase, and what the numbers on units and edges are."""
        nodes = "units: activation a" if self.node_quantity == "a" else "units: error signal δ = dE/dz"
        edges = {"weights": "edges: weights w", "gradients": "edges: dE/dw, blame flows back ◀",
                 "change": "edges: weight change Δw"}[self.edge_kind]
        return f"Pattern {pattern_number(self.pattern)} · step {self.index + 1} of {self.count}: {self.title}\n{nodes} · {edges}"


def picture_of(phase: Phase, walk: StepThrough) -> StepPicture:
    spec = walk.spec
    weights = split_weights(spec, walk.params_before)
    if phase.kind == "update" and phase.change is not None:
        edges: tuple = split_weights(spec, phase.change)
        kind = "change"
    elif phase.gradients:
        edges = tuple(phase.gradients.get(layer.name) for layer in spec.layers)
        kind = "gradients"
    else:
        edges = tuple(None for _ in spec.layers)
        kind = "weights"
    quantity = "a" if phase.node_mode == "activation" else "δ"
    inputs = {g.name for g in spec.inputs}
    plain = {} if quantity == "a" else {k: v for k, v in phase.activations.items() if k in inputs}
    return StepPicture(phase.index, len(walk.phases), phase.kind, phase.title, phase.detail, phase.layer,
                       dict(phase.node_values()), quantity, plain, edges, kind,
                       walk.pattern_index, phase.loss, weights)


def _edge_font(scale: float = 1.0) -> QFont:
    f = QFont()
    f.setPointSizeF(8.0 * scale)
    return f


def _badge_font(scale: float = 1.0) -> QFont:
    f = QFont()
    f.setPointSizeF(8.5 * scale)
    f.setBold(True)
    return f


class StepLayer(QGraphicsItem):
    """Numbers over the network for the shown phase: unit badges, edge labels, arrows of blame."""

    def __init__(self) -> None:
        super().__init__()
        self.picture: StepPicture | None = None
        self.edge_labels: list[tuple[QPointF, str, float, str, str]] = []  # (where, text, value, source, layer)
        self.unit_badges: dict[tuple[str, int], tuple[QPointF, str, float]] = {}
        self.flash = 0.0  # 0..1: the "weights changed" pulse after Apply step
        self.text_scale = 1.0  # > 1 on a zoomed-out canvas: the numbers keep a readable size on screen
        self.setZValue(50)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self._rect = QRectF()

    def _scene(self) -> "EditorScene":
        return self.scene()  # type: ignore[return-value]

    def set_text_scale(self, scale: float) -> None:
        """Numbers at `scale` times their size in scene units (the editor passes 1 / zoom when
        zoomed out, so they stay readable on screen); labels are placed again."""
        scale = max(1.0, float(scale))
        if abs(scale - self.text_scale) > 1e-3:
            self.prepareGeometryChange()
            self.text_scale = scale
            self._layout()
            self.update()

    def set_picture(self, picture: StepPicture | None) -> None:
        self.prepareGeometryChange()
        self.picture = picture
        self._layout()
        self.update()

    def _layout(self) -> None:
        """Where each number goes, from the scene's current items."""
        self.edge_labels, self.unit_badges = [], {}
        scene, pic = self._scene(), self.picture
        if scene is None or pic is None:
            self._rect = QRectF()
            return
        self._rect = scene.network_rect().adjusted(-60, -60, 60, 60)
        for col in [*scene.input_columns, *scene.layer_columns]:
            values = pic.nodes.get(col.name)
            plain = values is None
            if values is None:
                values = pic.plain.get(col.name)
            if values is None:
                continue
            for u in col.units:
                if 0 <= u.index < len(values):
                    # inputs: the badge starts at the unit's left edge, clear of the feature's name
                    shift = u.size / 2 if not getattr(col, "is_layer", False) else 0.0
                    centre = u.mapToScene(QPointF(shift, 0))
                    self.unit_badges[(col.name, u.index)] = (centre, short(values[u.index]),
                                                             float("nan") if plain else float(values[u.index]))
        layer_names = [l.name for l in scene.spec.layers] if scene.spec is not None else []
        labelled = self._labelled_layers(layer_names)
        k = self.text_scale
        placed = [QRectF(c.x() - 30 * k, c.y() - 9 * k, 60 * k, 18 * k) for c, _, _ in self.unit_badges.values()]
        if pic.kind in ("error", "backward"):  # keep clear of the blame arrows
            placed += [QRectF(p.x() - 6, p.y() - 6, 12, 12) for p in self._arrow_points(pic.focus)]
        for b in scene.bundles:
            name = b.target.layer.name
            if name not in labelled:
                continue
            edge_vals = pic.edges[b.layer_index] if b.layer_index < len(pic.edges) else None
            if edge_vals is None:  # forward phases: the weights the units are computed with
                mats = pic.weights[b.layer_index] if b.layer_index < len(pic.weights) else None
                matrix = None if mats is None else mats[b.source_index]
            else:
                matrix = edge_vals[b.source_index]
            if matrix is None or matrix.shape != b.shape_full:
                continue
            for e in range(len(b.edge_rows)):
                r, c = int(b.edge_rows[e]), int(b.edge_cols[e])
                text = short(matrix[r, c])
                where = self._free_spot(b.points[e], text, placed)
                if where is None:  # no room on a cramped canvas: hovering the edge still tells
                    continue
                self.edge_labels.append((where, text, float(matrix[r, c]), unit_name(b.source.name, r), unit_name(name, c)))

    def _free_spot(self, line: np.ndarray, text: str, placed: list[QRectF]) -> QPointF | None:
        """A point on the line whose label box overlaps no label placed so far; None if none."""
        k = self.text_scale
        fm = QFontMetricsF(_edge_font(k))
        for frac in LABEL_SPOTS:
            p = _along(line, frac)
            w = fm.horizontalAdvance(text) + 8 * k
            box = QRectF(p.x() - w / 2, p.y() - 8 * k, w, 16 * k)
            if not any(box.intersects(o) for o in placed):
                placed.append(box)
                return p
        return None

    def _labelled_layers(self, names: list[str]) -> set[str]:
        """Numbers on the edges this phase is about: into the focus layer, or all when few."""
        pic, scene = self.picture, self._scene()
        count = {n: 0 for n in names}
        for b in scene.bundles:
            count[b.target.layer.name] = count.get(b.target.layer.name, 0) + len(b.edge_rows)
        if pic.kind in ("forward", "error", "backward") and pic.focus in count:
            return {pic.focus} if count[pic.focus] <= MAX_EDGE_LABELS else set()
        if pic.kind == "update":
            return set(names) if sum(count.values()) <= MAX_EDGE_LABELS else set()
        return set()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        pic = self.picture
        if pic is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        scene = self._scene()
        if pic.focus is not None:  # the column this phase computes, ringed
            col = next((c for c in [*scene.input_columns, *scene.layer_columns] if c.name == pic.focus), None)
            if col is not None:
                r = col.mapRectToScene(QRectF(-col.boundingRect().width() / 2 + 4, -4, col.boundingRect().width() - 8,
                                              col.body_height() + 8))
                painter.setPen(QPen(colors.ACCENT, 3.0, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(r, 10, 10)
        if pic.kind in ("error", "backward") and pic.focus is not None:
            self._paint_blame_arrows(painter, pic.focus)
        if self.flash > 0:  # "Apply step": every changed weight glows, widest where it changed most
            glow = QColor(colors.SELECTED)
            glow.setAlphaF(0.6 * self.flash)
            for b in scene.bundles:
                for e in range(len(b.polys)):
                    k = int(b.pen_index[e]) % colors.WEIGHT_BINS
                    if k == 0:
                        continue
                    painter.setPen(QPen(glow, 2.0 + 6.0 * self.flash * k / (colors.WEIGHT_BINS - 1)))
                    painter.drawPolyline(b.polys[e])
        k = self.text_scale
        font = _badge_font(k)
        painter.setFont(font)
        fm = QFontMetricsF(font)
        scale = max((abs(v) for _, _, v in self.unit_badges.values() if np.isfinite(v)), default=0.0) or 1.0
        for centre, text, value in self.unit_badges.values():
            w = max(fm.horizontalAdvance(text) + 10 * k, 30.0 * k)
            box = QRectF(centre.x() - w / 2, centre.y() - 9 * k, w, 18 * k)
            if np.isfinite(value):
                t = value / scale
                fill = colors.faded(colors.POSITIVE if t >= 0 else colors.NEGATIVE, 0.35 + 0.65 * min(abs(t), 1.0) ** 0.5)
            else:
                fill = QColor(colors.NEUTRAL)
            painter.setPen(QPen(colors.TEXT, 1.0))
            painter.setBrush(fill)
            painter.drawRoundedRect(box, 6, 6)
            # by the badge's own fill, not the theme's text colour (light on the pale grey badge in dark mode)
            painter.setPen(QColor("#ffffff") if fill.lightness() < 140 else colors.LIGHT["TEXT"])
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        small = _edge_font(k)
        painter.setFont(small)
        fm = QFontMetricsF(small)
        for where, text, value, _, _ in self.edge_labels:
            w = fm.horizontalAdvance(text) + 8 * k
            box = QRectF(where.x() - w / 2, where.y() - 8 * k, w, 16 * k)
            painter.setPen(QPen(colors.weight_colour(value >= 0), 1.0 + 2.0 * self.flash))
            painter.setBrush(colors.HEADER)
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(colors.TEXT)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _arrow_points(self, focus: str | None) -> list[QPointF]:
        scene = self._scene()
        return [_along(b.points[e], ARROW_AT) for b in scene.bundles if b.target.layer.name == focus
                for e in range(len(b.edge_rows))]

    def _paint_blame_arrows(self, painter: QPainter, focus: str) -> None:
        """Chevrons on the edges into the focus layer, pointing back toward the sources."""
        scene = self._scene()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.ACCENT)
        for b in scene.bundles:
            if b.target.layer.name != focus:
                continue
            for e in range(len(b.edge_rows)):
                line = b.points[e]
                at, toward = _along(line, ARROW_AT), _along(line, ARROW_AT - 0.06)
                d = np.array([toward.x() - at.x(), toward.y() - at.y()])  # toward the source
                d /= float(np.hypot(*d)) or 1.0
                normal = np.array([-d[1], d[0]])
                p = np.array([at.x(), at.y()])
                poly = QPolygonF([QPointF(*(p + d * 7.0)), QPointF(*(p + normal * 4.5)), QPointF(*(p - normal * 4.5))])
                painter.drawPolygon(poly)


def _along(line: np.ndarray, frac: float) -> QPointF:
    """The point `frac` of the way along a polyline (by length)."""
    seg = np.diff(line, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    total = float(lengths.sum())
    if total <= 0:
        return QPointF(float(line[0][0]), float(line[0][1]))
    goal = frac * total
    acc = np.cumsum(lengths)
    i = int(np.searchsorted(acc, goal))
    i = min(i, len(seg) - 1)
    start = acc[i] - lengths[i]
    t = (goal - start) / lengths[i] if lengths[i] > 0 else 0.0
    p = line[i] + seg[i] * t
    return QPointF(float(p[0]), float(p[1]))


__all__ = ["StepPicture", "StepLayer", "picture_of", "short"]
