"""The document: the single owner of what the user asked for (spec, data, settings).

Every edit goes through a QUndoCommand on `undo_stack`, so Ctrl+Z works for layers,
weights, settings and data alike. The training worker follows the document's signals;
views follow `snapshotReady`, which a 16 ms timer fires with the worker's latest
snapshot (never more than one per frame, never a queue of them).
"""
from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from engine.data import custom_points

from engine.data import datasets
from engine.data.datasets import Dataset
from engine.training.snapshot import Snapshot
from engine.core.spec import NetworkSpec, SpecError
from engine.training.trainer import Trainer, TrainSettings, check_compatible
from engine.core.optimizers import OptimizerSettings

from .worker import TrainingWorker, WorkerEvent

FRAME_MS = 16


def default_spec() -> NetworkSpec:
    """XOR-ready: features x, y; two small tanh layers; one tanh output."""
    return NetworkSpec.stack(2, [4, 2], 1, "tanh", "tanh", features=("x", "y"))


def default_settings() -> TrainSettings:
    return TrainSettings(OptimizerSettings("sgd", lr=0.03), batch_size=10, shuffle=True)


def default_source() -> dict[str, Any]:
    return {"kind": "planar", "name": "xor", "n_points": 500, "noise": 0.0, "test_ratio": 0.5, "seed": 0}


def dataset_from_source(source: dict[str, Any]) -> Dataset:
    if source.get("kind") == "planar":
        return datasets.from_source(source)
    from engine.files.serialize import dataset_from_source as general  # csv, presets, custom points

    return general(source)


def fitted_spec(spec: NetworkSpec, data: Dataset) -> NetworkSpec | None:
    """`spec` with its inputs and outputs resized to fit `data` (hidden layers kept), or None
    when the network is not a plain stack with one input group."""
    if len(spec.inputs) != 1 or not spec.is_plain_stack():
        return None
    features = (spec.features or ("x", "y")) if data.planar else None
    n_in = len(features) if features is not None else data.n_inputs
    layers = list(spec.layers)
    layers[-1] = replace(layers[-1], units=data.n_outputs)
    try:
        fitted = spec.with_changes(inputs=(replace(spec.inputs[0], size=n_in),), layers=tuple(layers), features=features)
        check_compatible(fitted, data)
    except (SpecError, ValueError):
        return None
    return fitted


