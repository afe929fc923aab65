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

from ...lazy import LazyView
from .stepthrough_panel import StepThroughPanel
from .timeline_panel import TimelinePanel

# tabs built when first opened or first asked for (start-up time), in tab order
LAZY_TABS = ("error_maps", "gradient_check", "loss_slice")


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
        self._context: tuple | None = None  # the last set_context, for tabs built later
        self._theme = None  # the last set_theme (gui.style.themes.Theme), for tabs built later
        self._shown: Snapshot | None = None  # the last snapshot the replay views were given
        self._lazy: dict[str, LazyView] = {}
        self._stale: set[int] = set()  # id() of views not fed the last snapshot (hidden then)
        self.addTab(self.step_through, "Step through")
        for name, title in zip(LAZY_TABS, ("Error signals", "Gradient check", "Loss slice")):
            holder = LazyView(lambda n=name: self._build(n, grid_resolution))
            self._lazy[name] = holder
            self.addTab(holder, title)
        self.step_through.applyRequested.connect(self.applyRequested)
        self.step_through.modeToggled.connect(self.stepModeToggled)
        self.step_through.phaseChanged.connect(self.phaseChanged)
        self.timeline_panel.replayRequested.connect(self._follow_replay)
        self.timeline_panel.replayRequested.connect(self.replayRequested)
        self.currentChanged.connect(lambda _i: self.catch_up())
        self.step_through.modeToggled.connect(self._step_mode_on)

    def set_theme(self, theme) -> None:
        """The window's light or dark theme: every view follows it (tabs built later, when built)."""
        self._theme = theme
        for view in self.views():
            view.set_theme(theme)

    def _build(self, name: str, grid_resolution: int) -> QWidget:
        """One lazy tab, brought up to date with what the panel was last given."""
        if name == "error_maps":
            from .error_maps import ErrorMapsPanel

            view: QWidget = ErrorMapsPanel(resolution=grid_resolution)
        elif name == "gradient_check":
            from .gradcheck_panel import GradientCheckPanel

            view = GradientCheckPanel()
        else:
            from .loss_slice import LossSlicePanel

            view = LossSlicePanel(self.timeline_panel.timeline)
        if self._theme is not None:
            view.set_theme(self._theme)
        if self._context is not None:
            view.set_context(*self._context)
        if self._shown is not None:
            view.show_snapshot(self._shown)
        return view

    def __getattr__(self, name: str):
        """`error_maps`, `gradient_check`, `loss_slice`: built on first use, and brought up to
        date if they missed snapshots while hidden."""
        lazy = self.__dict__.get("_lazy", {}).get(name)
        if lazy is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        view = lazy.view()
        stale = self.__dict__.get("_stale", set())
        if id(view) in stale and self._shown is not None:  # asked for by code: current at once
            stale.discard(id(view))
            view.show_snapshot(self._shown)
        return view

    def _built_tabs(self) -> list[QWidget]:
        return [holder.view() for holder in self._lazy.values() if holder.is_built]

    def views(self) -> list[QWidget]:
        """The views built so far (the lazy tabs catch up when they are built)."""
        return [self.timeline_panel, self.step_through, *self._built_tabs()]

    def set_context(self, data: Dataset | None, settings=None) -> None:
        self._context = (data, settings)
        for view in self.views():
            view.set_context(data, settings)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Live snapshots: the timeline records every one; during a replay the other views stay
        on it. Only views that can be seen are fed (a running step-through too: it explains the
        live network); a hidden tab catches up from the latest when it is shown (`catch_up`)."""
        replaying = not self.timeline_panel.live
        if not replaying:
            self._shown = snapshot
        self.timeline_panel.show_snapshot(snapshot)
        if replaying:
            return
        for view in self.views()[1:]:
            if view.isVisible() or (view is self.step_through and self.step_through.active):
                self._stale.discard(id(view))
                view.show_snapshot(snapshot)
            else:
                self._stale.add(id(view))

    def catch_up(self) -> None:
        """Give the views now visible the latest snapshot they missed while hidden."""
        if self._shown is None or not self._stale:
            return
        for view in self.views()[1:]:
            if id(view) in self._stale and view.isVisible():
                self._stale.discard(id(view))
                view.show_snapshot(self._shown)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.catch_up()

    def _step_mode_on(self, on: bool) -> None:
        """Step-through switched on while its tab was hidden: explain the latest network, not a stale one."""
        if on and id(self.step_through) in self._stale and self._shown is not None:
            self._stale.discard(id(self.step_through))
            self.step_through.show_snapshot(self._shown)
            self.step_through.restart()

    def replay_views(self) -> list[QWidget]:
        """Views that follow a replayed epoch: the chain-rule card, error maps, loss slice, gradient check."""
        return [self.step_through, *self._built_tabs()]

    def _follow_replay(self, snapshot: Snapshot | None) -> None:
        shown = snapshot if snapshot is not None else self.timeline_panel.latest
        if shown is None:
            return
        self._shown = shown
        for view in self.replay_views():
            self._stale.discard(id(view))
            view.show_snapshot(shown)
        if self.step_through.active:
            self.step_through.restart()  # the card's step is for the shown epoch's weights
