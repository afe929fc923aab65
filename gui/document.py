"""The document: the single owner of what the user asked for (spec, data, settings,
stopping criterion) and of its undo stack.

Every user edit is a QUndoCommand that holds the values it sets and restores: specs and
settings are immutable values, data sets are held as loaded (read-only arrays, never a
path to read again), and an edit that throws the weights away (new data, a resized
network, a new seed) keeps the run's whole state (a Checkpoint) so undo brings the trained
network back. A command that fails half-way puts the document back as it was, says why,
and removes itself from the stack, so the undo index never points at a half-made change.
"""
from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from engine.core.losses import MARGIN_ACTIVATIONS, output_for_loss
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import NetworkSpec, SpecError
from engine.data import custom_points, datasets
from engine.data.datasets import Dataset
from engine.data.sources import CsvSource, DataSource, PlanarSource, PresetSource, source_of
from engine.training.checkpoint import Checkpoint
from engine.training.criteria import Criterion
from engine.estimate import Estimate
from engine.files.transplant import renumbered
from engine.training.trainer import Trainer, TrainSettings, check_compatible

from .big_work import ask_with_message_box, estimate_for, grew_past_limit

if TYPE_CHECKING:
    from engine.explain.stepthrough import StepThrough

    from .run import Run


def default_spec() -> NetworkSpec:
    """XOR-ready: features x, y; two small tanh layers; one tanh output."""
    return NetworkSpec.stack(2, [4, 2], 1, "tanh", "tanh", features=("x", "y"))


def default_settings() -> TrainSettings:
    return TrainSettings(OptimizerSettings("sgd", lr=0.03), batch_size=10, shuffle=True)


def default_source() -> DataSource:
    return PlanarSource()


def dataset_from_source(source: DataSource) -> Dataset:
    """Every kind (engine/data/sources.py); ProjectError (a ValueError) on failure."""
    return datasets.from_source(typed(source))


def typed(source: Any) -> DataSource:
    """`source` when it is a typed data source; a TypeError names anything else (a JSON dict
    belongs in files, and is read there with engine.data.sources.parse_source)."""
    if not isinstance(source, DataSource):
        raise TypeError(f"a data source must be a typed record (engine/data/sources.py), not {type(source).__name__}")
    return source


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


def with_loss(spec: NetworkSpec, loss: str) -> NetworkSpec:
    """`spec` with another loss and the output activation that loss needs (engine rule)."""
    layers = list(spec.layers)
    out = output_for_loss(loss, spec.loss, layers[-1].activation)
    if out != layers[-1].activation:
        layers[-1] = replace(layers[-1], activation=out)
    margin = spec.margin if loss == "squared" and out in MARGIN_ACTIVATIONS else 0.0  # no margin elsewhere
    return spec.with_changes(loss=loss, layers=tuple(layers), margin=margin)


def report_failure(what: str, exc: BaseException) -> str:
    text = f"Could not {what}: {type(exc).__name__}: {exc}"
    print(text, file=sys.stderr)
    traceback.print_exception(exc, file=sys.stderr)
    return text


def _restore_from(trainer: Trainer, donor: Checkpoint, previous: NetworkSpec,
                  renames: dict[str, str] | None = None) -> str | None:
    """On the worker thread, right after it adopted a spec: saved weights back in (see SpecEdit)."""
    from engine.core.network import Network
    from engine.files.transplant import restore_layers

    restored = restore_layers(trainer.network, Network(donor.spec, np.array(donor.params)), previous, renames)
    if not restored:
        return None
    trainer.clear_divergence()
    trainer.record()
    return f"{', '.join(restored)} came back with {'its' if len(restored) == 1 else 'their'} trained weights."


