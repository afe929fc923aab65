"""NetworkEditor: palette + canvas + status line, the widget the main window embeds.

It keeps no training state: `set_spec` draws a spec, `show_snapshot` recolours what is
drawn, and every user edit becomes a NEW NetworkSpec on `specEdited`. Whoever listens to
`specEdited` owns the spec: the drawing changes only when they call `set_spec` (a session
that refuses an edit simply doesn't, and the old drawing stays). With no listener, the
editor applies its own edits, so it also works on its own.
"""
from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtCore import SIGNAL, QEasingCurve, QEvent, Qt, QTimer, QVariantAnimation, Signal
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QVBoxLayout, QWidget

from engine.explain.blame import edge_values
from engine.explain.stepthrough import Phase, StepThrough
from engine.data.datasets import Dataset
from engine.training.snapshot import Snapshot
from engine.core.spec import NetworkSpec
from gui.catch_up import CatchUpWhenShown
from gui.panels.backward.overlay import EdgeOverlaySwitch

from . import colors
from .labels import unit_label
from .palette import LayerPalette
from .scene import EditorScene, SpecEdit
from .spec_edits import insert_layer
from .step_view import StepPicture, picture_of
from .view import MAX_FIT_SCALE, STEP_FIT_SCALE, EditorView

WEIGHT_LIMIT = 1e6
# per overlay mode: hover name of an edge's value, and the legend's width entry
QUANTITY = {"weights": "weight", "gradients": "∂E/∂w", "last change": "Δw"}
WIDTH_KEY = {"weights": "width = |weight|", "gradients": "width = |gradient|", "last change": "width = |last change|"}
COMPACT_BELOW = 860  # editor width (px) under which the palette shrinks to icons
MESSAGE_MS = 8000
FLASH_MS = 1600  # how long "Apply step" shows the weight change before the phase returns
MESSAGE_STYLE = {"error": "color: #c62828; font-weight: bold;", "info": "color: #0f766e; font-weight: bold;"}
STEP_WIDTH_KEY = {"weights": "width = |weight|", "gradients": "width = |dE/dw| (per layer)",
                  "change": "width = |Δw| (per layer)"}


