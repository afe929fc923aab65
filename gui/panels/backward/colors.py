"""One diverging colour scheme for every backward-pass view: sign by hue, size by strength.

Positive = blue, negative = orange (the browser playground's convention), zero = pale grey,
so an activation, a delta, a gradient and a weight read the same way everywhere.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

POSITIVE = (8, 119, 189)
NEGATIVE = (245, 147, 34)
ZERO = (235, 235, 235)


def diverging(t: float) -> QColor:
    """t in [-1, 1] -> colour; values outside are clipped."""
    t = float(np.clip(t, -1.0, 1.0)) if np.isfinite(t) else 0.0
    end = POSITIVE if t >= 0 else NEGATIVE
    a = abs(t)
    return QColor(*(int(round(z + (e - z) * a)) for z, e in zip(ZERO, end)))


def strength(value: float, scale: float) -> float:
    """Signed square root of value/scale: small deltas stay visible beside big ones, order kept."""
    t = float(value) / scale if scale else 0.0
    return float(np.sign(t) * np.sqrt(min(abs(t), 1.0))) if np.isfinite(t) else 0.0


def lookup_table(n: int = 256) -> np.ndarray:
    """(n, 3) uint8 table for pyqtgraph images with levels (-s, s)."""
    ts = np.linspace(-1.0, 1.0, n)
    rows = [diverging(t) for t in ts]
    return np.array([(c.red(), c.green(), c.blue()) for c in rows], dtype=np.uint8)


def scale_of(values) -> float:
    """Largest magnitude among arrays (1.0 when all are zero), for symmetric colour levels."""
    peak = 0.0
    for v in values:
        v = np.asarray(v)
        if v.size:
            m = float(np.nanmax(np.abs(v)))
            if np.isfinite(m):
                peak = max(peak, m)
    return peak if peak > 0 else 1.0


def short(v: float) -> str:
    """Compact number for drawing on a node or edge."""
    v = float(v)
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e4:
        return f"{v:.3f}".rstrip("0").rstrip(".") if abs(v) >= 0.1 else f"{v:.3g}"
    return f"{v:.1e}".replace("e-0", "e-").replace("e+0", "e")
