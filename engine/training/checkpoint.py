"""A training run's whole state as one immutable value: what an undo step restores.

An undo command must hold the values it brings back (the data set itself, the weights),
never a path to re-read or a reference to a trainer that keeps changing. `Checkpoint.of`
copies a trainer's state into read-only arrays; `restore()` builds an equal trainer again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.core.network import Network

if TYPE_CHECKING:
    from engine.core.spec import NetworkSpec
    from engine.data.datasets import Dataset
    from engine.training.trainer import Trainer, TrainSettings


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class Checkpoint:
    spec: "NetworkSpec"
    data: "Dataset"
    settings: "TrainSettings"
    params: np.ndarray  # flat, read-only
    epoch: int
    history: np.ndarray  # (n, 5), read-only
    velocity: np.ndarray
    adam_m: np.ndarray
    adam_v: np.ndarray
    adam_t: int
    passes: int = 0  # forward/backward passes over a batch so far (the run's cost)

    @classmethod
    def of(cls, trainer: "Trainer") -> "Checkpoint":
        opt = trainer.optimizer
        return cls(
            spec=trainer.spec,
            data=trainer.data,
            settings=trainer.settings,
            params=_frozen(trainer.network.params),
            epoch=int(trainer.epoch),
            history=_frozen(trainer.history.array()),
            velocity=_frozen(opt.state.velocity),
            adam_m=_frozen(opt.state.m),
            adam_v=_frozen(opt.state.v),
            adam_t=int(opt.state.t),
            passes=int(getattr(trainer, "passes", 0)),
        )

    def restore(self, settings: "TrainSettings | None" = None, history_limit: int | None = 20_000) -> "Trainer":
        """A fresh trainer in exactly this state (optionally with other hyper-parameters)."""
        from engine.training.trainer import Trainer

        network = Network(self.spec, np.array(self.params))
        trainer = Trainer(self.spec, self.data, settings if settings is not None else self.settings,
                          network=network, history_limit=history_limit)
        trainer.optimizer.load_state({"velocity": self.velocity, "m": self.adam_m, "v": self.adam_v, "t": self.adam_t})
        trainer.epoch = self.epoch
        trainer.passes = self.passes
        if len(self.history):
            trainer.history.load(np.array(self.history))
        else:
            trainer.record()
        return trainer
