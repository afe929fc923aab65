"""The messages the GUI sends to the training worker: one frozen dataclass per command.

Typed commands instead of ("name", args) tuples: a handler is found by the command's
class, a misspelt command is an import error rather than a silent getattr miss, and every
command carries plain immutable values (specs, read-only data sets, checkpoints).
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

if TYPE_CHECKING:
    from engine.core.spec import NetworkSpec
    from engine.data.datasets import Dataset
    from engine.training.checkpoint import Checkpoint
    from engine.training.trainer import Trainer, TrainSettings


@dataclass(frozen=True)
class Play:
    until_epoch: int | None = None
    number: int = 0  # the GUI's count of play commands: a 'stopped' event names the one it ends


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Step:
    epochs: int = 1


@dataclass(frozen=True)
class Reset:
    seed: int | None = None


@dataclass(frozen=True)
class SetSpeed:
    epochs_per_second: float | None  # None = full speed


@dataclass(frozen=True)
class SetSpec:
    spec: "NetworkSpec"
    renames: tuple[tuple[str, str], ...] = ()  # (old name, new name): layers renumbered by position


@dataclass(frozen=True)
class SetSettings:
    settings: "TrainSettings"


@dataclass(frozen=True)
class SetData:
    data: "Dataset"


@dataclass(frozen=True)
class SetRun:
    """A network and data at once (fresh weights), or a whole saved state when `state` is given."""

    spec: "NetworkSpec"
    data: "Dataset"
    state: "Checkpoint | None" = None


@dataclass(frozen=True)
class SetWeight:
    layer: int
    source: int
    row: int
    col: int
    value: float


@dataclass(frozen=True)
class SetParams:
    params: np.ndarray  # read-only copy


@dataclass(frozen=True)
class ReplaceTrainer:
    trainer: "Trainer"
    generation: int


@dataclass(frozen=True)
class Call:
    """Run fn(trainer) between chunks; a returned string is reported as info."""

    fn: Callable[["Trainer"], str | None]


@dataclass(frozen=True)
class Query:
    """Run fn(trainer) between chunks and hand the result back to a waiting caller."""

    fn: Callable[["Trainer"], Any]
    result: Future


Command = Play | Pause | Step | Reset | SetSpeed | SetSpec | SetSettings | SetData | SetRun | SetWeight | SetParams | ReplaceTrainer | Call | Query

ALL_COMMANDS: tuple[type, ...] = (Play, Pause, Step, Reset, SetSpeed, SetSpec, SetSettings, SetData, SetRun,
                                  SetWeight, SetParams, ReplaceTrainer, Call, Query)
