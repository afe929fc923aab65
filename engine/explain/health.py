"""Is learning going wrong? Calm, checkable conditions behind the window's hints.

- `criterion_record`: when a stopping criterion was first met on the recorded history,
  whether it was lost again afterwards, and whether it holds now (a wild learning rate can
  dip under the line once and then wreck the network: "met at epoch 1,879" alone would lie).
- `learning_hint`: one sentence when most hidden units are saturated or the loss keeps
  rising, the two faces of a learning rate that is too high. None when all looks normal.

Everything is computed from history rows and a forward pass on a copy; no NaN reaches a
message (non-finite losses are reported as "diverged" by the trainer, not here).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.core.spec import NetworkSpec
from engine.explain.blame import saturation

Array = np.ndarray
SATURATED_SHARE = 0.9  # a unit counts as saturated when it is flat on this share of the patterns
MOST_UNITS = 0.5  # hint when at least this share of hidden units is saturated ...
STRUGGLING_ACCURACY = 0.8  # ... and the training accuracy is below this (or the loss far above its best):
STRUGGLING_LOSS = 2.0  # a well-trained network may saturate its units; that is no problem
RISING_WINDOW = 20  # recorded points the loss must have been rising over
RISING_FACTOR = 1.5  # ... and end this many times above the best loss seen


@dataclass(frozen=True)
class CriterionRecord:
    """What the recorded history says about a criterion."""

    first_met: int | None  # first recorded epoch it held
    lost_at: int | None  # first recorded epoch after first_met where it no longer held
    met_now: bool  # does it hold at the newest recorded epoch
    last_met: int | None  # the newest recorded epoch it held

    def text(self, word: str = "at") -> str:
        if self.first_met is None:
            return "not met yet"
        met = f"met {word} epoch {self.first_met:,}"
        if self.lost_at is None:
            return met
        if self.met_now:
            return f"{met}, lost at epoch {self.lost_at:,}, met again now"
        return f"{met}, then lost at epoch {self.lost_at:,} — not met now"


def criterion_record(history: Array, loss_threshold: float | None = None, accuracy_threshold: float | None = None,
                     column: str = "train") -> CriterionRecord:
    """Read a loss (<= threshold) or accuracy (>= threshold) criterion off `history`
    (rows: epoch, train_loss, test_loss, train_acc, test_acc)."""
    h = np.asarray(history, dtype=float)
    if len(h) == 0 or (loss_threshold is None and accuracy_threshold is None):
        return CriterionRecord(None, None, False, None)
    col = 1 if column == "train" else 2
    with np.errstate(invalid="ignore"):
        hit = h[:, col] <= loss_threshold if loss_threshold is not None else h[:, col + 2] >= accuracy_threshold
    hit &= np.isfinite(h[:, col] if loss_threshold is not None else h[:, col + 2])
    idx = np.flatnonzero(hit)
    if not len(idx):
        return CriterionRecord(None, None, False, None)
    first = idx[0]
    misses = np.flatnonzero(~hit[first:])
    lost = int(h[first + misses[0], 0]) if len(misses) else None
    return CriterionRecord(int(h[first, 0]), lost, bool(hit[-1]), int(h[idx[-1], 0]))


def hidden_saturation(spec: NetworkSpec, params: Array, x: Array) -> float:
    """Share of hidden units that are saturated on at least SATURATED_SHARE of the patterns."""
    hidden = [layer.name for layer in spec.layers[:-1]]
    if not hidden or len(x) == 0:
        return 0.0
    sat = saturation(spec, params, x)
    flags = np.concatenate([np.asarray(sat[name]) >= SATURATED_SHARE for name in hidden])
    return float(flags.mean()) if flags.size else 0.0


def loss_keeps_rising(history: Array, window: int = RISING_WINDOW) -> bool:
    """The training loss rose over the last `window` recorded points and ends well above its best."""
    loss = np.asarray(history, dtype=float)[:, 1] if len(history) else np.empty(0)
    loss = loss[np.isfinite(loss)]
    if len(loss) < window + 1:
        return False
    recent = loss[-window:]
    rising = np.mean(np.diff(recent) > 0) >= 0.6 and recent[-1] > recent[0]
    return bool(rising and recent[-1] > RISING_FACTOR * loss.min() and recent[-1] > 1e-6)


def struggling(history: Array) -> bool:
    """The newest record is poor: training accuracy low, or the loss far above its best."""
    h = np.asarray(history, dtype=float)
    if not len(h):
        return False
    acc, loss = h[-1, 3], h[:, 1]
    if np.isfinite(acc) and acc < STRUGGLING_ACCURACY:
        return True
    finite = loss[np.isfinite(loss)]
    return bool(len(finite) and np.isfinite(loss[-1]) and loss[-1] > STRUGGLING_LOSS * finite.min() and loss[-1] > 1e-6)


def learning_hint(spec: NetworkSpec, params: Array, x: Array, history: Array, lr: float | None = None) -> str | None:
    """One calm sentence when learning looks stuck or unstable, else None."""
    rate = "" if lr is None else f" ({lr:g})"
    share = hidden_saturation(spec, params, x) if struggling(history) else 0.0
    if share >= MOST_UNITS:
        return (f"{share:.0%} of the hidden units are saturated (flat, so they barely learn): the learning "
                f"rate{rate} is probably too high. Try a smaller one and press Reset.")
    if loss_keeps_rising(history):
        return (f"The loss keeps rising: the learning rate{rate} is probably too high. "
                "Try a smaller one, or lower the momentum.")
    return None
