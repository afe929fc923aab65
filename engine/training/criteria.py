"""Stopping criteria of the 1986 experiments, testable on outputs, a trainer or a history.

- ``tss``: total sum of squares over the training set, sum (t - o)^2 (no 1/2), below a
  threshold (the Handbook's ``ecrit``, 0.04).
- ``within``: every output of every training pattern within `threshold` of its target; with
  0/1 targets and 0.2 this is also the family-trees rule "on-units > 0.8, off-units < 0.2".
- ``accuracy``: the fraction of patterns classified right (on the train or the test set)
  at least `threshold` (used for the playground sets, which have no paper criterion).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.data.datasets import accuracy

if TYPE_CHECKING:
    from engine.training.trainer import Trainer

KINDS = ("tss", "within", "accuracy")


@dataclass(frozen=True)
class Criterion:
    kind: str
    threshold: float
    on: str = "train"  # which set `accuracy` is measured on: train | test

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown criterion {self.kind!r}; choose one of {', '.join(KINDS)}")
        if self.on not in ("train", "test"):
            raise ValueError(f"a criterion is measured on train or test, not {self.on!r}")
        if not self.threshold > 0:
            raise ValueError(f"criterion threshold must be positive, not {self.threshold}")

    @property
    def text(self) -> str:
        if self.kind == "tss":
            return f"tss = Σ(t − o)² < {self.threshold:g}"
        if self.kind == "within":
            return f"every output within {self.threshold:g} of its target"
        return f"{self.on} accuracy ≥ {self.threshold:.0%}"

    # ----- testing ---------------------------------------------------------------------------
    def patterns_right(self, outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Per pattern: are all its outputs within the threshold (the per-pattern rule)?"""
        margin = self.threshold if self.kind == "within" else 0.2
        return np.all(np.abs(outputs - targets) < margin, axis=1)

    def met_outputs(self, outputs: np.ndarray, targets: np.ndarray, low: float = 0.0, high: float = 1.0) -> bool:
        """Targets are in the output activation's range (as the trainer holds them)."""
        if self.kind == "tss":
            return tss(outputs, targets) < self.threshold
        if self.kind == "within":
            return bool(np.all(np.abs(outputs - targets) < self.threshold))
        canon = (targets - low) / (high - low)
        return accuracy(outputs, canon, "binary" if targets.shape[1] == 1 else "vector", low, high) >= self.threshold

    def met(self, trainer: "Trainer") -> bool:
        """Does the trainer's network meet the criterion now?"""
        x, y = (trainer.x_test, trainer.y_test) if self.on == "test" else (trainer.x_train, trainer.y_train)
        if len(x) == 0:
            return False
        return self.met_outputs(trainer.network.predict(x), y, *trainer.output_range)

    def loss_line(self, reduction: str, n_patterns: int) -> float | None:
        """The training-loss value equivalent to a tss criterion (loss = ½Σ, mean or sum), else None."""
        if self.kind != "tss":
            return None
        return self.threshold / 2 / (n_patterns if reduction == "mean" else 1)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "Criterion":
        return Criterion(str(d["kind"]), float(d["threshold"]), str(d.get("on", "train")))


def tss(outputs: np.ndarray, targets: np.ndarray) -> float:
    d = outputs - targets
    return float(np.einsum("ij,ij->", d, d))


def criterion_reached_epoch(history: np.ndarray, loss_threshold: float | None = None, accuracy_threshold: float | None = None, column: str = "train") -> int | None:
    """First recorded epoch whose loss is <= loss_threshold (or accuracy >= accuracy_threshold).

    `history` is the (n, 5) array of Snapshot.history / History.array(): epoch, train_loss,
    test_loss, train_acc, test_acc. None when not (yet) reached.
    """
    if len(history) == 0 or (loss_threshold is None and accuracy_threshold is None):
        return None
    col = 1 if column == "train" else 2
    if loss_threshold is not None:
        hit = history[:, col] <= loss_threshold
    else:
        hit = history[:, col + 2] >= accuracy_threshold
    idx = np.flatnonzero(hit)
    return int(history[idx[0], 0]) if len(idx) else None
