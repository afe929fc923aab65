"""Wire a FileController into the playground's MainWindow through the hooks it offers
(`file_menu`/`file_insert_point`, `help_menu`, `close_guards`, `shortcuts`, `session`).

`SessionProject` is the ProjectWindow for that window: it saves what is drawn (the latest
snapshot's weights and history with the session's spec, settings and data source) and opens
a project by handing its rebuilt trainer to `Session.adopt`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from engine.data.datasets import Dataset
from engine.data.sources import CsvSource, PointsSource, source_of
from engine.files.serialize import Project
from engine.training.trainer import Trainer

from .controller import FileController
from .drop import install_csv_drop



class SessionProject:
    """ProjectWindow over gui.session.Session; `files` is set once the controller exists."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.session = window.session
        self.files: FileController | None = None
        # epoch of an opened run until its first snapshot arrives (adopt is asynchronous, so
        # the latest snapshot may still be the old run's for a frame or two)
        self._opened_epoch: int | None = None
        self.session.snapshotReady.connect(self._snapshot_arrived)

    def _snapshot_arrived(self, snapshot: Any) -> None:
        if self._opened_epoch is not None and snapshot.epoch == self._opened_epoch:
            self._opened_epoch = None

    def current_project(self) -> Project:
        s = self.session
        try:  # the live run, not the last drawn frame (which lags behind an undo or an open)
            live = s.checkpoint()
        except (TimeoutError, RuntimeError):  # the worker could not answer: save what is drawn
            live = None
        snap = s.latest
        params = history = state = None
        epoch = 0
        if live is not None and live.spec == s.spec:
            params, history, epoch = np.array(live.params), np.array(live.history), live.epoch
            state = {"velocity": np.array(live.velocity), "m": np.array(live.adam_m), "v": np.array(live.adam_v),
                     "t": live.adam_t}
        elif snap is not None and (snap.spec is None or snap.spec == s.spec) and len(snap.params) == s.spec.n_parameters():
            params, history, epoch = np.array(snap.params), np.array(snap.history), int(snap.epoch)
            if snap.optimizer_state:
                state = {k: np.array(v) for k, v in snap.optimizer_state.items() if k in ("velocity", "m", "v")}
                state["t"] = int(snap.optimizer_state.get("t", 0))
        source = source_of(s.dataset)  # its recipe when it has one, else the points (engine/data/sources.py)
        if isinstance(source, CsvSource) and not Path(str(source.path or "")).is_file():
            source = PointsSource.of(s.dataset)  # the file is gone: the data the run holds goes in the project
        extra: dict[str, Any] = {"speed": s.speed}
        if getattr(s, "preset_name", None):
            extra["preset"] = s.preset_name  # the example's schedule (eps/alpha phases) resumes on open
        return Project(s.spec, s.settings, source, params, history, epoch, extra, state)

    def load_project(self, project: Project, trainer: Trainer) -> None:
        self._opened_epoch = trainer.epoch
        extra = project.extra if isinstance(project.extra, dict) else {}
        preset = extra.get("preset")
        self.session.adopt(trainer, project.data_source, preset if isinstance(preset, str) else None)
        speed = extra.get("speed", "keep")
        if speed is None or (isinstance(speed, (int, float)) and not isinstance(speed, bool) and speed > 0):
            self.session.set_speed(speed)

    def undo_stack(self) -> QUndoStack:
        return self.session.undo_stack

    def confirm_big_work(self, estimate: Any) -> bool:
        """The document's question before big work (gui/big_work.py): one place to answer it."""
        return bool(self.session.document.confirm_big_work(estimate))

    def progress_marker(self) -> Any:
        if self._opened_epoch is not None:
            return self._opened_epoch
        snap = self.session.latest
        return 0 if snap is None else snap.epoch  # a run starts at epoch 0 before its first snapshot

    def plots(self) -> dict[str, Any]:
        """Every dock's view (its pyqtgraph plot when it has one) and the network editor."""
        views: dict[str, Any] = {}
        editor = getattr(self.window, "editor", None)
        if isinstance(editor, QWidget):
            views["Network"] = editor
        for dock in getattr(self.window, "docks", {}).values():
            widget = dock.widget()
            if isinstance(widget, QScrollArea) and widget.widget() is not None:
                widget = widget.widget()  # the whole view, not just the part scrolled into sight
            inner = next((v for v in (getattr(widget, n, None) for n in ("plot", "canvas")) if isinstance(v, pg.GraphicsView)), None)
            views[dock.windowTitle()] = inner if inner is not None else widget
        return views

    def apply_data(self, data: Dataset) -> None:
        """An imported data set, as one undoable edit that holds it; a network whose inputs or
        outputs do not fit the data keeps its hidden layers and gets inputs/outputs sized for it."""
        self.session.document.edit_data(data, data.source or source_of(data), "Import data", adapt_network=True)


def attach_to_main_window(window: Any, settings: QSettings | None = None) -> FileController:
    """Add the file actions to `window` (a gui.main_window.MainWindow) and return the controller.

    After `window.show()` the app may call `files.offer_recovery()` once, and
    `gui.dialogs.maybe_show_tour(window)` for the first-run tour (not in scripted runs)."""
    link = SessionProject(window)
    files = FileController(link, settings=settings if settings is not None else window.qsettings, widget=window)
    link.files = files
    menu, before = window.file_menu, window.file_insert_point
    menu.insertAction(before, files.open_action)
    menu.insertMenu(before, files.recent_menu)
    menu.insertSeparator(before)
    for action in (files.save_action, files.save_as_action):
        menu.insertAction(before, action)
    menu.insertSeparator(before)
    menu.insertAction(before, files.import_csv_action)
    menu.insertMenu(before, files.export_menu)
    for action in files.actions():
        keys = action.shortcut()
        if not keys.isEmpty() and hasattr(window, "shortcuts"):
            window.shortcuts.append((keys.toString(QKeySequence.SequenceFormat.NativeText), action.text().replace("&", "").rstrip("…")))
    window.close_guards.append(files.maybe_save)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(files.shutdown)  # a clean exit leaves no recovery file
    install_csv_drop(window, files.import_csv)
    help_menu = getattr(window, "help_menu", None)
    if help_menu is not None:
        from gui.dialogs import FirstRunTour

        help_menu.addAction("Welcome tour", lambda: FirstRunTour(window).open())
    return files


__all__ = ["attach_to_main_window", "SessionProject"]