class SafeCommand(QUndoCommand):
    """An undo command that cannot leave the document half-changed.

    `forward()` / `backward()` set the held values. When one raises, the other side is set
    again (the document as it was), the user is told, and the command marks itself
    obsolete: Qt then drops it from the stack instead of moving the index past it."""

    def __init__(self, document: "Document", text: str) -> None:
        super().__init__(text)
        self.document = document

    def forward(self) -> None:
        raise NotImplementedError

    def backward(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        self._run(self.forward, self.backward, "redo")

    def undo(self) -> None:
        self._run(self.backward, self.forward, "undo")

    def _run(self, do: Callable[[], None], back: Callable[[], None], verb: str) -> None:
        try:
            do()
        except Exception as exc:  # any failure: put things back, tell the user, drop this step
            text = report_failure(f"{verb} “{self.text()}”", exc)
            try:
                back()
            except Exception as again:  # the way back failed too: say so, the run is still usable
                text += "; " + report_failure("restore the previous state", again)
            self.setObsolete(True)
            self.document.message.emit("error", text)


class ValueEdit(SafeCommand):
    """Set one part of the document to a new value; undo sets it back."""

    def __init__(self, document: "Document", apply: Callable[[Any], None], old: Any, new: Any, text: str,
                 merge_key: int = -1) -> None:
        super().__init__(document, text)
        self._apply, self.old, self.new, self._key = apply, old, new, merge_key

    def forward(self) -> None:
        self._apply(self.new)

    def backward(self) -> None:
        self._apply(self.old)

    def id(self) -> int:
        return self._key

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Slider drags become one undo step."""
        if not isinstance(other, ValueEdit) or other.id() != self._key or self._key < 0 or other.isObsolete():
            return False
        self.new = other.new
        return True


@dataclass(frozen=True)
class RunState:
    """One side of an edit that replaces the run: the network, the data and, once known,
    the run's whole trained state (so coming back restores the weights)."""

    spec: NetworkSpec
    source: DataSource
    data: Dataset
    state: Checkpoint | None = None


class RunEdit(SafeCommand):
    """New data and/or a network that re-initialises (resized, new seed): the side being left
    is saved whole (weights, optimiser, history) before the other is set."""

    def __init__(self, document: "Document", old: RunState, new: RunState, text: str, merge_key: int = -1) -> None:
        super().__init__(document, text)
        self.old, self.new, self._key = old, new, merge_key

    def forward(self) -> None:
        self.old = self.document._leave(self.old)
        self.document._apply_run(self.new)

    def backward(self) -> None:
        self.new = self.document._leave(self.new)
        self.document._apply_run(self.old)

    def id(self) -> int:
        return self._key

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, RunEdit) or other.id() != self._key or self._key < 0 or other.isObsolete():
            return False
        self.new = other.new
        return True


class StateEdit(SafeCommand):
    """A change made on the live run itself (an applied step-through update): both states held."""

    def __init__(self, document: "Document", before: Checkpoint, after: Checkpoint, text: str) -> None:
        super().__init__(document, text)
        self.before, self.after, self._done = before, after, True

    def forward(self) -> None:
        if self._done:  # pushed after the change was made on the worker
            self._done = False
            return
        self.document.run.worker.set_run(self.after.spec, self.after.data, self.after)

    def backward(self) -> None:
        self.document.run.worker.set_run(self.before.spec, self.before.data, self.before)


class SpecEdit(SafeCommand):
    """A topology edit that keeps the weights weights-preserving edits would lose: before each
    side is left, the run's state is saved (a Checkpoint) in the command, and coming back
    copies the saved weights into the layers that return (undoing a layer's removal brings
    it back as trained). Layers the edit did not touch keep what they learnt meanwhile."""

    def __init__(self, document: "Document", old: NetworkSpec, new: NetworkSpec, text: str,
                 renames: dict[str, str] | None = None) -> None:
        super().__init__(document, text)
        self.old, self.new = old, new
        self.renames = dict(renames or {})  # old name -> new name (layers renumbered by position)
        self.held: dict[str, Checkpoint | None] = {"old": None, "new": None}

    def forward(self) -> None:
        self.held["old"] = self.document._hold(self.old)
        self.document._apply_spec(self.new, self.held["new"], self.renames)

    def backward(self) -> None:
        self.held["new"] = self.document._hold(self.new)
        self.document._apply_spec(self.old, self.held["old"], {b: a for a, b in self.renames.items()})


