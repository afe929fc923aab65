"""What backprop saves: every weight's gradient by backprop and by perturbation, side by side.

Runs engine.explain.gradcheck on a copy of the current network (from the latest snapshot) when the
user asks. Besides the table it measures the perturbation method on growing subsets of
the weights, so the plot shows its cost rising with the number of weights while
backprop's stays one forward and one backward pass.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QPushButton, QSpinBox, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from engine.data.datasets import Dataset
from engine.explain.gradcheck import GradCheckResult, check_gradients
from engine.explain.landscape import parameter_names
from engine.core.network import Network
from engine.training.snapshot import Snapshot
from engine.explain.stepthrough import pattern_arrays

from ...style.plots import style_plot
from ...style.themes import LIGHT, Theme
from .context import mismatch

BAD_RELATIVE_ERROR = 1e-4
SIDE_BY_SIDE_FROM = 800  # px: narrower, the cost plot goes below the table
COLUMNS = ("parameter", "backprop", "finite diff.", "rel. error")


class GradientTable(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.result: GradCheckResult | None = None
        self.rows: np.ndarray = np.zeros(0, dtype=int)
        self.errors: np.ndarray = np.zeros(0)
        self.theme: Theme = LIGHT  # the relative errors' red (too big) and green (fine)

    def set_result(self, names: list[str], result: GradCheckResult) -> None:
        self.beginResetModel()
        self.names, self.result = names, result
        self.rows = np.asarray(result.checked)
        self.errors = result.relative_error
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or self.result is None:
            return None
        k, col = int(self.rows[index.row()]), index.column()
        if role == Qt.DisplayRole:
            if col == 0:
                return self.names[k]
            if col == 1:
                return f"{self.result.backprop[k]:.6g}"
            if col == 2:
                return f"{self.result.numeric[k]:.6g}"
            return f"{self.errors[index.row()]:.2e}"
        if role == Qt.TextAlignmentRole and col:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.ForegroundRole and col == 3:
            return QColor(self.theme.bad if self.errors[index.row()] > BAD_RELATIVE_ERROR else self.theme.good)
        return None


class GradientCheckPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: Dataset | None = None
        self.snapshot: Snapshot | None = None
        self.result: GradCheckResult | None = None
        self.checked_snapshot: Snapshot | None = None
        self.cost_points: list[tuple[int, int, float]] = []  # (weights perturbed, forward passes, seconds)
        self.run_button = QPushButton("Run gradient check")
        self.run_button.setToolTip("Compute every gradient by backprop and by perturbing each weight")
        self.max_patterns = QSpinBox()
        self.max_patterns.setRange(1, 100_000)
        self.max_patterns.setValue(200)
        self.max_patterns.setPrefix("patterns ≤ ")
        self.max_weights = QSpinBox()
        self.max_weights.setRange(1, 100_000)
        self.max_weights.setValue(400)
        self.max_weights.setPrefix("weights ≤ ")
        self.max_weights.setToolTip("Perturb at most this many (a fixed random subset) to keep the check quick")
        self.summary = QLabel("Press “Run gradient check” to compare backprop with the perturbation method.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.model = GradientTable()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        self.plot = pg.PlotWidget()  # coloured by set_theme
        self.plot.setLabel("bottom", "weights whose gradient is computed")
        self.plot.setLabel("left", "time (ms)")
        for axis in ("left", "bottom"):  # plain numbers: "ms" already says the unit
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.plot.addLegend(offset=(10, 10))
        self.fd_curve = self.plot.plot(pen=pg.mkPen((245, 147, 34), width=2), symbol="o", symbolBrush=(245, 147, 34),
                                       name="perturbation: 2 passes per weight")
        self.bp_curve = self.plot.plot(name="backprop: 2 passes for all")  # accent blue: set_theme
        self.plot.setMinimumWidth(280)
        top = QHBoxLayout()
        top.addWidget(self.run_button)
        top.addWidget(self.max_patterns)
        top.addWidget(self.max_weights)
        top.addStretch(1)
        split = self.split = QSplitter()  # side by side when wide, the plot below the table when narrow
        split.addWidget(self.table)
        split.addWidget(self.plot)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(split, 1)
        self.run_button.clicked.connect(self.run_check)
        self.theme: Theme = LIGHT
        self.set_theme(LIGHT)  # the backward panel passes the window's theme on

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        """Narrow (a laptop's side panel): the table keeps the whole width, so its error column
        shows, and the plot goes below it; wide: side by side."""
        super().resizeEvent(event)
        wanted = Qt.Orientation.Vertical if self.width() < SIDE_BY_SIDE_FROM else Qt.Orientation.Horizontal
        if self.split.orientation() != wanted:
            self.split.setOrientation(wanted)
            total = self.split.width() if wanted == Qt.Orientation.Horizontal else self.split.height()
            self.split.setSizes([total * 3 // 5, total * 2 // 5])

    def set_theme(self, theme: Theme) -> None:
        """The app's light or dark plot colours (gui/style/themes.py): no white box on the dark theme."""
        self.theme = theme
        self.model.theme = theme
        style_plot(self.plot, theme)
        self.bp_curve.setPen(pg.mkPen(theme.accent, width=2, style=Qt.DashLine))
        if self.model.rowCount():  # the error column's red and green
            self.model.dataChanged.emit(self.model.index(0, 3), self.model.index(self.model.rowCount() - 1, 3))
        if self.result is not None and self.checked_snapshot is not None:
            self._summarise(self.result, self.checked_snapshot)

    def set_context(self, data: Dataset | None, settings=None) -> None:
        self.data = data

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        stale = self.checked_snapshot is not None and snapshot.epoch != self.checked_snapshot.epoch
        self.run_button.setText("Run gradient check again" if stale else "Run gradient check")

    def run_check(self) -> GradCheckResult | None:
        snap, data = self.snapshot, self.data
        problem = mismatch(snap, data)
        if problem:
            self.summary.setText(f"Nothing to check: {problem}.")
            return None
        x, y = pattern_arrays(snap.spec, data)
        x, y = x[: self.max_patterns.value()], y[: self.max_patterns.value()]
        net = Network(snap.spec, snap.params)  # a private copy: the worker's trainer is never touched
        limit = min(self.max_weights.value(), net.size)
        self.cost_points = []
        bp_seconds = []
        for k in _subset_sizes(limit):
            r = check_gradients(net, x, y, max_parameters=k, skip_frozen=True)  # a frozen layer has nothing to learn
            self.cost_points.append((len(r.checked), r.numeric_forward_passes, r.numeric_seconds))
            bp_seconds.append(r.backprop_seconds)
        self.result, self.checked_snapshot = r, snap
        self.model.set_result(parameter_names(snap.spec), r)
        self._draw_costs(float(np.median(bp_seconds)))
        self._summarise(r, snap)
        self.run_button.setText("Run gradient check")
        return r

    def _summarise(self, r: GradCheckResult, snap: Snapshot) -> None:
        """The verdict in words, backprop in the theme's blue and perturbation in orange."""
        partial = "" if len(r.checked) == r.n_parameters else f" ({len(r.checked)} perturbed, a fixed random subset)"
        ratio = r.numeric_seconds / r.backprop_seconds if r.backprop_seconds > 0 else float("inf")
        verdict = "agree" if r.max_relative_error <= BAD_RELATIVE_ERROR else "DISAGREE"
        self.summary.setText(
            f"<b>Epoch {snap.epoch}: {r.n_parameters} parameters{partial}, {r.n_patterns} patterns.</b> "
            f"Largest relative error {r.max_relative_error:.2e}: backprop and finite differences {verdict}.<br>"
            f"<span style='color:{self.theme.accent}'>Backprop: {r.backprop_forward_passes} forward + {r.backprop_backward_passes} "
            f"backward pass for all of them, {r.backprop_seconds * 1e3:.3f} ms.</span>  "
            f"<span style='color:#c86a00'>Perturbation: {r.numeric_forward_passes} forward passes "
            f"(2 per weight), {r.numeric_seconds * 1e3:.2f} ms — {ratio:.0f}× longer.</span>"
            f"{self._frozen_note(r)}")

    @staticmethod
    def _frozen_note(r: GradCheckResult) -> str:
        """Frozen layers are not checked (they do not learn); the layers below them are, and
        their gradients pass through the frozen ones: say both in plain words."""
        if not r.frozen_layers:
            return ""
        names = ", ".join(r.frozen_layers)
        text = f"<br>Frozen ({names}): {r.n_frozen} parameters do not learn, so they are not checked."
        worst = r.below_frozen_error
        if worst is not None:
            text += (f" The blame still flows through them: on {', '.join(r.below_frozen)}, below them, "
                     f"the largest relative error is {worst:.2e}.")
        return text

    def _draw_costs(self, bp_seconds: float) -> None:
        n = np.array([p[0] for p in self.cost_points], dtype=float)
        t = np.array([p[2] for p in self.cost_points]) * 1e3
        self.fd_curve.setData(n, t)
        self.bp_curve.setData([0.0, float(n.max())], [bp_seconds * 1e3] * 2)


def _subset_sizes(limit: int) -> list[int]:
    """Growing subsets ending with the whole set: the measured cost curve."""
    sizes = sorted({max(1, limit // d) for d in (8, 4, 2)} | {limit})
    return sizes