class _Edit(QUndoCommand):
    """Set one part of the document to a new value; undo sets it back."""

    def __init__(self, apply: Callable[[Any], None], old: Any, new: Any, text: str, merge_key: int = -1) -> None:
        super().__init__(text)
        self._apply, self.old, self.new, self._key = apply, old, new, merge_key

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)

    def id(self) -> int:
        return self._key

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Slider drags become one undo step."""
        if not isinstance(other, _Edit) or other.id() != self._key or self._key < 0:
            return False
        self.new = other.new
        return True


class Session(QObject):
    specChanged = Signal(object)  # NetworkSpec
    settingsChanged = Signal(object)  # TrainSettings (a copy)
    dataChanged = Signal(object)  # Dataset
    sourceChanged = Signal(object)  # data source dict
    playingChanged = Signal(bool)
    speedChanged = Signal(object)  # epochs/s or None = full speed
    snapshotReady = Signal(object)  # Snapshot
    message = Signal(str, str)  # kind ('diverged', 'reinitialised', 'info', 'error'), text
    trainerReplaced = Signal()  # a whole new run (preset, opened project)

    MERGE_SETTINGS, MERGE_DATA = 1, 2

    def __init__(self, grid_resolution: int = 100, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._spec = default_spec()
        self._settings = default_settings()
        self._source = default_source()
        self._dataset = dataset_from_source(self._source)
        self._playing = False
        self._plays = 0  # play commands sent; matched against the worker's 'stopped' events
        self._speed: float | None = None
        self.latest: Snapshot | None = None
        self.preset_name: str | None = None  # the example the current run came from, if any
        self.frames = 0  # snapshots handed to the views
        trainer = Trainer(self._spec, self._dataset, copy.deepcopy(self._settings))
        trainer.record()
        self.worker = TrainingWorker(trainer, grid_resolution=grid_resolution)
        self.worker.start()
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.pull)
        self._timer.start()

    # ----- read access ---------------------------------------------------------------------
    @property
    def spec(self) -> NetworkSpec:
        return self._spec

    @property
    def settings(self) -> TrainSettings:
        return copy.deepcopy(self._settings)

    @property
    def source(self) -> dict[str, Any]:
        return dict(self._source)

    @property
    def dataset(self) -> Dataset:
        return self._dataset

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float | None:
        return self._speed

    # ----- transport (not undoable: it changes time, not the document) ---------------------
    def play(self, until_epoch: int | None = None) -> None:
        self.worker.play(until_epoch)
        self._plays += 1
        self._set_playing(True)

    def pause(self) -> None:
        self.worker.pause()
        self._set_playing(False)

    def toggle_play(self) -> None:
        self.pause() if self._playing else self.play()

    def step(self, epochs: int = 1) -> None:
        self.worker.step(epochs)
        self._set_playing(False)

    def reset(self) -> None:
        self.worker.reset(self._spec.seed)

    def set_speed(self, epochs_per_second: float | None) -> None:
        self._speed = epochs_per_second
        self.worker.set_speed(epochs_per_second)
        self.speedChanged.emit(epochs_per_second)

    def _set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playingChanged.emit(playing)

    # ----- edits (undoable) ----------------------------------------------------------------
    def edit_spec(self, spec: NetworkSpec, text: str = "Edit network") -> bool:
        """Push a topology/loss/seed edit; refuse (with a message) one the data cannot train."""
        if spec == self._spec:
            return False
        try:
            check_compatible(spec, self._dataset)
        except SpecError as exc:
            self.message.emit("error", str(exc))
            return False
        self.undo_stack.push(_Edit(self._apply_spec, self._spec, spec, text))
        return True

    def edit_settings(self, settings: TrainSettings, text: str = "Change settings", merge: bool = False) -> bool:
        try:
            settings.validate()
        except ValueError as exc:
            self.message.emit("error", str(exc))
            return False
        if settings == self._settings:
            return False
        key = self.MERGE_SETTINGS if merge else -1
        self.undo_stack.push(_Edit(self._apply_settings, copy.deepcopy(self._settings), copy.deepcopy(settings), text, key))
        return True

    def edit_optimizer(self, text: str, merge: bool = False, **changes: Any) -> bool:
        s = self.settings
        return self.edit_settings(replace(s, optimizer=replace(s.optimizer, **changes)), text, merge)

    def edit_source(self, source: dict[str, Any], text: str = "Change data", merge: bool = False,
                    adapt_network: bool = False) -> bool:
        """New data (undoable). With adapt_network, a network whose inputs or outputs do not
        fit the new data is resized to fit (hidden layers kept) in the same undo step."""
        try:
            data = dataset_from_source(source)
        except (ValueError, KeyError, TypeError, OSError) as exc:
            self.message.emit("error", f"Cannot use this data: {exc}")
            return False
        if source == self._source:
            return False
        try:
            check_compatible(self._spec, data)
        except SpecError as exc:
            spec = fitted_spec(self._spec, data) if adapt_network else None
            if spec is None:
                self.message.emit("error", str(exc))
                return False
            self.undo_stack.push(_Edit(self._apply_run, (self._spec, dict(self._source)), (spec, dict(source)), text))
            self.message.emit("info", f"The network now has {spec.n_inputs} inputs and {spec.n_outputs} outputs to fit the data.")
            return True
        key = self.MERGE_DATA if merge else -1
        self.undo_stack.push(_Edit(self._apply_source, dict(self._source), dict(source), text, key))
        return True

    def add_point(self, x: float, y: float, positive: bool) -> bool:
        """One training point at (x, y), as one undoable data edit (2-D two-class data only)."""
        try:
            source = custom_points.with_point(self._dataset, x, y, positive)
        except ValueError as exc:
            self.message.emit("error", str(exc))
            return False
        return self.edit_source(source, f"Add {'positive' if positive else 'negative'} point")

    def remove_point(self, split: str, index: int) -> bool:
        try:
            source = custom_points.without_point(self._dataset, split, index)
        except ValueError as exc:
            self.message.emit("error", str(exc))
            return False
        return self.edit_source(source, "Remove point")

    def regenerate(self) -> bool:
        src = self.source
        src["seed"] = int(src.get("seed", 0)) + 1
        return self.edit_source(src, "Regenerate data")

    def edit_weight(self, layer: int, source: int, row: int, col: int, value: float) -> None:
        old = value
        if self.latest is not None and layer < len(self.latest.weights):
            old = float(self.latest.weights[layer][source][row, col])

        def apply(v: float) -> None:
            self.worker.set_weight(layer, source, row, col, v)

        self.undo_stack.push(_Edit(apply, old, float(value), f"Set weight to {value:.3g}"))

    # ----- appliers: the only places the document changes ---------------------------------
    def _apply_spec(self, spec: NetworkSpec) -> None:
        self._spec = spec
        self.worker.set_spec(spec)
        self.specChanged.emit(spec)

    def _apply_settings(self, settings: TrainSettings) -> None:
        self._settings = copy.deepcopy(settings)
        self.worker.set_settings(settings)
        self.settingsChanged.emit(self.settings)

    def _apply_source(self, source: dict[str, Any]) -> None:
        self._source = dict(source)
        self._dataset = dataset_from_source(source)
        self.worker.set_data(self._dataset)
        self.sourceChanged.emit(self.source)
        self.dataChanged.emit(self._dataset)

    def _apply_run(self, run: tuple[NetworkSpec, dict[str, Any]]) -> None:
        """Spec and data together (one of them alone would not fit the other)."""
        spec, source = run
        self._spec = spec
        self._source = dict(source)
        self._dataset = dataset_from_source(source)
        self.worker.set_run(spec, self._dataset)
        self.specChanged.emit(spec)
        self.sourceChanged.emit(self.source)
        self.dataChanged.emit(self._dataset)

    # ----- whole runs (presets, opened projects): not undoable, clears the stack -----------
    def adopt(self, trainer: Trainer, source: dict[str, Any] | None = None, preset_name: str | None = None) -> None:
        """Make `trainer` the current run: its spec, data and settings become the document."""
        self.pause()
        self.undo_stack.clear()
        self.preset_name = preset_name
        self._spec = trainer.spec
        self._settings = copy.deepcopy(trainer.settings)
        self._dataset = trainer.data
        self._source = dict(source if source is not None else trainer.data.source)
        # The trainer is still ours (the worker has not got it yet): draw its state now, so
        # no view shows the previous run's last frame in between.
        if len(trainer.history) == 0:
            trainer.record()
        snap = trainer.snapshot(self.worker.grid_resolution)
        self.worker.replace_trainer(trainer)
        self.specChanged.emit(self._spec)
        self.settingsChanged.emit(self.settings)
        self.sourceChanged.emit(self.source)
        self.dataChanged.emit(self._dataset)
        self.latest = snap
        self.snapshotReady.emit(snap)
        self.trainerReplaced.emit()

    # ----- the frame clock ---------------------------------------------------------------
    def pull(self) -> None:
        """Hand the worker's latest snapshot (if any) to the views; relay its events."""
        for event in self.worker.take_events():
            self._relay(event)
        snap = self.worker.take_snapshot()
        if snap is not None:
            self.latest = snap
            self.frames += 1
            self.snapshotReady.emit(snap)

    def _relay(self, event: WorkerEvent) -> None:
        if event.kind == "stopped":  # the worker paused itself; unless the user has pressed play since
            if event.text == str(self._plays):
                self._set_playing(False)
            return
        self.message.emit(event.kind, event.text)

    def shutdown(self) -> None:
        """Stop the frame clock and the training thread (joined: no thread outlives the window)."""
        self._timer.stop()
        self.worker.stop()
