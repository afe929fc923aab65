"""Every training pattern with its inputs, target, output and hidden activations.

The table of "internal representations" the 1986 paper reads: one row per pattern, one
narrow shaded column per unit, refreshed from each Snapshot with a single dataChanged
(the model is only reset when the dataset or the network's shape changes).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from engine.core.activations import get_activation
from engine.data.datasets import Dataset, targets_for
from engine.training.snapshot import Snapshot
from engine.explain.stepthrough import unit_name
from gui.catch_up import CatchUpWhenShown

from ..numbering import pattern_name, pattern_number

ValueRole = Qt.ItemDataRole.UserRole + 1  # the float shown in a cell (for tests and tools)
KindRole = Qt.ItemDataRole.UserRole + 2  # "input" | "target" | "output" | "hidden" | "summary"
COMPACT_OUTPUTS = 8  # with more outputs, target/output cells are shading only, plus name summaries
WIDEST_CELL = "-0.00"  # cells show two decimals of values in [-1, 1] (wider ones: see the tooltip)
CELL_PADDING = 14  # the view's cell margins plus a little air

POSITIVE = np.array([33, 102, 172])  # blue
NEGATIVE = np.array([214, 96, 28])  # orange
BLANK = np.array([255, 255, 255])


@dataclass(frozen=True)
class Column:
    kind: str  # input | target | output | hidden | summary
    label: str  # header text (short in compact mode; `name` holds the full one)
    node: str  # dataset part ("x"/"y") or node name in the snapshot
    unit: int
    low: float  # value range used for shading
    high: float
    name: str = ""

    @property
    def full_name(self) -> str:
        return self.name or self.label


def shade(value: float, low: float, high: float) -> QColor:
    """Blue for the high end, orange for negative values, white for zero."""
    if not np.isfinite(value):
        return QColor(200, 200, 200)
    if low >= 0.0:
        t = 0.0 if high == low else float(np.clip((value - low) / (high - low), 0.0, 1.0))
        rgb = BLANK + t * (POSITIVE - BLANK)
    else:
        t = float(np.clip(value / max(abs(low), abs(high)), -1.0, 1.0))
        rgb = BLANK + abs(t) * ((POSITIVE if t > 0 else NEGATIVE) - BLANK)
    return QColor(*(int(c) for c in rgb))


def _pattern_label(x: np.ndarray, names: tuple[str, ...], groups: tuple[tuple[str, int], ...]) -> str:
    """'0 1 1 0' for a few bits, the names of the on units for one-hot groups."""
    if groups and len(names) == len(x) and np.all((x == 0) | (x == 1)):
        return " ".join(names[i] for i in np.flatnonzero(x))
    if len(x) <= 8 and np.all((x == 0) | (x == 1)):
        return " ".join(str(int(v)) for v in x)
    return ", ".join(f"{v:.2f}" for v in x[:4])


class PatternTableModel(QAbstractTableModel):
    """Rows = training patterns; columns = inputs | targets | outputs | hidden units."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._data: Dataset | None = None
        self._snapshot: Snapshot | None = None
        self._columns: list[Column] = []
        self._values = np.zeros((0, 0))
        self._row_labels: list[str] = []
        self._shape_key: tuple = ()

    # ----- feeding ------------------------------------------------------------------------
    @property
    def inputs_in_row_labels(self) -> bool:
        """True when each row header already spells out the pattern's inputs."""
        d = self._data
        if d is None or d.n_inputs == 0:
            return False
        binary = bool(np.all((d.x_train == 0) | (d.x_train == 1)))
        return binary and (bool(d.input_groups) or d.n_inputs <= 8)

    def set_dataset(self, data: Dataset | None) -> None:
        self.beginResetModel()
        try:
            self._data = data
            self._snapshot = None
            self._columns, self._values = [], np.zeros((0, 0))
            self._row_labels = []
            self._shape_key = ()
            if data is not None:
                names = data.input_names if len(data.input_names) == data.n_inputs else ()
                self._row_labels = [_pattern_label(x, names, data.input_groups) for x in data.x_train]
                self._rebuild_columns(None)
        finally:  # a reset is always ended, or Qt's views are left in a broken state
            self.endResetModel()

    def _fits(self, snapshot: Snapshot) -> bool:
        """A snapshot made on this data set with a network whose output fits it. While data is
        imported during training, snapshots of the old run still arrive for a frame or two."""
        data, spec = self._data, snapshot.spec
        if data is None or snapshot.pattern_activations is None or spec is None:
            return False
        if snapshot.dataset is not None and snapshot.dataset is not data:
            return False
        out = snapshot.pattern_activations.get(spec.layers[-1].name)
        if out is None or out.shape != (len(data.x_train), data.n_outputs):
            return False
        return all(snapshot.pattern_activations.get(l.name, np.empty((0, 0))).shape == (len(data.x_train), l.units)
                   for l in spec.layers)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Take a new snapshot; signals only the changed value cells unless the shape changed."""
        if not self._fits(snapshot):
            return  # a snapshot of another data set or shape; wait for the matching one
        n = len(self._data.x_train)
        key = tuple((l.name, l.units, l.activation) for l in snapshot.spec.layers)
        if key != self._shape_key:
            self.beginResetModel()
            try:
                self._snapshot = snapshot
                self._rebuild_columns(snapshot)
            finally:
                self.endResetModel()
            return
        self._snapshot = snapshot
        self._fill_values(snapshot)
        first = next((i for i, c in enumerate(self._columns) if c.kind in ("output", "hidden")), None)
        if first is not None and n:
            self.dataChanged.emit(
                self.index(0, first), self.index(n - 1, len(self._columns) - 1), [Qt.ItemDataRole.DisplayRole]
            )

    def _rebuild_columns(self, snapshot: Snapshot | None) -> None:
        data = self._data
        assert data is not None
        cols: list[Column] = []
        in_names = data.input_names if len(data.input_names) == data.n_inputs else tuple(
            f"in{i + 1}" for i in range(data.n_inputs)
        )
        lo_in, hi_in = (float(data.x_train.min()), float(data.x_train.max())) if data.n_inputs else (0.0, 1.0)
        lo_in = min(lo_in, 0.0)
        cols += [Column("input", n, "x", i, lo_in, max(hi_in, 1.0)) for i, n in enumerate(in_names)]
        out_names = data.output_names if len(data.output_names) == data.n_outputs else tuple(
            f"{i + 1}" for i in range(data.n_outputs)
        )
        low, high = 0.0, 1.0
        if snapshot is not None:
            act = get_activation(snapshot.spec.output_activation)
            low, high = act.low, act.high
        compact = data.n_outputs > COMPACT_OUTPUTS
        short = [n[:3] if compact else n for n in out_names]
        if compact:
            cols.append(Column("summary", "target", "y", -1, low, high, "names of the target's on units"))
            if snapshot is not None:
                out_node = snapshot.spec.layers[-1].name
                cols.append(Column("summary", "output > 0.5", out_node, -1, low, high, "output units above the middle"))
        cols += [
            Column("target", n if compact else f"t {n}", "y", i, low, high, f"target {f}")
            for i, (n, f) in enumerate(zip(short, out_names))
        ]
        if snapshot is not None:
            spec = snapshot.spec
            cols += [
                Column("output", n if compact else f"o {n}", spec.layers[-1].name, i, low, high, f"output {f}")
                for i, (n, f) in enumerate(zip(short, out_names))
            ]
            for layer in spec.layers[:-1]:
                act = get_activation(layer.activation)
                lo, hi = act.low, act.high
                cols += [Column("hidden", unit_name(layer.name, u), layer.name, u, lo, hi) for u in range(layer.units)]
            self._shape_key = tuple((l.name, l.units, l.activation) for l in spec.layers)
        self._columns = cols
        self._values = np.zeros((len(data.x_train), len(cols)))
        for j, c in enumerate(cols):
            if c.kind == "input":
                self._values[:, j] = data.x_train[:, c.unit]
            elif c.kind == "target":
                self._values[:, j] = targets_for(data.y_train[:, c.unit : c.unit + 1], data.task, low, high)[:, 0]
        if snapshot is not None:
            self._fill_values(snapshot)

    def _fill_values(self, snapshot: Snapshot) -> None:
        acts = snapshot.pattern_activations or {}
        for j, c in enumerate(self._columns):
            if c.kind in ("output", "hidden") and c.node in acts:
                self._values[:, j] = acts[c.node][:, c.unit]

    # ----- Qt model API -----------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._row_labels)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def column(self, j: int) -> Column:
        return self._columns[j]

    def value(self, row: int, col: int) -> float:
        return float(self._values[row, col])

    def widest_text(self, j: int) -> str:
        """The longest text column `j` shows now (sizes the column so nothing is elided)."""
        if not len(self._values):
            return ""
        texts = (self.data(self.index(r, j)) for r in (int(np.argmin(self._values[:, j])), int(np.argmax(self._values[:, j]))))
        return max((t for t in texts if isinstance(t, str)), key=len, default="")

    def columns_of(self, kind: str) -> list[int]:
        return [j for j, c in enumerate(self._columns) if c.kind == kind]

    @property
    def compact(self) -> bool:
        return any(c.kind == "summary" for c in self._columns)

    def summary(self, row: int, col: Column) -> str:
        """Names of the on units of a target, or of the outputs above the middle."""
        kind = "target" if col.node == "y" else "output"
        mid = 0.5 * (col.low + col.high)
        js = [j for j, c in enumerate(self._columns) if c.kind == kind]
        on = [self._columns[j].full_name.split(" ", 1)[1] for j in js if self._values[row, j] > mid]
        return ", ".join(on) if on else "—"

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        col = self._columns[c]
        if col.kind == "summary":
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return self.summary(r, col)
            return col.kind if role == KindRole else None
        v = float(self._values[r, c])
        if role == Qt.ItemDataRole.DisplayRole:
            if self.compact and col.kind in ("target", "output"):
                return ""
            if col.kind in ("input", "target") and v == int(v):
                return str(int(v))
            return f"{v:.2f}"
        if role == Qt.ItemDataRole.BackgroundRole:
            return shade(v, col.low, col.high)
        if role == Qt.ItemDataRole.ForegroundRole:
            bg = shade(v, col.low, col.high)
            return QColor(Qt.GlobalColor.white) if bg.lightness() < 140 else QColor(Qt.GlobalColor.black)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{pattern_name(r)} ({self._row_labels[r]}) · {col.full_name} ({col.kind}) = {v:.4f}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == ValueRole:
            return v
        if role == KindRole:
            return col.kind
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
                return f"{self._columns[section].kind}: {self._columns[section].full_name}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return (f"{pattern_name(section).capitalize()} of {len(self._row_labels)}, counted from 1 as in the "
                        f"step-through; its inputs: {self._row_labels[section]}")
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section].label
        return self.row_header(section)

    def row_header(self, row: int) -> str:
        """'3 · 0 1': the pattern's number (from 1, as everywhere on screen), then its inputs when
        the header stands in for the input columns; just '3' when those columns show them."""
        if not self.inputs_in_row_labels:
            return str(pattern_number(row))
        return f"{pattern_number(row)} · {self._row_labels[row]}"


class PatternTable(CatchUpWhenShown, QWidget):
    """The model in a compact QTableView; plain API: set_dataset, show_snapshot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PatternTableModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(False)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.setShowGrid(False)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.0))
        self.view.setFont(font)
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        hh.setDefaultSectionSize(38)
        hh.setMinimumSectionSize(20)
        vh = self.view.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(18)
        self.caption = QLabel("Training patterns: inputs · targets (t) · outputs (o) · hidden units", self)
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.caption)
        layout.addWidget(self.view)
        self.show_inputs = False  # input columns are shown only when the row labels do not name them
        self._last: Snapshot | None = None  # the latest snapshot given (the model takes only one that fits)
        self.model.modelReset.connect(self._fit_headers)

    def set_dataset(self, data: Dataset | None) -> None:
        self.model.set_dataset(data)
        if self._last is not None:  # a snapshot of this data that came first (a view built late) still shows
            self.model.show_snapshot(self._last)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self._last = snapshot
        if not self.draw_now(snapshot):
            return  # hidden: drawn when shown (gui.catch_up)
        self.model.show_snapshot(snapshot)

    def _fit_headers(self) -> None:
        """Headers fit their labels; one-hot input groups (family trees) are already named in
        the row header, so their many input columns are hidden."""
        fm = self.view.fontMetrics()
        hh = self.view.horizontalHeader()
        hide_inputs = self.model.inputs_in_row_labels
        compact = self.model.compact
        for j in range(self.model.columnCount()):
            col = self.model.column(j)
            if col.kind == "summary":
                width = 150
            elif compact and col.kind in ("target", "output"):
                width = 28
            else:  # room for the widest number the column shows (at least "-0.00"), never elided
                widest = max(fm.horizontalAdvance(WIDEST_CELL), fm.horizontalAdvance(self.model.widest_text(j)))
                width = max(widest + CELL_PADDING, min(90, fm.horizontalAdvance(col.label) + 10))
            hh.resizeSection(j, width)
            self.view.setColumnHidden(j, hide_inputs and col.kind == "input" and not self.show_inputs)
