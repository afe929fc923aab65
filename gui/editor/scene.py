"""The canvas: builds items for a spec, updates them from snapshots, routes edit requests.

Items never change the spec themselves: they call `request_*`, which emits `editRequested`
with a spec -> spec function; the editor widget applies it (or shows why it can't).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsScene, QMenu

from engine.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from engine.core.features import FEATURES, transform
from engine.training.snapshot import Snapshot, grid_points
from engine.core.spec import NetworkSpec

from . import colors, menus, spec_edits
from .columns import InputColumn, LayerColumn, NodeColumn
from .edges import EdgeBundle
from .layout import HEADER_HEIGHT, gap_x, places
from .step_view import StepLayer, StepPicture
from .unit_items import UnitNode, UnitPopup, set_grids

SpecEdit = Callable[[NetworkSpec], NetworkSpec]
FEATURE_MAP_RESOLUTION = 48


def feature_maps(domain: tuple[float, float]) -> dict[str, np.ndarray]:
    """What each 2-D feature looks like over the plane (fixed, so computed once)."""
    pts = grid_points(FEATURE_MAP_RESOLUTION, domain)
    vals = transform(pts, tuple(FEATURES))
    out = {}
    for i, f in enumerate(FEATURES):
        g = vals[:, i].reshape(FEATURE_MAP_RESOLUTION, FEATURE_MAP_RESOLUTION)
        out[f] = (g / max(np.abs(g).max(), 1e-9)).astype(np.float32)
    return out


class EditorScene(QGraphicsScene):
    editRequested = Signal(object)  # SpecEdit
    unitClicked = Signal(str, int)
    weightClicked = Signal(int, int, int, int, float)
    hoverInfo = Signal(str)
    message = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.spec: NetworkSpec | None = None
        self.input_columns: list[InputColumn] = []
        self.layer_columns: list[LayerColumn] = []
        self.bundles: list[EdgeBundle] = []
        self.popup: UnitPopup
        self.insert_mark: QGraphicsLineItem
        self._feature_maps: dict[str, np.ndarray] | None = None
        self.selected_unit: tuple[str, int] | None = None  # ringed; survives snapshots, not rebuilds
        self.step: StepPicture | None = None  # a step-through phase drawn on the network
        self.step_layer: StepLayer
        self._init_overlays()

    def _init_overlays(self) -> None:
        self.popup = UnitPopup()
        self.addItem(self.popup)
        self.insert_mark = QGraphicsLineItem()
        pen = QPen(colors.INSERT_MARK, 4.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        self.insert_mark.setPen(pen)
        self.insert_mark.setZValue(200)
        self.insert_mark.hide()
        self.addItem(self.insert_mark)
        old_scale = getattr(getattr(self, "step_layer", None), "text_scale", 1.0)
        self.step_layer = StepLayer()
        self.step_layer.text_scale = old_scale  # a rebuild keeps the zoom, so keep its text size
        self.addItem(self.step_layer)

    # ----- building ---------------------------------------------------------------------
    def build(self, spec: NetworkSpec) -> None:
        self.clear()
        self._init_overlays()
        self.spec = spec
        self.selected_unit = None
        self.input_columns, self.layer_columns, self.bundles = [], [], []
        columns: dict[str, NodeColumn] = {}
        for place in places(spec):
            if len(columns) < len(spec.inputs):
                group = spec.inputs[len(columns)]
                col: NodeColumn = InputColumn(place, spec, group.size)
                self.input_columns.append(col)  # type: ignore[arg-type]
            else:
                i = len(self.layer_columns)
                col = LayerColumn(place, i, spec.layers[i], is_output=i == len(spec.layers) - 1)
                self.layer_columns.append(col)  # type: ignore[arg-type]
            self.addItem(col)
            columns[place.name] = col
        if spec.features is not None and self.input_columns and self.input_columns[0].features is not None:
            self._show_feature_maps(self.input_columns[0])
        sizes = spec.node_sizes()
        for i, target in enumerate(self.layer_columns):
            for s, src_name in enumerate(spec.sources_of(i)):
                source = columns[src_name]
                skip_top = self._skip_top(source, target)
                bundle = EdgeBundle(source, target, i, s, sizes[src_name], skip_top)
                self.addItem(bundle)
                self.bundles.append(bundle)
        self.setSceneRect(self.network_rect().adjusted(-40, -40, 40, 40))

    def network_rect(self) -> QRectF:
        """What the network covers (not the hidden overlays): the area zoom-to-fit shows."""
        rect = QRectF()
        for item in [*self.input_columns, *self.layer_columns, *self.bundles]:
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def _skip_top(self, source: NodeColumn, target: LayerColumn) -> float | None:
        """Height a curve must pass at to clear the columns between; None if adjacent."""
        between = [c for c in self.layer_columns if source.place.column < c.place.column < target.place.column]
        if not between:
            return None
        top = min(c.place.top for c in between) - HEADER_HEIGHT
        return top - 24.0 - 10.0 * (target.place.column - source.place.column)

    def _show_feature_maps(self, column: InputColumn) -> None:
        if self._feature_maps is None:
            self._feature_maps = feature_maps((-6.0, 6.0))
        for f, node in column.feature_nodes.items():
            node.set_grid(self._feature_maps[f])

    # ----- live data --------------------------------------------------------------------
    def apply_snapshot(self, snap: Snapshot, shown: tuple | None = None, quantity: str = "weight") -> None:
        """Update pens and thumbnails in place; parts whose shapes are stale are skipped.

        `shown` (shaped like snap.weights) is drawn on the edges instead of the weights, its
        widths scaled by its largest |value| over all edges so tiny gradients stay visible.
        """
        if self.step is None:
            self._apply_edges(snap, shown, quantity)
        self._apply_maps(snap)

    def _apply_edges(self, snap: Snapshot, shown: tuple | None, quantity: str) -> None:
        saturation = colors.WEIGHT_SATURATION
        if shown is not None:
            peak = max((float(np.nanmax(np.abs(v))) for vs in shown for v in vs if v.size), default=0.0)
            saturation = peak if np.isfinite(peak) and peak > 0 else 1.0
        for b in self.bundles:
            if b.layer_index < len(snap.weights) and b.source_index < len(snap.weights[b.layer_index]):
                extra = shown[b.layer_index][b.source_index] if shown is not None else None
                b.set_weights(snap.weights[b.layer_index][b.source_index], extra, quantity, saturation)
                b.set_dimmed(False)

    def _apply_maps(self, snap: Snapshot) -> None:
        grids = snap.grids or {}
        pats = snap.pattern_activations or {}
        for i, col in enumerate(self.layer_columns):
            bias = snap.biases[i] if i < len(snap.biases) else None
            if bias is not None and len(bias) != col.layer.units:
                bias = None
            maps, n = self._maps(grids, pats, col.layer.name, col.layer.units)
            if bias is not None:
                for u in col.units:
                    u.bias = float(bias[u.index])
            if maps is not None:
                set_grids(col.units, maps[[u.index for u in col.units]], n)
        for col in self.input_columns:
            if col.features is not None:
                continue
            maps, n = self._maps(grids, pats, col.name, col.size)
            if maps is not None:
                set_grids(col.units, maps[[u.index for u in col.units]], n)
        if self.popup.isVisible():
            self.popup.refresh()

    @staticmethod
    def _maps(grids: dict, pats: dict, node: str, units: int) -> tuple[np.ndarray | None, int | None]:
        """Per-unit maps of `node`: over the input plane when the data is 2-D, else over the
        training patterns (the 1986 paper's "internal representations"); None if stale."""
        g = grids.get(node)
        if g is not None:
            return (g, None) if g.shape[0] == units else (None, None)
        a = pats.get(node)
        if a is not None and a.ndim == 2 and a.shape[1] == units:
            return colors.pattern_mosaics(a), a.shape[0]
        return None, None

    def set_step(self, picture: StepPicture | None) -> None:
        """Draw a step-through phase on the network (None: back to the live weights).

        Edges of layers whose gradient is known show it (or Δw in the update), the rest show
        the step's weights, dimmed; numbers go on the units and on the edges of the phase."""
        self.step = picture
        if picture is not None:
            quantity = {"gradients": "∂E/∂w", "change": "Δw"}.get(picture.edge_kind, "weight")
            for b in self.bundles:
                i, k = b.layer_index, b.source_index
                values = picture.edges[i] if i < len(picture.edges) else None
                weights = picture.weights[i][k] if i < len(picture.weights) else None
                if weights is None:
                    continue
                if values is None:
                    b.set_weights(weights)
                    b.set_dimmed(not (picture.kind == "forward" and b.target.layer.name == picture.focus))
                else:  # each layer at its own scale: the blame reaching early layers is tiny but must show
                    peak = max((float(np.abs(v).max()) for v in values if v.size), default=0.0)
                    b.set_weights(weights, values[k], quantity, peak if np.isfinite(peak) and peak > 0 else 1.0)
                    b.set_dimmed(False)
        self.step_layer.set_picture(picture)

    # ----- lookups ----------------------------------------------------------------------
    def column_at(self, pos: QPointF) -> NodeColumn | None:
        for item in self.items(pos):
            while item is not None and not isinstance(item, NodeColumn):
                item = item.parentItem()
            if isinstance(item, NodeColumn):
                return item
        return None

    def bundle(self, source: str, target: str) -> EdgeBundle | None:
        for b in self.bundles:
            if b.source.name == source and b.target.layer.name == target:
                return b
        return None

    def select_unit(self, node: str, index: int) -> None:
        self.selected_unit = (node, index)
        for col in [*self.input_columns, *self.layer_columns]:
            for u in col.units:
                u.update()

    # ----- overlays ---------------------------------------------------------------------
    def show_unit_popup(self, unit: UnitNode) -> None:
        self.popup.show_for(unit)

    def hide_unit_popup(self, unit: UnitNode) -> None:
        if self.popup.unit is unit:
            self.popup.hide_card()

    def show_insert_mark(self, index: int) -> None:
        """A green bar in the gap in front of layer `index` (where a drop inserts)."""
        self.show_insert_mark_at(gap_x(index))

    def show_insert_mark_at(self, x: float) -> None:
        cols = self.layer_columns + self.input_columns
        top = min(c.place.top for c in cols) - HEADER_HEIGHT - 10
        bottom = max(c.place.top + c.body_height() for c in cols) + 20
        self.insert_mark.setLine(x, top, x, bottom)
        self.insert_mark.show()

    def hide_insert_mark(self) -> None:
        self.insert_mark.hide()

    # ----- edit requests ----------------------------------------------------------------
    def request_edit(self, edit: SpecEdit) -> None:
        self.editRequested.emit(edit)

    def request_remove(self, index: int) -> None:
        self.request_edit(lambda s: spec_edits.remove_layer(s, index))

    def request_resize(self, index: int, units: int) -> None:
        self.request_edit(lambda s: spec_edits.resize_layer(s, index, units))

    def request_move(self, index: int, new_index: int) -> None:
        self.request_edit(lambda s: spec_edits.move_layer(s, index, new_index))

    def request_insert(self, index: int, activation: str, units: int) -> None:
        self.request_edit(lambda s: spec_edits.insert_layer(s, index, units, activation))

    def request_connection(self, source: str, target: str) -> None:
        self.request_edit(lambda s: spec_edits.add_connection(s, source, target))

    def request_remove_connection(self, source: str, target: str) -> None:
        self.request_edit(lambda s: spec_edits.remove_connection(s, source, target))

    def request_learns(self, index: int, learns: bool) -> None:
        self.request_edit(lambda s: spec_edits.set_learns(s, index, learns))

    def request_activation_menu(self, column: LayerColumn) -> None:
        choices = tuple(ACTIVATIONS) if column.is_output else HIDDEN_ACTIVATIONS
        menu = QMenu()
        actions = {}
        for name in choices:
            act = menu.addAction(ACTIVATIONS[name].label)
            act.setCheckable(True)
            act.setChecked(name == column.layer.activation)
            actions[act] = name
        views = self.views()
        anchor = column.activation_button.mapToScene(QPointF(0, 18))
        screen_pos = views[0].viewport().mapToGlobal(views[0].mapFromScene(anchor)) if views else None
        chosen = menus.run_menu(menu, screen_pos)
        if chosen in actions and actions[chosen] != column.layer.activation:
            index, name = column.index, actions[chosen]
            self.request_edit(lambda s: spec_edits.set_activation(s, index, name))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete/Backspace removes the selected layer; + and - resize it."""
        key = event.key()
        selected = [c for c in self.layer_columns if c.isSelected()]
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            if not selected:
                self.message.emit("Select a hidden layer first (click its header)")
            elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.request_remove(selected[0].index)
            else:
                col = selected[0]
                self.request_resize(col.index, col.layer.units + (-1 if key == Qt.Key.Key_Minus else 1))
            event.accept()
            return
        super().keyPressEvent(event)
