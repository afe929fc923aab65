"""Support for the files tests (no tests here): a tiny window implementing gui.files.ProjectWindow,
scripted stand-ins for modal dialogs, and the real window with its File menu as fixtures."""
from __future__ import annotations

from collections import deque
from typing import Any

from dataclasses import replace
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QFileDialog, QVBoxLayout, QWidget

from engine.data.datasets import planar
from engine.core.optimizers import OptimizerSettings
from engine.files.serialize import Project, project_from_trainer
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer, TrainSettings
from gui.app import make_application
from gui.files import attach_to_main_window
from gui.main_window import MainWindow


def make_trainer(seed: int = 1, epochs: int = 5) -> Trainer:
    spec = NetworkSpec.stack(2, [3], 1, features=["x", "y", "xy"], seed=seed)
    t = Trainer(spec, planar("xor", 40, seed=seed), TrainSettings(OptimizerSettings("sgd", lr=0.05, momentum=0.5), 8))
    t.train(epochs)
    return t


class SetLearningRate(QUndoCommand):
    def __init__(self, window: "FakeWindow", lr: float) -> None:
        super().__init__(f"Learning rate {lr}")
        self.window, self.new, self.old = window, lr, window.trainer.settings.optimizer.lr

    def redo(self) -> None:
        self._set(self.new)

    def undo(self) -> None:
        self._set(self.old)

    def _set(self, lr: float) -> None:
        t = self.window.trainer
        t.set_settings(replace(t.settings, optimizer=replace(t.settings.optimizer, lr=lr)))


class FakeWindow(QMainWindow):
    """Holds one trainer; edits are undo commands; closing asks the file controller."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Fake playground[*]")
        self._stack = QUndoStack(self)
        self.trainer = make_trainer()
        self.extra: dict[str, Any] = {"zoom": 1.5}
        self.sources: list[dict] = []
        self.files = None  # set by the test once the controller exists
        central = QWidget()
        layout = QVBoxLayout(central)
        self.loss_plot = pg.PlotWidget(title="loss")
        self.loss_plot.plot([0, 1, 2, 3], [1.0, 0.5, 0.3, 0.2], pen="r")
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.addPlot(title="boundary").plot([0, 1], [1, 0])
        self.label = QLabel("a plain widget")
        for w in (self.loss_plot, self.layout_widget, self.label):
            layout.addWidget(w)
        self.setCentralWidget(central)
        self.resize(500, 600)

    # ----- ProjectWindow -----------------------------------------------------------------------
    def current_project(self) -> Project:
        return project_from_trainer(self.trainer, self.extra)

    def load_project(self, project: Project, trainer: Trainer) -> None:
        self.trainer = trainer
        self.extra = dict(project.extra)
        self._stack.clear()

    def undo_stack(self) -> QUndoStack:
        return self._stack

    def plots(self) -> dict[str, Any]:
        return {"loss": self.loss_plot, "boundary": self.layout_widget, "label": self.label}

    def apply_data(self, data) -> None:
        self.sources.append(data.source)

    def progress_marker(self) -> int:
        return self.trainer.epoch

    # ----- test helpers ------------------------------------------------------------------------
    def edit(self, lr: float) -> None:
        self._stack.push(SetLearningRate(self, lr))

    def closeEvent(self, event) -> None:
        if self.files is None or self.files.close_requested():
            event.accept()
        else:
            event.ignore()


class Dialogs:
    """Scripted answers for QFileDialog/QMessageBox statics; a dialog nobody scripted fails the test."""

    def __init__(self, monkeypatch) -> None:
        self.save_names: deque[str] = deque()
        self.open_names: deque[str] = deque()
        self.answers: deque[QMessageBox.StandardButton] = deque()
        self.errors: list[tuple[str, str]] = []
        self.asked: list[str] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(self._save))
        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(self._open))
        monkeypatch.setattr(QMessageBox, "critical", staticmethod(self._critical))
        monkeypatch.setattr(QMessageBox, "warning", staticmethod(self._ask))
        monkeypatch.setattr(QMessageBox, "question", staticmethod(self._ask))

    def _save(self, parent, title, directory="", filter_=""):
        assert self.save_names, f"unexpected save dialog: {title}"
        return self.save_names.popleft(), filter_

    def _open(self, parent, title, directory="", filter_=""):
        assert self.open_names, f"unexpected open dialog: {title}"
        return self.open_names.popleft(), filter_

    def _critical(self, parent, title, text, *args):
        self.errors.append((title, text))
        return QMessageBox.StandardButton.Ok

    def _ask(self, parent, title, text, *args):
        self.asked.append(text)
        assert self.answers, f"unexpected question: {title}: {text}"
        return self.answers.popleft()


@pytest.fixture
def dialogs(monkeypatch):
    return Dialogs(monkeypatch)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, dialogs):
    """The real playground window with the File menu wired in (closed here, not by qtbot)."""
    monkeypatch.setenv("BPP_RECOVERY_PATH", str(tmp_path / "recovery.json"))
    make_application([])
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, grid_resolution=16, restore_layout=False)
    w.files = attach_to_main_window(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.session.latest is not None, timeout=10000)
    yield w
    w.close_guards.clear()
    w.files.shutdown()
    w.close()
    assert not w.session.worker.alive
    w.deleteLater()