class Document(QObject):
    specChanged = Signal(object)  # NetworkSpec
    settingsChanged = Signal(object)  # TrainSettings (immutable)
    dataChanged = Signal(object)  # Dataset
    sourceChanged = Signal(object)  # DataSource (a typed record, engine/data/sources.py)
    criterionChanged = Signal(object)  # Criterion | None
    message = Signal(str, str)  # kind, text
    trainerReplaced = Signal()  # a whole new run (preset, opened project)

    MERGE_SETTINGS, MERGE_DATA = 1, 2

    def __init__(self, run: "Run", spec: NetworkSpec, settings: TrainSettings, source: DataSource,
                 dataset: Dataset, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self.undo_stack = QUndoStack(self)
        self._spec = spec
        self._settings = settings
        self._source = typed(source)
        self._dataset = dataset
        self._criterion: Criterion | None = None
        self.preset_name: str | None = None  # the example the current run came from, if any
        # asked before big work (gui/big_work.py); tests and scripted runs put their answer here
        self.confirm_big_work: Callable[[Estimate], bool] = ask_with_message_box

    # ----- read access ---------------------------------------------------------------------
    @property
    def spec(self) -> NetworkSpec:
        return self._spec

    @property
    def settings(self) -> TrainSettings:
        return self._settings  # frozen: safe to hand out

    @property
    def source(self) -> DataSource:
        return self._source  # frozen: safe to hand out

    @property
    def dataset(self) -> Dataset:
        return self._dataset

    @property
    def criterion(self) -> Criterion | None:
        return self._criterion

    # ----- big work: asked before anything changes ------------------------------------------
    def big_work_ok(self, spec: NetworkSpec, n_points: int, batch_size: int | None, whole_run: bool = False) -> bool:
        """True when `spec` on `n_points` points is not big work, or the user chose to go on.
        An edit asks only when it makes the run big (or twice as big); a whole new run
        (`whole_run`: an opened project, an example) asks whenever it is big."""
        new = estimate_for(spec, n_points, batch_size)
        old = None if whole_run else estimate_for(self._spec, _n_points(self._dataset), self._settings.batch_size)
        return not grew_past_limit(new, old) or bool(self.confirm_big_work(new))

    # ----- edits (undoable) ----------------------------------------------------------------
    def edit_spec(self, spec: NetworkSpec, text: str = "Edit network") -> bool:
        """Push a topology/loss/seed edit; refuse (with a message) one the data cannot train."""
        spec, renames = renumbered(spec)  # layer names by position: h1, h2, ... left to right
        if spec == self._spec:
            return False
        try:
            check_compatible(spec, self._dataset)
        except SpecError as exc:
            self.message.emit("error", str(exc))
            return False
        if not self.big_work_ok(spec, _n_points(self._dataset), self._settings.batch_size):
            self.specChanged.emit(self._spec)  # the user chose to make it smaller: views show the spec kept
            return False
        if spec.seed != self._spec.seed or spec.init != self._spec.init:  # all weights re-initialised
            here = RunState(self._spec, self._source, self._dataset)
            self.undo_stack.push(RunEdit(self, here, replace(here, spec=spec), text))
            self.message.emit("reinitialised", "New seed or initialisation: all weights re-initialised, epoch 0.")
        else:
            self.undo_stack.push(SpecEdit(self, self._spec, spec, text, renames))
        return True

    def edit_loss(self, loss: str) -> bool:
        """Another loss, with the output activation it needs (cross-entropy: sigmoid)."""
        try:
            spec = with_loss(self._spec, loss)
        except (SpecError, ValueError) as exc:
            self.message.emit("error", str(exc))
            return False
        return self.edit_spec(spec, "Change loss")

    def edit_settings(self, settings: TrainSettings, text: str = "Change settings", merge: bool = False) -> bool:
        try:
            settings.validate()
        except ValueError as exc:
            self.message.emit("error", str(exc))
            return False
        if settings == self._settings:
            return False
        key = self.MERGE_SETTINGS if merge else -1
        self.undo_stack.push(ValueEdit(self, self._apply_settings, self._settings, settings, text, key))
        return True

    def edit_optimizer(self, text: str, merge: bool = False, **changes: Any) -> bool:
        s = self._settings
        try:
            optimizer = replace(s.optimizer, **changes)
        except TypeError as exc:  # a field the optimiser settings do not have
            self.message.emit("error", str(exc))
            return False
        return self.edit_settings(replace(s, optimizer=optimizer), text, merge)

    def edit_criterion(self, criterion: Criterion | None, text: str = "Change stopping criterion") -> bool:
        if criterion == self._criterion:
            return False
        self.undo_stack.push(ValueEdit(self, self._apply_criterion, self._criterion, criterion, text))
        return True

    def edit_source(self, source: DataSource, text: str = "Change data", merge: bool = False,
                    adapt_network: bool = False) -> bool:
        """New data (undoable), read once here and held by the command. With adapt_network, a
        network whose inputs or outputs do not fit the new data is resized to fit (hidden
        layers kept) in the same undo step."""
        typed(source)
        if source == self._source:
            return False
        try:
            data = dataset_from_source(source)
        except (ValueError, KeyError, TypeError, OSError) as exc:
            self.message.emit("error", f"Cannot use this data: {exc}")
            return False
        return self.edit_data(data, source, text, merge, adapt_network)

    def edit_data(self, data: Dataset, source: DataSource, text: str = "Change data", merge: bool = False,
                  adapt_network: bool = False) -> bool:
        typed(source)
        spec = self._spec
        try:
            check_compatible(spec, data)
        except SpecError as exc:
            fitted = fitted_spec(spec, data) if adapt_network else None
            if fitted is None:
                self.message.emit("error", str(exc))
                return False
            spec = fitted
        if not self.big_work_ok(spec, _n_points(data), self._settings.batch_size):
            return False
        here = RunState(self._spec, self._source, self._dataset)
        key = self.MERGE_DATA if merge and spec == self._spec else -1
        self.undo_stack.push(RunEdit(self, here, RunState(spec, source, data), text, key))
        if spec != here.spec:
            self.message.emit("info", f"The network now has {spec.n_inputs} inputs and {spec.n_outputs} outputs to fit the data.")
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
        """A fresh random sample of the same recipe (the next seed)."""
        src = self._source
        if not isinstance(src, (PlanarSource, CsvSource)):
            self.message.emit("error", f"Cannot use this data: a {src.kind} source has no seed to change")
            return False
        return self.edit_source(replace(src, seed=src.seed + 1), "Regenerate data")

    def edit_weight(self, layer: int, source: int, row: int, col: int, value: float) -> bool:
        """Set one weight (undoable). The value it replaces is read from the live network,
        not from the last drawn picture (which lags while training, or has another shape)."""
        def live(t: Trainer) -> float | None:
            ws = t.network.weights
            if not (0 <= layer < len(ws) and 0 <= source < len(ws[layer])):
                return None
            block = ws[layer][source]
            return float(block[row, col]) if 0 <= row < block.shape[0] and 0 <= col < block.shape[1] else None

        try:
            old = self.run.query(live)
        except Exception as exc:  # the worker could not answer (stopped, busy for too long)
            self.message.emit("error", report_failure("read the weight", exc))
            return False
        if old is None:
            self.message.emit("error", "That weight no longer exists: the network was changed. Try again on the new drawing.")
            return False
        value = float(value)
        if not np.isfinite(value):
            self.message.emit("error", f"A weight must be a finite number, not {value}")
            return False

        def apply(v: float) -> None:
            self.run.worker.set_weight(layer, source, row, col, v)

        self.undo_stack.push(ValueEdit(self, apply, old, value, f"Set weight to {value:.3g}"))
        return True

    def apply_step(self, walk: "StepThrough") -> bool:
        """A step-through's update done on the live run, as one undoable edit."""
        try:
            before = self.run.checkpoint()
            message = self.run.query(walk.apply)
            after = self.run.checkpoint()
        except Exception as exc:  # a stale step-through, or the worker could not answer
            self.message.emit("error", f"Could not apply the step: {exc}")
            return False
        if message:
            self.message.emit("info", str(message))
        self.undo_stack.push(StateEdit(self, before, after, "Apply step"))
        return True

    # ----- appliers: the only places the document changes ---------------------------------
    def _apply_spec(self, spec: NetworkSpec, donor: Checkpoint | None = None, renames: dict[str, str] | None = None) -> None:
        """`donor`: a saved run whose trained weights go into the layers this spec brings back;
        `renames` (old -> new name): layers renumbered by position keep their weights."""
        self.run.worker.set_spec(spec, renames)
        if donor is not None:
            previous = self._spec
            self.run.worker.call(lambda trainer: _restore_from(trainer, donor, previous, renames))
        self._spec = spec
        self.specChanged.emit(spec)

    def _hold(self, spec: NetworkSpec) -> Checkpoint | None:
        """The live run's state when it is the run of `spec` (else None: nothing to give back)."""
        try:
            state = self.run.checkpoint()
        except Exception as exc:  # the worker could not answer: coming back gives fresh weights
            self.message.emit("info", report_failure("keep the current weights for undo", exc))
            return None
        return state if state.spec == spec else None

    def _apply_settings(self, settings: TrainSettings) -> None:
        self.run.worker.set_settings(settings)
        self._settings = settings
        self.settingsChanged.emit(settings)

    def _apply_criterion(self, criterion: Criterion | None) -> None:
        self._criterion = criterion
        self.criterionChanged.emit(criterion)

    def _leave(self, side: RunState) -> RunState:
        """`side` (the state in force now) with the live run's whole state saved into it."""
        try:
            state = self.run.checkpoint()
        except Exception as exc:  # the worker could not answer: coming back starts from fresh weights
            self.message.emit("info", report_failure("keep the current weights for undo", exc))
            return replace(side, state=None)
        if state.spec != side.spec or state.data is not side.data:
            return replace(side, state=None)  # not the run this side describes
        return replace(side, state=state)

    def _apply_run(self, side: RunState) -> None:
        """Spec and data together (one of them alone may not fit the other)."""
        self.run.worker.set_run(side.spec, side.data, side.state)
        spec_changed = side.spec != self._spec
        self._spec = side.spec
        self._source = typed(side.source)
        self._dataset = side.data
        if spec_changed:
            self.specChanged.emit(side.spec)
        self.sourceChanged.emit(self._source)
        self.dataChanged.emit(side.data)

    # ----- whole runs (presets, opened projects): not undoable, clears the stack -----------
    def adopt(self, trainer: Trainer, source: DataSource | None = None, preset_name: str | None = None,
              criterion: Criterion | None = None) -> None:
        """Make `trainer` the current run: its spec, data and settings become the document.
        `source` None: the data's own (else the example's, else its points written out).
        Everything that can fail (the first picture) is done before anything is replaced."""
        if source is None:
            source = trainer.data.source or (PresetSource(preset_name) if preset_name else source_of(trainer.data))
        typed(source)
        if len(trainer.history) == 0:
            trainer.record()
        # The trainer is still ours (the worker has not got it yet): draw its state now, so
        # no view shows the previous run's last frame in between.
        snap = trainer.snapshot(self.run.worker.grid_resolution)
        if criterion is None and preset_name:
            criterion = _preset_criterion(preset_name)
        self.run.pause()
        self.undo_stack.clear()
        self.preset_name = preset_name
        self._spec = trainer.spec
        self._settings = trainer.settings
        self._dataset = trainer.data
        self._source = source
        self.run.worker.replace_trainer(trainer)
        self.specChanged.emit(self._spec)
        self.settingsChanged.emit(self._settings)
        self.sourceChanged.emit(self._source)
        self.dataChanged.emit(self._dataset)
        self._apply_criterion(criterion)
        self.run.show(snap)
        self.trainerReplaced.emit()


def _n_points(data: Dataset) -> int:
    return len(data.x_train) + len(data.x_test)


def _preset_criterion(name: str) -> Criterion | None:
    from engine.presets import PRESETS

    preset = PRESETS.get(name)
    return getattr(preset, "criterion", None)
