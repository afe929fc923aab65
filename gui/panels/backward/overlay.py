"""Edge overlay switch for the network editor: weights / gradients / last weight change.

The editor colours each edge from `overlay_values(mode, snapshot, data)`, shaped exactly
like `snapshot.weights` (per layer, per source, (fan_in, units)), with its usual
weight colour scheme: "gradients" is dE/dw over the training set (one backward pass on a
copy), "last change" is the optimiser's last Δw (snapshot.optimizer_state["velocity"]).
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

import numpy as np

from engine.explain.blame import OVERLAY_MODES, edge_values, split_weights
from engine.core.spec import NetworkSpec
from engine.explain.stepthrough import Phase

overlay_values = edge_values  # the engine function, re-exported for the GUI

LABELS = {"weights": "Edges: weights", "gradients": "Edges: gradients dE/dw", "last change": "Edges: last change Δw"}


class EdgeOverlaySwitch(QComboBox):
    modeChanged = Signal(str)  # one of OVERLAY_MODES

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for mode in OVERLAY_MODES:
            self.addItem(LABELS[mode], mode)
        self.setToolTip("What the network's edges show")
        self.currentIndexChanged.connect(lambda i: self.modeChanged.emit(self.itemData(i)))

    @property
    def mode(self) -> str:
        return self.currentData()

    def set_mode(self, mode: str) -> None:
        self.setCurrentIndex(OVERLAY_MODES.index(mode))


def phase_overlay(phase: Phase, spec: NetworkSpec) -> tuple[dict[str, np.ndarray], tuple[tuple[np.ndarray, ...] | None, ...]]:
    """A step-through phase as editor overlays: node -> (units,) values, and per layer the
    per-source edge values shaped like `snapshot.weights` (None where not computed yet).

    Nodes show activations in forward phases and deltas from the error phase on; edges
    show dE/dw, and in the update phase the change Δw.
    """
    nodes = dict(phase.node_values())
    if phase.kind == "update" and phase.change is not None:
        return nodes, split_weights(spec, phase.change)
    return nodes, tuple(phase.gradients.get(layer.name) for layer in spec.layers)
