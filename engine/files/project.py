"""A project in memory (`Project`), taken from a trainer and turned back into one.

A project is everything needed to continue a run exactly: the network, the training
settings, where the data comes from, the weights, the history, the optimiser's state and
the shuffle's random state. Reading and writing it as a file is project_format.py's job.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from engine.core.network import Network
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import NetworkSpec
from engine.data.sources import DataSource, dataset_from_source, source_of
from engine.estimate import Estimate, estimate
from engine.training.trainer import Trainer, TrainSettings
from engine.validate import ProjectError


@dataclass
class Project:
    spec: NetworkSpec
    settings: TrainSettings
    data_source: DataSource  # typed (engine/data/sources.py); project_format.py writes and reads its JSON
    params: np.ndarray | None = None  # the engine's flat vector (see weights.py for the file's layout)
    history: np.ndarray | None = None  # (n, 5): epoch, train_loss, test_loss, train_acc, test_acc
    epoch: int = 0
    extra: dict = field(default_factory=dict)  # GUI state; any JSON (plain values)
    # "velocity", "m", "v" (flat like params) and "t": lets momentum/Adam continue exactly
    optimizer_state: dict | None = None
    # bit-generator state of the trainer's pattern-order shuffle, so mini-batch runs continue exactly
    order_rng: dict | None = None


def project_from_trainer(trainer: Trainer, extra: dict | None = None) -> Project:
    opt = trainer.optimizer
    return Project(
        spec=trainer.spec,
        settings=TrainSettings(
            OptimizerSettings(**asdict(trainer.settings.optimizer)), trainer.settings.batch_size, trainer.settings.shuffle,
            trainer.settings.rule,
        ),
        data_source=source_of(trainer.data),
        params=trainer.network.params.copy(),
        history=trainer.history.array(),
        epoch=trainer.epoch,
        extra=dict(extra or {}),
        optimizer_state=opt.state.as_dict(),
        order_rng=trainer.order_state,
    )


def trainer_from_project(project: Project, history_limit: int | None = 20_000,
                         allow_big: Callable[[Estimate], bool] | None = None) -> Trainer:
    """A trainer that continues where the saved one stopped (same weights, epoch, history).
    `allow_big(estimate)`: asked about a run too big for memory; without it such a run is refused."""
    data = dataset_from_source(project.data_source)  # ProjectError, one line, on any failure
    need = estimate(project.spec, len(data.x_train) + len(data.x_test), 1, project.settings.batch_size)
    if need.too_big and not (allow_big is not None and allow_big(need)):  # e.g. a big CSV under a wide network: refused before the trainer allocates
        raise ProjectError(need.memory_message())
    network = Network(project.spec, project.params) if project.params is not None else None
    try:
        trainer = Trainer(project.spec, data, project.settings, network=network, history_limit=history_limit)
    except ValueError as exc:
        raise ProjectError(f"the saved network does not fit its data: {exc}") from None
    trainer.epoch = project.epoch
    if project.history is not None and len(project.history):
        trainer.history.load(project.history)
    preset = project.extra.get("preset") if isinstance(project.extra, dict) else None
    if isinstance(preset, str):
        from engine.presets import PRESETS

        if preset in PRESETS:  # a preset's schedule (eps/alpha phases, weight decay) continues
            PRESETS[preset].attach(trainer)
    state = project.optimizer_state
    if state:
        trainer.optimizer.load_state(state)
    if project.order_rng is not None:
        try:
            trainer.order_state = project.order_rng
        except (ValueError, TypeError, KeyError, OverflowError):
            raise ProjectError("order_rng is not a valid random generator state") from None
    return trainer
