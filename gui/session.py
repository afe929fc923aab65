"""The session: one window's document, run and frame clock, wired together.

- `document` (gui.document.Document): what the user asked for — spec, data, settings,
  stopping criterion — and the undo stack; every edit is an undoable command.
- `run` (gui.run.Run): the training worker and the transport (play, pause, step, reset,
  speed); not undoable, it changes time, not the document.
- `clock` (gui.clock.FrameClock): the one place that sets the frame rate.

`Session` keeps the names the views and tests used when it was all three at once: its
signals are the document's and the run's own, its methods hand on to the right object.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from PySide6.QtCore import QObject, Signal, SignalInstance

from engine.core.spec import NetworkSpec
from engine.data.datasets import Dataset
from engine.data.sources import DataSource
from engine.training.checkpoint import Checkpoint
from engine.training.criteria import Criterion
from engine.training.snapshot import Snapshot
from engine.training.trainer import Trainer, TrainSettings

from .clock import FrameClock
from .document import (  # noqa: F401  (re-exported: callers import them from here)
    Document,
    dataset_from_source,
    default_settings,
    default_source,
    default_spec,
    fitted_spec,
    with_loss,
)
from .run import Run
from .worker import TrainingWorker, WorkerEvent  # noqa: F401

T = TypeVar("T")


class Session(QObject):
    message = Signal(str, str)  # kind ('diverged', 'reinitialised', 'info', 'error'), text: document's and run's

    MERGE_SETTINGS, MERGE_DATA = Document.MERGE_SETTINGS, Document.MERGE_DATA

    def __init__(self, grid_resolution: int = 100, parent: QObject | None = None) -> None:
        super().__init__(parent)
        spec, settings, source = default_spec(), default_settings(), default_source()
        dataset = dataset_from_source(source)
        trainer = Trainer(spec, dataset, settings)
        trainer.record()
        self.clock = FrameClock(parent=self)
        self.run = Run(trainer, self.clock, grid_resolution=grid_resolution, parent=self)
        self.document = Document(self.run, spec, settings, source, dataset, parent=self)
        self.document.message.connect(self.message)
        self.run.message.connect(self.message)
        self.clock.start()

    # ----- signals (the document's and the run's own) ---------------------------------------
    @property
    def specChanged(self) -> SignalInstance:
        return self.document.specChanged

    @property
    def settingsChanged(self) -> SignalInstance:
        return self.document.settingsChanged

    @property
    def dataChanged(self) -> SignalInstance:
        return self.document.dataChanged

    @property
    def sourceChanged(self) -> SignalInstance:
        return self.document.sourceChanged

    @property
    def criterionChanged(self) -> SignalInstance:
        return self.document.criterionChanged

    @property
    def trainerReplaced(self) -> SignalInstance:
        return self.document.trainerReplaced

    @property
    def playingChanged(self) -> SignalInstance:
        return self.run.playingChanged

    @property
    def speedChanged(self) -> SignalInstance:
        return self.run.speedChanged

    @property
    def snapshotReady(self) -> SignalInstance:
        return self.run.snapshotReady

    @property
    def detailReady(self) -> SignalInstance:
        return self.run.detailReady

    # ----- read access ---------------------------------------------------------------------
    @property
    def undo_stack(self):
        return self.document.undo_stack

    @property
    def worker(self) -> TrainingWorker:
        return self.run.worker

    @property
    def spec(self) -> NetworkSpec:
        return self.document.spec

    @property
    def settings(self) -> TrainSettings:
        return self.document.settings

    @property
    def source(self) -> DataSource:
        return self.document.source

    @property
    def dataset(self) -> Dataset:
        return self.document.dataset

    @property
    def criterion(self) -> Criterion | None:
        return self.document.criterion

    @property
    def preset_name(self) -> str | None:
        return self.document.preset_name

    @preset_name.setter
    def preset_name(self, name: str | None) -> None:
        self.document.preset_name = name

    @property
    def playing(self) -> bool:
        return self.run.playing

    @property
    def speed(self) -> float | None:
        return self.run.speed

    @property
    def latest(self) -> Snapshot | None:
        return self.run.latest

    @latest.setter
    def latest(self, snapshot: Snapshot | None) -> None:
        self.run.latest = snapshot

    @property
    def frames(self) -> int:
        return self.run.frames

    def checkpoint(self) -> Checkpoint:
        """The live run's whole state (weights, optimiser, epoch, history)."""
        return self.run.checkpoint()

    def query(self, fn: Callable[[Trainer], T]) -> T:
        return self.run.query(fn)

    # ----- transport ---------------------------------------------------------------------------
    def play(self, until_epoch: int | None = None) -> None:
        self.run.play(until_epoch)

    def pause(self) -> None:
        self.run.pause()

    def toggle_play(self) -> None:
        self.run.toggle_play()

    def step(self, epochs: int = 1) -> None:
        self.run.step(epochs)

    def reset(self) -> None:
        self.run.reset(self.document.spec.seed)

    def set_speed(self, epochs_per_second: float | None) -> None:
        self.run.set_speed(epochs_per_second)

    # ----- edits (undoable) ----------------------------------------------------------------
    def edit_spec(self, spec: NetworkSpec, text: str = "Edit network") -> bool:
        return self.document.edit_spec(spec, text)

    def edit_loss(self, loss: str) -> bool:
        return self.document.edit_loss(loss)

    def edit_settings(self, settings: TrainSettings, text: str = "Change settings", merge: bool = False) -> bool:
        return self.document.edit_settings(settings, text, merge)

    def edit_optimizer(self, text: str, merge: bool = False, **changes: Any) -> bool:
        return self.document.edit_optimizer(text, merge, **changes)

    def edit_criterion(self, criterion: Criterion | None, text: str = "Change stopping criterion") -> bool:
        return self.document.edit_criterion(criterion, text)

    def edit_source(self, source: DataSource, text: str = "Change data", merge: bool = False,
                    adapt_network: bool = False) -> bool:
        return self.document.edit_source(source, text, merge, adapt_network)

    def add_point(self, x: float, y: float, positive: bool) -> bool:
        return self.document.add_point(x, y, positive)

    def remove_point(self, split: str, index: int) -> bool:
        return self.document.remove_point(split, index)

    def regenerate(self) -> bool:
        return self.document.regenerate()

    def edit_weight(self, layer: int, source: int, row: int, col: int, value: float) -> bool:
        return self.document.edit_weight(layer, source, row, col, value)

    def apply_step(self, walk: Any) -> bool:
        return self.document.apply_step(walk)

    def adopt(self, trainer: Trainer, source: DataSource | None = None, preset_name: str | None = None,
              criterion: Criterion | None = None) -> None:
        self.document.adopt(trainer, source, preset_name, criterion)

    # ----- frames and lifetime -------------------------------------------------------------
    def pull(self) -> None:
        self.run.pull()

    def shutdown(self) -> None:
        """Stop the frame clock and the training thread (joined: no thread outlives the window)."""
        self.clock.stop()
        self.run.shutdown()
