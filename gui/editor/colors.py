"""Colours of the editor: weight pens by sign and magnitude, a diverging LUT for unit maps.

Orange = negative, blue = positive, as in the browser playground, so people who know it
read our pictures at once. Pens are binned by magnitude and made once, so a live update
only picks a bin index per weight (vectorised) instead of building pens. Pens are opaque
(faded toward the canvas colour instead of translucent) with flat caps: Qt's raster engine
strokes those about 10x faster than translucent round-capped lines.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette, QPen

NEGATIVE = QColor("#f59322")
POSITIVE = QColor("#0877bd")
NEUTRAL = QColor("#e8eaed")
CANVAS = QColor("#fbfbfd")
GRID_MINOR = QColor("#eef0f4")
GRID_MAJOR = QColor("#e2e5eb")
TEXT = QColor("#263238")
TEXT_DIM = QColor("#78838c")
HEADER = QColor("#ffffff")
HEADER_BORDER = QColor("#c5cad3")
SELECTED = QColor("#3b82f6")
ACCENT = QColor("#0f766e")
DANGER = QColor("#c62828")
INSERT_MARK = QColor("#16a34a")

LIGHT = {"CANVAS": CANVAS, "GRID_MINOR": GRID_MINOR, "GRID_MAJOR": GRID_MAJOR, "TEXT": TEXT, "TEXT_DIM": TEXT_DIM,
         "HEADER": HEADER, "HEADER_BORDER": HEADER_BORDER}
dark_mode = False  # the editor follows its palette (use_palette): light constants above, or dark ones


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """a + t (b - a), per channel."""
    return QColor(*(round(x + (y - x) * t) for x, y in zip(a.getRgb()[:3], b.getRgb()[:3])))


def use_palette(palette: QPalette) -> bool:
    """Take the canvas colours from a palette: a dark window colour switches the editor to its
    dark look (cards, grid, text and the weight pens' fade), a light one restores the light
    look. Returns whether anything changed (then views must repaint)."""
    global dark_mode, WEIGHT_PENS
    window = palette.color(QPalette.ColorRole.Window)
    dark = window.lightness() < 128
    if dark == dark_mode:
        return False
    dark_mode = dark
    if dark:
        canvas = QColor(palette.color(QPalette.ColorRole.Base))
        text = QColor(palette.color(QPalette.ColorRole.Text))
        card = QColor(palette.color(QPalette.ColorRole.AlternateBase))
        if card.lightness() <= canvas.lightness():
            card = mix(canvas, text, 0.08)
        values = {"CANVAS": canvas, "GRID_MINOR": mix(canvas, text, 0.05), "GRID_MAJOR": mix(canvas, text, 0.11),
                  "TEXT": text, "TEXT_DIM": mix(text, canvas, 0.4), "HEADER": card, "HEADER_BORDER": mix(card, text, 0.25)}
    else:
        values = dict(LIGHT)
    globals().update(values)
    WEIGHT_PENS = _make_pens()
    return True


WEIGHT_BINS = 12  # magnitude bins per sign
WEIGHT_SATURATION = 3.0  # |w| at and above this draws with the widest pen
MIN_WIDTH, MAX_WIDTH = 0.6, 6.0


def faded(color: QColor, strength: float) -> QColor:
    """`color` mixed with the canvas colour: strength 1 = the colour, 0 = the canvas."""
    return QColor(*(round(c * strength + b * (1.0 - strength)) for c, b in
                    zip(color.getRgb()[:3], CANVAS.getRgb()[:3])))


def weight_colour(sign_positive: bool) -> QColor:
    return POSITIVE if sign_positive else NEGATIVE


def _make_pens() -> list[QPen]:
    pens = []
    for base in (NEGATIVE, POSITIVE):
        for b in range(WEIGHT_BINS):
            t = b / (WEIGHT_BINS - 1)
            pen = QPen(faded(base, 0.25 + 0.75 * t), MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * t)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            pens.append(pen)
    return pens


WEIGHT_PENS = _make_pens()  # index = sign * WEIGHT_BINS + bin (sign 0 = negative)


def weight_pen_index(weights: np.ndarray, saturation: float = WEIGHT_SATURATION) -> np.ndarray:
    """Pen index per weight: sign picks the colour, |w| the width and opacity.

    `saturation`: the magnitude drawn widest (overlays of tiny gradients pass their own max).
    """
    w = np.nan_to_num(np.asarray(weights, dtype=np.float64), nan=0.0)
    mag = np.minimum(np.abs(w) / max(float(saturation), 1e-300), 1.0)
    bins = np.rint(mag * (WEIGHT_BINS - 1)).astype(np.intp)
    return np.where(w >= 0, WEIGHT_BINS, 0) + bins


def _diverging_lut() -> np.ndarray:
    """256 x 4 uint8 BGRA (QImage.Format_ARGB32 byte order on little-endian) orange-white-blue."""
    t = np.linspace(-1.0, 1.0, 256)[:, None]
    neg = np.array([NEGATIVE.red(), NEGATIVE.green(), NEGATIVE.blue()], dtype=float)
    pos = np.array([POSITIVE.red(), POSITIVE.green(), POSITIVE.blue()], dtype=float)
    mid = np.array([NEUTRAL.red(), NEUTRAL.green(), NEUTRAL.blue()], dtype=float)
    rgb = np.where(t < 0, mid + (neg - mid) * (-t), mid + (pos - mid) * t)
    lut = np.empty((256, 4), dtype=np.uint8)
    lut[:, 0] = rgb[:, 2]
    lut[:, 1] = rgb[:, 1]
    lut[:, 2] = rgb[:, 0]
    lut[:, 3] = 255
    return lut


LUT = _diverging_lut()

# value ranges mapped onto the diverging scale; unbounded activations use [-1, 1] like the
# playground so a ReLU unit at 0 shows neutral and its active region blue
LEVELS = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0)}
DEFAULT_LEVELS = (-1.0, 1.0)


def levels_for(activation: str | None) -> tuple[float, float]:
    return LEVELS.get(activation or "", DEFAULT_LEVELS)


def pattern_mosaics(values: np.ndarray) -> np.ndarray:
    """(patterns, units) activations -> (units, side, side) maps, pattern 0 top-left, read
    row by row; padding is NaN (drawn neutral). Used where there is no input plane."""
    n, units = values.shape
    side = max(1, int(np.ceil(np.sqrt(n))))
    out = np.full((units, side * side), np.nan, dtype=np.float32)
    out[:, :n] = values.T
    # grid_to_image puts row 0 at the bottom (y up); flip so pattern 0 lands top-left
    return out.reshape(units, side, side)[:, ::-1, :]


def grid_to_image(grid: np.ndarray, levels: tuple[float, float]) -> QImage:
    """(res, res) float map, row index = y, to a QImage with y pointing up."""
    return grids_to_images(np.asarray(grid)[None], levels)[0]


def grids_to_images(grids: np.ndarray, levels: tuple[float, float]) -> list[QImage]:
    """(units, res, res) float maps, row index = y, to one QImage each with y pointing up.

    One colour lookup for the whole stack: a layer's maps are coloured in a handful of NumPy
    calls instead of a handful per unit (the editor redraws them 20 times a second)."""
    lo, hi = levels
    g = np.nan_to_num(np.asarray(grids, dtype=np.float32)[:, ::-1], nan=(lo + hi) / 2)
    g = np.clip(g, lo, hi)  # also tames the huge values of a diverged network
    idx = ((g - lo) * (255.0 / (hi - lo))).astype(np.uint8)
    rgba = np.ascontiguousarray(LUT[idx])
    _, h, w = idx.shape
    # copy(): each image owns its pixels, the NumPy buffer goes away
    return [QImage(rgba[i].data, w, h, 4 * w, QImage.Format.Format_ARGB32).copy() for i in range(len(rgba))]


def finite_ranges(grids: np.ndarray) -> list[tuple[float, float] | None]:
    """Each map's (min, max) over its finite values; None for a map with none."""
    g = np.asarray(grids, dtype=np.float64).reshape(len(grids), -1)
    finite = np.isfinite(g)
    lows = np.where(finite, g, np.inf).min(axis=1)
    highs = np.where(finite, g, -np.inf).max(axis=1)
    return [(float(a), float(b)) if ok else None for a, b, ok in zip(lows, highs, finite.any(axis=1))]
