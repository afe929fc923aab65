"""All backward-pass views in one tab widget, fed like every other view.

The window calls `set_context(dataset, train_settings)` when the data or settings change
and `show_snapshot(snapshot)` with each snapshot it pulls from the worker's mailbox.
Everything is computed on copies (Network(snapshot.spec, snapshot.params) + the Dataset),
never on the worker's trainer. The timeline panel is created here (it records every
snapshot, and the loss slice draws its path) but docked by the window wherever it likes.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QWidget

from engine.data.datasets import Dataset
from engine.training.snapshot import Snapshot

from .error_maps import ErrorMapsPanel
from .gradcheck_panel import GradientCheckPanel
from .loss_slice import LossSlicePanel
from .stepthrough_panel import StepThroughPanel
from .timeline_panel import TimelinePanel


class BackwardPanel(QTabWidget):
    applyRequested = Signal(object)  # StepThrough: the worker runs .apply(trainer)
    replayRequested = Signal(object)  # Snapshot of an earlier epoch, or None = live again
    stepModeToggled = Signal(bool)
    phaseChanged = Signal(object)  # stepthrough.Phase (node values + edge gradients for the editor)

    def __init__(self, grid_resolution: int = 40, replay_resolution: int | None = None,
                 parent: QWidget | None = None) -> None:
        """`grid_resolution`: error-signal maps; `replay_resolution`: grids of replayed
        snapshots (give the window's own so its views draw replays like live ones)."""
        super().__init__(parent)
        self.timeline_panel = TimelinePanel(grid_resolution=replay_resolution or grid_resolution)
        self.step_through = StepThroughPanel()
        self.error_maps = ErrorMapsPanel(resolution=grid_resolution)
        self.gradient_check = GradientCheckPanel()
        self.loss_slice = LossSlicePanel(self.timeline_panel.timeline)
        self.addTab(self.step_through, "Step through")
        self.addTab(self.error_maps, "Error signals")
        self.addTab(self.gradient_check, "Gradient check")
        self.addTab(self.loss_slice, "Loss slice")
        self.step_through.applyRequested.connect(self.applyRequested)
        self.step_through.modeToggled.connect(self.stepModeToggled)
        self.step_through.phaseChanged.connect(self.phaseChanged)
        self.timeline_panel.replayRequested.connect(self._follow_replay)
        self.timeline_panel.replayRequested.connect(self.replayRequested)

    def views(self) -> list[QWidget]:
        return [self.timeline_panel, self.step_through, self.error_maps, self.gradient_check, self.loss_slice]

    def set_context(self, data: Dataset | None, settings=None) -> None:
        for view in self.views():
            view.set_context(data, settings)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Live snapshots: the timeline records them; during a replay the other views stay on it."""
        replaying = not self.timeline_panel.live
        for view in self.views():
            if view is self.timeline_panel or not replaying:
                view.show_snapshot(snapshot)

    def replay_views(self) -> list[QWidget]:
        """Views that follow a replayed epoch: the chain-rule card, error maps, loss slice, gradient check."""
        return [self.step_through, self.error_maps, self.gradient_check, self.loss_slice]

    def _follow_replay(self, snapshot: Snapshot | None) -> None:
        shown = snapshot if snapshot is not None else self.timeline_panel.latest
        if shown is None:
            return
        for view in self.replay_views():
            view.show_snapshot(shown)
        if self.step_through.active:
            self.step_through.restart()  # the card's step is for the shown epoch's weights
