"""An epoch timeline with bounded memory, for replaying earlier states of a run.

Entries are kept at least `stride` epochs apart. When there are more than `capacity`,
every other one is dropped and the stride doubles, so a run of any length keeps at most
`capacity` evenly spread entries (plus the newest state, kept separately so the end of
the slider is always "now"). Entries share the snapshot's read-only parameter arrays, so
offering a snapshot copies nothing.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.core.network import Network
from engine.core.spec import NetworkSpec

if TYPE_CHECKING:
    from engine.data.datasets import Dataset
    from engine.training.snapshot import Snapshot
    from engine.training.trainer import TrainSettings

Array = np.ndarray


@dataclass(frozen=True)
class TimelineEntry:
    epoch: int
    params: Array  # read-only flat parameter vector
    loss: float
    spec: NetworkSpec


class Timeline:
    def __init__(self, capacity: int = 256) -> None:
        if capacity < 2:
            raise ValueError("a timeline needs room for at least 2 entries")
        self.capacity = capacity
        self.stride = 1
        self._kept: list[TimelineEntry] = []
        self._latest: TimelineEntry | None = None

    def clear(self) -> None:
        self._kept.clear()
        self._latest = None
        self.stride = 1

    # ----- recording ---------------------------------------------------------------------
    def offer(self, epoch: int, params: Array, loss: float, spec: NetworkSpec) -> bool:
        """Record a state; returns whether it was kept as a timeline entry.

        A new spec or an epoch earlier than the newest one (a reset) starts a new timeline:
        replaying weights through a different topology would mean nothing.
        """
        if self._latest is not None and (spec != self._latest.spec or epoch < self._latest.epoch):
            self.clear()
        if not params.flags.writeable:
            stored = params
        else:
            stored = params.copy()
            stored.flags.writeable = False
        entry = TimelineEntry(int(epoch), stored, float(loss), spec)
        self._latest = entry
        if self._kept and epoch - self._kept[-1].epoch < self.stride:
            return False
        self._kept.append(entry)
        if len(self._kept) > self.capacity:
            self._kept = self._kept[::2]
            self.stride *= 2
        return True

    def offer_snapshot(self, snapshot: "Snapshot") -> bool:
        return self.offer(snapshot.epoch, snapshot.params, snapshot.train_loss, snapshot.spec)

    # ----- reading --------------------------------------------------------------------------
    def entries(self) -> list[TimelineEntry]:
        """Kept entries in epoch order, ending with the newest state."""
        out = list(self._kept)
        if self._latest is not None and (not out or out[-1] is not self._latest):
            out.append(self._latest)
        return out

    def __len__(self) -> int:
        return len(self.entries())

    def nbytes(self) -> int:
        return sum(e.params.nbytes for e in self.entries())

    def epochs(self) -> Array:
        return np.array([e.epoch for e in self.entries()], dtype=np.int64)

    def at(self, epoch: int) -> TimelineEntry:
        """The latest entry at or before `epoch` (the first entry when earlier than all)."""
        entries = self.entries()
        if not entries:
            raise LookupError("the timeline is empty")
        i = bisect.bisect_right([e.epoch for e in entries], epoch) - 1
        return entries[max(i, 0)]

    def path(self, indices: list[int]) -> tuple[Array, Array, Array]:
        """(epochs, parameter values (n, len(indices)), losses) of the kept states."""
        entries = self.entries()
        epochs = np.array([e.epoch for e in entries], dtype=np.int64)
        values = np.array([[e.params[i] for i in indices] for e in entries]).reshape(len(entries), len(indices))
        losses = np.array([e.loss for e in entries])
        return epochs, values, losses

    def snapshot_at(
        self,
        epoch: int,
        data: "Dataset",
        grid_resolution: int | None = None,
        history: Array | None = None,
        settings: "TrainSettings | None" = None,
    ) -> "Snapshot":
        """A full Snapshot of the state at `epoch` (boundaries, weights, loss), built on a copy.

        `history` (the live snapshot's rows) is cut at that epoch so loss plots replay too.
        """
        from engine.training.trainer import Trainer  # trainer imports snapshot; keep this module light

        entry = self.at(epoch)
        trainer = Trainer(entry.spec, data, settings, network=Network(entry.spec, entry.params))
        trainer.epoch = entry.epoch
        if history is not None and len(history):
            trainer.history.load(history[history[:, 0] <= entry.epoch])
        return trainer.snapshot(grid_resolution)
