"""Where things go on the canvas: one column per node (all input groups share column 0).

Pure geometry so the scene, the drop handler and the tests agree on the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.core.features import FEATURES
from engine.core.spec import NetworkSpec

UNIT = 40.0  # thumbnail side (columns of up to COMPACT_FROM - 1 units)
PITCH = 50.0  # vertical distance between unit centres
COMPACT = ((10, 40.0, 50.0), (20, 30.0, 37.0), (1 << 30, 22.0, 27.0))  # (max rows, side, pitch)
COLUMN_WIDTH = 136.0
COLUMN_SPACING = 196.0
HEADER_HEIGHT = 54.0
HANDLE_HEIGHT = 14.0
GROUP_GAP = 40.0  # between stacked input groups
MAX_DRAWN_UNITS = 32  # a bigger column shows this many minus one, then "+N more"


def drawn_units(units: int) -> int:
    return units if units <= MAX_DRAWN_UNITS else MAX_DRAWN_UNITS - 1


def unit_metrics(units: int) -> tuple[float, float]:
    """(thumbnail side, pitch): tall columns get smaller thumbnails so they stay readable."""
    for max_rows, side, pitch in COMPACT:
        if units <= max_rows:
            return side, pitch
    return COMPACT[-1][1], COMPACT[-1][2]


def body_height(units: int) -> float:
    """Height of a column's unit area (room for the "+N more" row when capped)."""
    rows = units if units <= MAX_DRAWN_UNITS else MAX_DRAWN_UNITS
    return rows * unit_metrics(units)[1]


def column_x(column: int) -> float:
    return column * COLUMN_SPACING


@dataclass(frozen=True)
class NodePlace:
    name: str
    column: int
    x: float
    top: float  # top of the unit area (the header sits above it)
    rows: int  # unit slots shown (features: all 7, enabled or not)


def places(spec: NetworkSpec) -> list[NodePlace]:
    """Positions of every node, inputs first, each column centred on y = 0."""
    out: list[NodePlace] = []
    if spec.features is not None and len(spec.inputs) == 1:
        rows = [len(FEATURES)]
    else:
        rows = [g.size for g in spec.inputs]
    heights = [body_height(r) for r in rows]
    total = sum(heights) + (HEADER_HEIGHT + GROUP_GAP) * (len(rows) - 1)
    y = -total / 2
    for g, r, h in zip(spec.inputs, rows, heights):
        out.append(NodePlace(g.name, 0, column_x(0), y, r))
        y += h + HEADER_HEIGHT + GROUP_GAP
    for i, layer in enumerate(spec.layers):
        h = body_height(layer.units)
        out.append(NodePlace(layer.name, i + 1, column_x(i + 1), -h / 2, layer.units))
    return out


def insert_index_at(x: float, n_layers: int) -> int:
    """Layer index a drop at scene x inserts before (never after the output)."""
    left = sum(1 for c in range(n_layers + 1) if column_x(c) < x)
    return max(0, min(left - 1, n_layers - 1))


def gap_x(index: int) -> float:
    """Scene x of the gap in front of layer `index` (where the insert marker is drawn)."""
    return (column_x(index) + column_x(index + 1)) / 2
