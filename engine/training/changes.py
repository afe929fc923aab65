"""What a change of network, data or whole run means for a training run: the next Trainer.

Each function builds a new trainer from the old one and leaves the old one untouched, so a
change that fails half-way (a spec the data cannot train, say) leaves the run as it was.
The GUI's worker swaps the new trainer in; a script can use them the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from engine.core.network import Network
from engine.core.spec import NetworkSpec
from engine.data.datasets import Dataset
from engine.files.transplant import same_topology, transplant
from engine.training.checkpoint import Checkpoint
from engine.training.trainer import Trainer

REINITIALISED = "New seed or initialisation: all weights re-initialised, epoch 0."


@dataclass(frozen=True)
class Note:
    """What the user should be told about a change: kind 'reinitialised' or 'info'."""

    kind: str
    text: str


def with_spec(old: Trainer, spec: NetworkSpec, renames: Mapping[str, str] | None = None) -> tuple[Trainer, Note | None]:
    """The run with another network. Same seed and initialisation: every weight that still
    fits is kept (transplanted) and training goes on; otherwise fresh weights at epoch 0.
    `renames` (old -> new layer name): layers renumbered by position keep their weights."""
    keep_weights = spec.seed == old.spec.seed and spec.init == old.spec.init
    if keep_weights:
        network, report = transplant(old.network, spec, renames)
    else:
        network, report = Network(spec), None
    new = Trainer(spec, old.data, old.settings, network=network, history_limit=old.history.limit)
    new.epoch_hook = old.epoch_hook
    if not keep_weights:
        new.record()
        return new, Note("reinitialised", REINITIALISED)
    new.epoch = old.epoch
    new.history = old.history
    new.passes, new.seconds = old.passes, old.seconds  # the same run goes on
    new.record()
    if not same_topology(spec, old.spec) and report is not None and (report.fresh or report.partial):
        return new, Note("reinitialised" if report.reinitialised else "info", "Network changed: " + report.message() + ".")
    return new, None


def with_data(old: Trainer, data: Dataset) -> Trainer:
    """The same network on new data, from fresh weights (as the browser playground does)."""
    new = Trainer(old.spec, data, old.settings, history_limit=old.history.limit)
    new.epoch_hook = old.epoch_hook
    new.record()
    return new


def with_run(old: Trainer, spec: NetworkSpec, data: Dataset, state: Checkpoint | None = None) -> Trainer:
    """A network and data at once: fresh weights, or exactly the saved `state` (an undo);
    the current hyper-parameters and a preset's schedule carry over."""
    if state is not None:
        new = state.restore(old.settings, history_limit=old.history.limit)
    else:
        new = Trainer(spec, data, old.settings, history_limit=old.history.limit)
        new.record()
    new.epoch_hook = old.epoch_hook
    return new