class NetworkEditor(CatchUpWhenShown, QWidget):
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
        self._step: tuple[Phase, StepThrough] | None = None  # the step-through phase on the canvas
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
        self._flash = QVariantAnimation(self)  # "Apply step": the changed weights pulse, then fade
        self._flash.setStartValue(1.0)
        self._flash.setEndValue(0.0)
        self._flash.setDuration(FLASH_MS)
        self._flash.setEasingCurve(QEasingCurve.Type.InQuad)
        self._flash.valueChanged.connect(self._flash_frame)
        self._flash.finished.connect(self._flash_done)

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
        self.follow_palette(force=True)

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
        if not self.draw_now(snapshot):
            return  # hidden: drawn when shown (gui.catch_up)
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

    def select_unit(self, node: str, index: int) -> None:
        """Ring a unit (the step-through card's selection), without emitting unitSelected."""
        if self.scene.selected_unit != (node, index):
            self.scene.select_unit(node, index)

    # ----- pictures (File > Export) -------------------------------------------------------
    def picture_source(self):
        """(scene, rect): what an exported picture of the network shows: the network only,
        not the palette, the status row or the canvas's empty margins."""
        if self._rebuild_pending:
            self._rebuild_now()
        return self.scene, self.scene.network_rect().adjusted(-16, -16, 16, 16)

    @contextmanager
    def picture_items_hidden(self):
        """Hide the editing controls (header buttons, ports, grips, hover card) for a picture."""
        from .columns import ButtonItem, PortItem, ResizeHandle

        controls = [i for i in self.scene.items() if isinstance(i, (ButtonItem, PortItem, ResizeHandle)) and i.isVisible()
                    and not getattr(i, "pill", False)]  # the activation pill names the function: it stays
        extra = [i for i in (self.scene.popup, self.scene.insert_mark) if i.isVisible()]
        for item in controls + extra:
            item.hide()
        try:
            yield
        finally:
            for item in controls + extra:
                item.show()

    # ----- the backward pass on the canvas ----------------------------------------------
    @property
    def step_picture(self) -> StepPicture | None:
        """What the canvas shows of a step-through, None when it shows the live network."""
        return self.scene.step

    def show_step(self, phase: Phase, walk: StepThrough) -> None:
        """Draw one step-through phase on the network: numbers on the units, dE/dw (or Δw)
        on the edges, the phase's layer ringed. A walk for another topology is ignored."""
        if walk.spec != self._spec:
            return
        if self._rebuild_pending:
            self._rebuild_now()
        self._step = (phase, walk)
        if self._flash.state() != QVariantAnimation.State.Running:
            self._draw_step(picture_of(phase, walk))

    def clear_step(self) -> None:
        """Back to the live network (step-through mode off)."""
        self._step = None
        self._flash.stop()
        self.scene.step_layer.flash = 0.0
        self._draw_step(None)
        if self._snapshot is not None and self._snapshot.spec == self._spec:
            self.show_snapshot(self._snapshot)

    def flash_change(self, walk: StepThrough) -> None:
        """Feedback for "Apply step": the update's Δw pulses on the edges for a moment and the
        status line names the largest change; then the canvas returns to what it showed."""
        if walk.spec != self._spec:
            return
        change = walk.largest_change()
        self.show_message("Weights changed: " + (change.text() if change else "no weight moved (zero gradient)"), "info")
        self._draw_step(picture_of(walk.phases[-1], walk))
        self._flash.stop()
        self._flash.start()

    def _flash_frame(self, value) -> None:
        self.scene.step_layer.flash = float(value)
        self.scene.step_layer.update()

    def _flash_done(self) -> None:
        self.scene.step_layer.flash = 0.0
        if self._step is not None and self._step[1].spec == self._spec:
            self._draw_step(picture_of(*self._step))
        else:
            self.clear_step()

    def _draw_step(self, picture: StepPicture | None) -> None:
        self.scene.set_step(picture)
        self.view.step_caption = "" if picture is None else picture.caption
        self.view.width_key = WIDTH_KEY[self._edge_mode] if picture is None else STEP_WIDTH_KEY[picture.edge_kind]
        self.edge_switch.setEnabled(picture is None)
        zoom = STEP_FIT_SCALE if picture is not None else MAX_FIT_SCALE
        if zoom != self.view.max_fit_scale:
            self.view.max_fit_scale = zoom
            if self.view.auto_fit:
                self.view.fit()
        self.view.viewport().update()

    def show_message(self, text: str, kind: str = "error") -> None:
        """One clear sentence in the editor's status line (why an edit was impossible, or
        what a step changed when kind is "info")."""
        self.message_label.setStyleSheet(MESSAGE_STYLE.get(kind, MESSAGE_STYLE["error"]))
        self.message_label.setText(text)
        self.message_label.setToolTip(text)
        if text:
            self._message_timer.start()

    def resizeEvent(self, event) -> None:
        self.palette.set_compact(self.width() < COMPACT_BELOW)
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        """A new palette (the window's light/dark theme): the canvas follows it."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.follow_palette()

    def follow_palette(self, force: bool = False) -> None:
        """Canvas colours from this widget's palette (dark window colour = dark canvas)."""
        if colors.use_palette(QWidget.palette(self)) or force:
            self.info_label.setStyleSheet(f"color: {colors.TEXT_DIM.name()};")
            for bundle in self.scene.bundles:
                bundle.update()
            self.scene.update()
            self.view.resetCachedContent()  # the cached background grid has the old colours
            self.view.viewport().update()
            self.palette.restyle()
            for tile in self.palette.findChildren(QWidget):
                tile.update()

    # ----- internals --------------------------------------------------------------------
    def _rebuild_now(self) -> None:
        if self._spec is None:
            return
        self._rebuild_pending = False
        self.scene.build(self._spec)
        if self.view.auto_fit:  # after Ctrl+wheel zooming, keep the user's view
            self.view.fit()
        if self._step is not None:  # a step of the old topology means nothing on the new one
            if self._step[1].spec == self._spec:
                self._draw_step(picture_of(*self._step))
            else:
                self._step = None
                self._draw_step(None)

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
