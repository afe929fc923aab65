"""What a window must offer so the file controller can save, open, export and import for it.

Kept as a small Protocol so the controller is tested with a tiny fake window and wired to the
real one without either knowing the other's insides.
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from PySide6.QtGui import QUndoStack

from engine.data.datasets import Dataset
from engine.files.serialize import Project
from engine.training.trainer import Trainer


@runtime_checkable
class ProjectWindow(Protocol):
    def current_project(self) -> Project:
        """A consistent picture of the current work (spec, settings, data source, weights, history, GUI state)."""

    def load_project(self, project: Project, trainer: Trainer) -> None:
        """Make an opened project the current work; `trainer` is already rebuilt and checked."""

    def undo_stack(self) -> QUndoStack:
        """The stack every edit goes through; its clean state says 'saved'."""

    def plots(self) -> dict[str, Any]:
        """Exportable views by name: pyqtgraph PlotItem/PlotWidget/GraphicsLayoutWidget, or any QWidget."""

    def apply_data(self, data: Dataset) -> None:
        """Use an imported data set, as read (an undoable edit that holds it: undo never reads
        the file again); `data.source` says where it came from. The window reports what it
        cannot use."""


# Optional: `progress_marker() -> object` (e.g. the epoch). When present, training since the
# last save also counts as unsaved work, although training is not an undoable edit.
