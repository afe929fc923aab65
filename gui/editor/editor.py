"""NetworkEditor: palette + canvas + status line, the widget the main window embeds.

It keeps no training state: `set_spec` draws a spec, `show_snapshot` recolours what is
drawn, and every user edit becomes a NEW NetworkSpec on `specEdited`. Whoever listens to
`specEdited` owns the spec: the drawing changes only when they call `set_spec` (a session
that refuses an edit simply doesn't, and the old drawing stays). With no listener, the
editor applies its own edits, so it also works on its own.
"""
from __future__ import annotations

from PySide6.QtCore import SIGNAL, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QVBoxLayout, QWidget

from engine.explain.blame import edge_values
from engine.data.datasets import Dataset
from engine.training.snapshot import Snapshot
from engine.core.spec import NetworkSpec
from gui.panels.backward.overlay import EdgeOverlaySwitch

from .labels import unit_label
from .palette import LayerPalette
from .scene import EditorScene, SpecEdit
from .spec_edits import insert_layer
from .view import EditorView

WEIGHT_LIMIT = 1e6
# per overlay mode: hover name of an edge's value, and the legend's width entry
QUANTITY = {"weights": "weight", "gradients": "∂E/∂w", "last change": "Δw"}
WIDTH_KEY = {"weights": "width = |weight|", "gradients": "width = |gradient|", "last change": "width = |last change|"}
COMPACT_BELOW = 860  # editor width (px) under which the palette shrinks to icons
MESSAGE_MS = 8000


class NetworkEditor(QWidget):
    specEdited = Signal(object)
    weightEdited = Signal(int, int, int, int, float)
    unitSelected = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spec: NetworkSpec | None = None
        self._rebuild_pending = False
        self._in_edit = False
        self._edge_mode = "weights"
        self._dataset: Dataset | None = None
        self._snapshot: Snapshot | None = None
        self.scene = EditorScene(self)
        self.view = EditorView(self.scene, self)
        self.palette = LayerPalette(self)
        self.info_label = QLabel("")
        self.info_label.setStyleSheet("color: #455a64;")
        self.message_label = QLabel("")
        self.message_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._message_timer = QTimer(self)  # a message fades after a while; the next edit clears it too
        self._message_timer.setSingleShot(True)
        self._message_timer.setInterval(MESSAGE_MS)
        self._message_timer.timeout.connect(lambda: self.show_message(""))

        status = QHBoxLayout()
        status.setContentsMargins(8, 2, 8, 4)
        self.edge_switch = EdgeOverlaySwitch(self)
        self.edge_switch.modeChanged.connect(self.set_edge_mode)
        status.addWidget(self.edge_switch)
        status.addWidget(self.info_label, 1)
        status.addWidget(self.message_label, 1)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        right.addWidget(self.view, 1)
        right.addLayout(status)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.palette)
        outer.addLayout(right, 1)

        self.scene.editRequested.connect(self._apply_edit)
        self.scene.unitClicked.connect(self.unitSelected)
        self.scene.weightClicked.connect(self._ask_weight_later)
        self.scene.hoverInfo.connect(self.info_label.setText)
        self.scene.message.connect(self.show_message)
        self.palette.activated.connect(self._append_layer)

    # ----- public API -------------------------------------------------------------------
    @property
    def spec(self) -> NetworkSpec | None:
        return self._spec

    def set_spec(self, spec: NetworkSpec) -> None:
        """Draw `spec` (no-op when it is what is already drawn)."""
        if spec == self._spec and not self._rebuild_pending:
            return
        self._spec = spec
        if self._in_edit:
            # an item's own event handler is still running: rebuilding now would delete it
            if not self._rebuild_pending:
                self._rebuild_pending = True
                QTimer.singleShot(0, self, self._rebuild_now)
        else:
            self._rebuild_now()

    @property
    def edge_mode(self) -> str:
        return self._edge_mode

    def set_edge_mode(self, mode: str) -> None:
        """What the edges draw: "weights", "gradients" (dE/dw on the training set) or
        "last change" (the optimiser's last Δw); redraws the last snapshot at once."""
        if mode not in QUANTITY:
            raise ValueError(f"unknown edge overlay {mode!r}; choose one of {', '.join(QUANTITY)}")
        self._edge_mode = mode
        if self.edge_switch.mode != mode:
            self.edge_switch.blockSignals(True)  # called from code: keep the combo in step quietly
            self.edge_switch.set_mode(mode)
            self.edge_switch.blockSignals(False)
        self.view.width_key = WIDTH_KEY[mode]
        self.view.viewport().update()
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def set_dataset(self, dataset: Dataset | None) -> None:
        """The training set the gradient overlay is computed on."""
        self._dataset = dataset
        if self._edge_mode == "gradients" and self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Recolour edges and redraw unit maps in place. In weight mode this is cheap enough
        for 60 Hz; an overlay costs one backward pass per call, so callers feed at their rate."""
        if self._rebuild_pending:
            self._rebuild_now()
        self._snapshot = snapshot
        shown = None
        if self._edge_mode != "weights":
            try:
                shown = edge_values(self._edge_mode, snapshot, self._dataset)
            except ValueError as exc:  # no dataset yet, or data that does not fit this spec
                self.show_message(f"Edges show weights: {exc}")
        self.scene.apply_snapshot(snapshot, shown, QUANTITY[self._edge_mode])

    def show_message(self, text: str) -> None:
        """One clear sentence in the editor's status line (why an edit was impossible)."""
        self.message_label.setText(text)
        self.message_label.setToolTip(text)
        if text:
            self._message_timer.start()

    def resizeEvent(self, event) -> None:
        self.palette.set_compact(self.width() < COMPACT_BELOW)
        super().resizeEvent(event)

    # ----- internals --------------------------------------------------------------------
    def _rebuild_now(self) -> None:
        if self._spec is None:
            return
        self._rebuild_pending = False
        self.scene.build(self._spec)
        if self.view.auto_fit:  # after Ctrl+wheel zooming, keep the user's view
            self.view.fit()

    def _apply_edit(self, edit: SpecEdit) -> None:
        if self._spec is None:
            return
        try:
            new = edit(self._spec)
        except ValueError as exc:  # SpecError and friends: say why, change nothing
            self.show_message(str(exc))
            return
        self.show_message("")
        if new == self._spec:
            return
        self._in_edit = True
        try:
            if self.receivers(SIGNAL("specEdited(PyObject)")) == 0:
                self.set_spec(new)
            self.specEdited.emit(new)
        finally:
            self._in_edit = False

    def _append_layer(self, activation: str) -> None:
        if self._spec is not None:
            index = len(self._spec.layers) - 1
            self._apply_edit(lambda s: insert_layer(s, index, activation=activation))

    def _ask_weight_later(self, layer: int, source: int, row: int, col: int, value: float) -> None:
        # the dialog runs its own event loop: open it after the click's handler has returned
        QTimer.singleShot(0, self, lambda: self._edit_weight(layer, source, row, col, value))

    def _edit_weight(self, layer: int, source: int, row: int, col: int, value: float) -> None:
        if self._spec is None or layer >= len(self._spec.layers):
            return
        src = self._spec.sources_of(layer)[source]
        tgt = self._spec.layers[layer].name
        label = f"Weight {unit_label(self._spec, src, row)} → {unit_label(self._spec, tgt, col)}:"
        new, ok = QInputDialog.getDouble(self, "Edit weight", label, value, -WEIGHT_LIMIT, WEIGHT_LIMIT, 4)
        if ok:
            self.weightEdited.emit(layer, source, row, col, float(new))
