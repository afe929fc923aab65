"""Step-through mode: one pattern through forward pass, error, backward pass and update.

The panel computes everything on a copy (engine.explain.stepthrough.StepThrough built from the
latest snapshot and the dataset); it never touches the worker's trainer. "Apply step"
emits `applyRequested(StepThrough)`: the owner of the trainer runs `st.apply(trainer)`
in the worker thread.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QSplitter, QToolBar,
                               QVBoxLayout, QWidget)

from engine.data.datasets import Dataset
from engine.core.optimizers import OptimizerSettings
from engine.training.snapshot import Snapshot
from engine.explain.blame import saturation
from engine.explain.stepthrough import Phase, StepThrough, pattern_arrays, unit_name

from .context import mismatch
from .deferred import Deferred
from .diagram import NetworkDiagram
from ...lazy import LazyView
from .pattern_picker import PatternSpinBox

MODE_SHORTCUT = "Ctrl+B"
SATURATION_SAMPLE = 4000


ERROR_MAP_MIN_HEIGHT = 180  # the unit error map's title line and its 150 px plot, before it is built


class StepThroughPanel(QWidget):
    modeToggled = Signal(bool)  # the window may pause training while stepping
    phaseChanged = Signal(object)  # engine.explain.stepthrough.Phase, for editor overlays
    unitSelected = Signal(str, int)
    applyRequested = Signal(object)  # engine.explain.stepthrough.StepThrough; apply in the worker

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: Dataset | None = None
        self.settings = OptimizerSettings()
        self.snapshot: Snapshot | None = None
        self.walk: StepThrough | None = None
        self.selected: tuple[str, int] | None = None
        self._on = False  # step-through mode; self.walk is None while no valid pair exists
        self._applied: StepThrough | None = None  # the walk last applied to the live run

        self.toolbar = QToolBar("Step through")
        self.pattern_bar = QToolBar("Pattern")  # a second row: the card stays narrow beside the canvas
        for bar in (self.toolbar, self.pattern_bar):
            bar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.mode_action = QAction("Step through", self, checkable=True)
        self.mode_action.setShortcut(QKeySequence(MODE_SHORTCUT))
        self.mode_action.setToolTip(f"Follow one training pattern through a learning step ({MODE_SHORTCUT})")
        self.prev_action = QAction("◀ Previous", self)
        self.prev_action.setShortcuts([QKeySequence(Qt.Key_Left), QKeySequence(Qt.Key_PageUp)])
        self.next_action = QAction("Next ▶", self)
        self.next_action.setShortcuts([QKeySequence(Qt.Key_Right), QKeySequence(Qt.Key_PageDown)])
        self.next_pattern_action = QAction("Next pattern", self)
        self.next_pattern_action.setShortcut(QKeySequence(Qt.Key_N))
        self.apply_action = QAction("Apply step", self)
        self.apply_action.setToolTip("Make this one-pattern update to the real network")
        for a in (self.prev_action, self.next_action, self.next_pattern_action):
            a.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            self.addAction(a)
        self.pattern_box = PatternSpinBox()  # value() is the 0-based index; it shows "pattern 1" for 0
        self.pattern_box.setToolTip("Which training pattern to follow (counted from 1, as in the patterns table)")
        self.pattern_label = QLabel()
        self.pattern_label.setWordWrap(True)
        self.toolbar.addAction(self.mode_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.prev_action)
        self.toolbar.addAction(self.next_action)
        self.pattern_bar.addWidget(self.pattern_box)
        self.pattern_bar.addAction(self.next_pattern_action)
        self.pattern_bar.addSeparator()
        self.pattern_bar.addAction(self.apply_action)

        self.phase_label = QLabel()
        self.phase_label.setWordWrap(True)
        f = QFont(self.phase_label.font())
        f.setBold(True)
        self.phase_label.setFont(f)
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.diagram = NetworkDiagram()
        self.chain_text = QPlainTextEdit(readOnly=True)
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.Monospace)
        self.chain_text.setFont(mono)
        self.chain_text.setMinimumWidth(300)
        self.chain_text.setMinimumHeight(150)
        self.chain_text.setLineWrapMode(QPlainTextEdit.NoWrap)
        # the unit's error map (a plot) is built when the card is first on screen (start-up time)
        self._error_map = LazyView(self._build_error_map)
        self._error_map.setMinimumHeight(ERROR_MAP_MIN_HEIGHT)
        card = QSplitter(Qt.Vertical)
        card.addWidget(self.chain_text)
        card.addWidget(self._error_map)
        card.setStretchFactor(0, 1)  # the arithmetic is about ten lines; the map's square gets the rest
        card.setStretchFactor(1, 1)
        card.setChildrenCollapsible(False)
        self.card = card
        self._card_shared = False
        self._theme = None  # gui.style.themes.Theme from the window; None: the plots' light default
        split = QSplitter()
        split.addWidget(self.diagram)
        split.addWidget(card)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        self.splitter = split
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.toolbar)  # two rows, each fits the narrow card beside the canvas
        lay.addWidget(self.pattern_bar)
        lay.addWidget(self.pattern_label)
        head = QHBoxLayout()
        head.addWidget(self.phase_label, 1)
        lay.addLayout(head)
        lay.addWidget(self.detail_label)
        lay.addWidget(split, 1)

        self.mode_action.toggled.connect(self.set_active)
        self.prev_action.triggered.connect(self.previous_phase)
        self.next_action.triggered.connect(self.next_phase)
        self.next_pattern_action.triggered.connect(self.next_pattern)
        self.apply_action.triggered.connect(self._request_apply)
        self.pattern_box.valueChanged.connect(self.choose_pattern)
        self.diagram.unitClicked.connect(self.select_unit)
        self._saturation = Deferred(self, self._update_saturation)
        self._refresh_controls()

    def set_diagram_visible(self, visible: bool) -> None:
        """Hide the compact diagram when the network editor shows the phases at full size:
        what is left is the chain-rule card (controls, arithmetic, error-signal map)."""
        self.diagram.setVisible(visible)

    # ----- inputs from the window ------------------------------------------------------------
    def set_context(self, data: Dataset | None, settings=None) -> None:
        """The dataset being trained on and its optimiser settings (TrainSettings or OptimizerSettings)."""
        self.data = data
        if settings is not None:
            self.settings = getattr(settings, "optimizer", settings)
        n = 0 if data is None else len(data.x_train)
        self.pattern_box.blockSignals(True)
        self.pattern_box.setRange(0, max(0, n - 1))
        self.pattern_box.blockSignals(False)
        if self._on:
            self.restart()
        self._refresh_controls()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Remember the latest state; a running step-through restarts only on a topology edit or reset."""
        reset = self.snapshot is not None and snapshot.epoch < self.snapshot.epoch
        self.snapshot = snapshot
        if self._on and (self.walk is None or snapshot.spec != self.walk.spec or reset):
            self.restart()  # first valid pair, topology edit or reset: old phases describe a gone network
        elif not self._on:
            self.diagram.set_spec(snapshot.spec)
            weights = {l.name: w for l, w in zip(snapshot.spec.layers, snapshot.weights)}
            self.diagram.set_values({}, weights, "red arcs: share of patterns where a unit is saturated", "edges: weights")
        self._saturation.request()

    def _update_saturation(self) -> None:
        snap = self.snapshot
        if mismatch(snap, self.data):
            return
        x, _ = pattern_arrays(snap.spec, self.data)
        if len(x) > SATURATION_SAMPLE:
            x = x[np.linspace(0, len(x) - 1, SATURATION_SAMPLE).astype(int)]
        self.diagram.set_saturation(saturation(snap.spec, snap.params, x))

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._saturation.flush()

    # ----- mode and navigation ----------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self._on

    def set_active(self, on: bool) -> None:
        if on == self._on:
            return
        self._on = on
        if on:
            self.restart()
        else:
            self.walk = None
            self.phase_label.setText("Step-through mode is off")
            self.detail_label.setText(f"Press “Step through” ({MODE_SHORTCUT}) to follow one pattern through a learning step.")
            self.chain_text.clear()
            self._show_error_map()
            if self.snapshot is not None:
                self.show_snapshot(self.snapshot)
        if self.mode_action.isChecked() != self.active:
            self.mode_action.setChecked(self.active)
        self._refresh_controls()
        self.modeToggled.emit(self.active)

    def restart(self) -> None:
        """Recompute the phases for the chosen pattern from the latest snapshot."""
        problem = mismatch(self.snapshot, self.data)
        if problem:  # stays in step-through mode; the next matching snapshot starts it
            self.walk = None
            self.phase_label.setText(f"Step through: {problem}")
            self.detail_label.setText("")
            self._refresh_controls()
            return
        index = min(self.pattern_box.value(), len(self.data.x_train) - 1)
        self.walk = StepThrough.from_snapshot(self.snapshot, self.data, index, self.settings)
        self.diagram.set_spec(self.walk.spec)
        names = [l.name for l in self.walk.spec.layers]
        if self.selected is None or self.selected[0] not in names or self.selected[1] >= self.walk.spec.layers[names.index(self.selected[0])].units:
            self.selected = (names[0], 0)
        self.diagram.select(*self.selected)
        self._show_phase(self.walk.current)
        self._show_error_map()

    def choose_pattern(self, index: int) -> None:
        if self._on:
            self.restart()

    def next_pattern(self) -> None:
        n = self.pattern_box.maximum() + 1
        self.pattern_box.setValue((self.pattern_box.value() + 1) % n)
        if self.active and n == 1:
            self.restart()

    def next_phase(self) -> None:
        if self.walk is not None:
            self._show_phase(self.walk.next())

    def previous_phase(self) -> None:
        if self.walk is not None:
            self._show_phase(self.walk.previous())

    def select_unit(self, layer: str, unit: int) -> None:
        if self.selected == (layer, unit) and self.diagram.selected == (layer, unit):
            return  # already shown (the editor and this card echo each other's selection)
        self.selected = (layer, unit)
        self.diagram.select(layer, unit)
        self.unitSelected.emit(layer, unit)
        if self.walk is not None:
            self._show_chain_rule(self.walk.current)
        self._show_error_map()

    @property
    def error_map(self):
        """The selected unit's error-signal map (gui/panels/backward/unit_error_map.py), built now if not yet."""
        return self._error_map.view()

    def set_theme(self, theme) -> None:
        """Light or dark plot colours for the diagram and the error map (now, or when it is built)."""
        self._theme = theme
        self.diagram.set_theme(theme)
        if self._error_map.is_built:
            self.error_map.set_theme(theme)

    def _share_card(self) -> None:
        """Once, when the map is built and the card has its height: half each (the square map
        grows; the ~10 lines of chain-rule arithmetic still fit). The user's drags are kept."""
        total = sum(self.card.sizes())
        if self._card_shared or not self._error_map.is_built or total < 2 * ERROR_MAP_MIN_HEIGHT:
            return
        self._card_shared = True
        self.card.setSizes([total - total // 2, total // 2])

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if not self._card_shared:
            self._share_card()

    def _build_error_map(self) -> QWidget:
        from .unit_error_map import UnitErrorMap

        view = UnitErrorMap()
        if self._theme is not None:
            view.set_theme(self._theme)
        self._error_map.setMinimumHeight(0)  # the map's own minimum from now on
        QTimer.singleShot(0, self, self._share_card)  # with self as context: never after the panel is gone
        layer, unit = self.selected if self.selected is not None else (None, 0)
        view.show_unit(self.walk, self.data, layer, unit)
        return view

    def _show_error_map(self) -> None:
        if not self._error_map.is_built:  # drawn with the state of the moment when it is built
            return
        layer, unit = self.selected if self.selected is not None else (None, 0)
        self.error_map.show_unit(self.walk, self.data, layer, unit)

    def _request_apply(self) -> None:
        if self.walk is not None and self.walk is not self._applied:
            self.applyRequested.emit(self.walk)

    def mark_applied(self, walk: StepThrough) -> None:
        """This step is now part of the live run: it cannot be applied twice."""
        self._applied = walk
        if walk is self.walk:
            self.detail_label.setText("Applied to the network. “Next pattern” starts the next step from the new weights.")
        self._refresh_controls()

    # ----- drawing ------------------------------------------------------------------------------
    def _show_phase(self, phase: Phase) -> None:
        walk = self.walk
        self.phase_label.setText(f"Phase {phase.index + 1}/{len(walk.phases)}: {phase.title}")
        self.detail_label.setText(phase.detail)
        if phase.kind == "update":
            edges = {lo.name: tuple(phase.change[s].reshape(f, lo.units) for s, f in zip(lo.weight_slices, lo.fan_ins))
                     for lo in walk.net.layouts}
            edge_caption = "edges: weight change Δw"
        else:
            edges = dict(phase.gradients)
            edge_caption = "edges: gradient dE/dw" if edges else "edges: not computed yet"
        node_caption = "nodes: activation a" if phase.node_mode == "activation" else "nodes: error signal δ = dE/dz"
        inputs = {g.name: phase.activations[g.name] for g in walk.spec.inputs}
        self.diagram.set_values(phase.node_values(), edges, node_caption, edge_caption, phase.layer, plain=inputs)
        self._show_chain_rule(phase)
        self._refresh_controls()
        self.phaseChanged.emit(phase)

    def _show_chain_rule(self, phase: Phase) -> None:
        if self.selected is None or self.walk is None:
            self.chain_text.setPlainText("Click a unit to see its chain-rule arithmetic.")
            return
        layer, unit = self.selected
        if layer in {g.name for g in self.walk.spec.inputs}:
            value = float(phase.activations[layer][unit])
            self.chain_text.setPlainText(f"{unit_name(layer, unit)} = {value:.5g}\n\nAn input unit: it passes its value on\nand receives no error signal.")
            return
        if layer not in phase.deltas:
            lines = [unit_name(layer, unit)]
            if layer in phase.activations:
                lines.append(f"activation a = {float(phase.activations[layer][unit]):.5g}")
            lines.append("")
            lines.append("Its error signal δ is not computed yet;")
            lines.append("step on to the backward pass (Next ▶).")
            self.chain_text.setPlainText("\n".join(lines))
            return
        lines = self.walk.explain(layer, unit).lines()
        if phase.kind == "update":
            lines += ["", *self._update_lines(layer, unit)]
        self.chain_text.setPlainText("\n".join(lines))

    def _update_lines(self, layer: str, unit: int) -> list[str]:
        """Each weight into the unit: old value, gradient, change, new value."""
        walk = self.walk
        idx = [l.name for l in walk.spec.layers].index(layer)
        lo = walk.net.layouts[idx]
        out = ["update of the weights into it:", f"  {'from':<10}{'dE/dw':>10}{'Δw':>10}{'new w':>10}"]
        rows = [(unit_name(s, i), sl.start + i * lo.units + unit) for s, f, sl in zip(lo.sources, lo.fan_ins, lo.weight_slices)
                for i in range(f)]
        rows.append(("bias", lo.bias_slice.start + unit))
        for name, k in rows[:24]:
            out.append(f"  {name:<10}{walk.gradient[k]:>10.4g}{walk.params_after[k] - walk.params_before[k]:>10.4g}"
                       f"{walk.params_after[k]:>10.4g}")
        return out

    def _refresh_controls(self) -> None:
        on = self.walk is not None  # mode on and a network that fits the data
        if on:
            w = self.walk
            x = ", ".join(f"{v:.3g}" for v in w.x[0][:4]) + (" …" if w.x.shape[1] > 4 else "")
            t = ", ".join(f"{v:.3g}" for v in w.y[0][:4]) + (" …" if w.y.shape[1] > 4 else "")
            self.pattern_label.setText(f"  x = ({x})  →  target ({t})")
        else:
            self.pattern_label.setText("")
            if not self.chain_text.toPlainText():
                self.chain_text.setPlainText("The chain-rule arithmetic of the\nselected unit appears here.")
        self.prev_action.setEnabled(on and self.walk.position > 0)
        self.next_action.setEnabled(on and not self.walk.at_end)
        self.apply_action.setEnabled(on and self.walk is not self._applied)
        self.next_pattern_action.setEnabled(self.data is not None)
        if not self._on and not self.phase_label.text():
            self.phase_label.setText("Step-through mode is off")
            self.detail_label.setText(f"Press “Step through” ({MODE_SHORTCUT}) to follow one pattern through a learning step.")
