"""The playground's colour scheme: negative orange, zero pale grey, positive blue.

Images use pyqtgraph's fast path: float32 C-contiguous arrays, explicit levels and this
256-entry uint8 lookup table, so colours never jump between frames.
"""
from __future__ import annotations

import numpy as np

from engine.core.activations import get_activation

POSITIVE = (8, 119, 189)
NEGATIVE = (245, 147, 34)
ZERO = (235, 235, 235)
POSITIVE_HEX = "#0877bd"
NEGATIVE_HEX = "#f59322"


def diverging_lut(n: int = 256) -> np.ndarray:
    """(n, 3) uint8 table from NEGATIVE through ZERO to POSITIVE."""
    t = np.linspace(-1.0, 1.0, n)[:, None]
    zero, pos, neg = (np.array(c, dtype=float) for c in (ZERO, POSITIVE, NEGATIVE))
    rgb = np.where(t >= 0, zero + (pos - zero) * t, zero + (neg - zero) * -t)
    return np.round(rgb).astype(np.uint8)


LUT = diverging_lut()
BOUNDED = ("sigmoid", "tanh", "softmax")  # activations whose output range is fixed


def activation_levels(activation: str) -> tuple[float, float]:
    """Colour levels for a unit's output: its activation's range, or (-1, 1) when unbounded."""
    act = get_activation(activation)
    lo, hi = float(act.low), float(act.high)
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return -1.0, 1.0
    return lo, hi


def to_unit_range(values: np.ndarray, activation: str) -> np.ndarray:
    """Map activations onto [-1, 1] for colouring (unbounded activations scaled per unit).

    `values` is (units, h, w); returns a fresh float32 array.
    """
    act = get_activation(activation)
    lo, hi = float(act.low), float(act.high)
    v = np.asarray(values, dtype=np.float32)
    if activation in BOUNDED:
        return (v - np.float32((lo + hi) / 2)) * np.float32(2.0 / (hi - lo))
    peak = np.abs(v).reshape(len(v), -1).max(axis=1)
    peak[~np.isfinite(peak) | (peak == 0)] = 1.0
    return v / peak[:, None, None].astype(np.float32)


def number(value: float, digits: int = 4) -> str:
    """A readout value; a dash when there is none (e.g. test loss without test data), words
    instead of "inf" when a run has blown up (a student should never read "nan" or "inf")."""
    if value != value:
        return "—"
    if value in (float("inf"), float("-inf")):
        return "too large"
    return f"{value:.{digits}g}"
