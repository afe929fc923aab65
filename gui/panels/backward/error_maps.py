"""Each unit's activation map beside its error-signal map, with its saturation.

Activation maps come from the snapshot's grids; error-signal maps (dE/dz over the plane,
targets = nearest training label) and saturation are computed by engine.explain.blame on copies.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.explain.blame import error_signal_maps, grid_targets, pattern_error_signals, saturation
from engine.data.datasets import Dataset
from engine.core.network import Network
from engine.training.snapshot import Snapshot, grid_points
from engine.explain.stepthrough import pattern_arrays, unit_name

from ...style.plots import style_plot_item
from ...style.themes import LIGHT, Theme
from .colors import lookup_table
from .context import mismatch
from .deferred import Deferred

SATURATION_SAMPLE = 4000
GROUP_WIDTH = 280  # px a layer's column needs (its unit names, then two maps side by side)
UNIT_ROW_HEIGHT = 96  # px per unit row (two maps of at least 64 px and the gaps)
HEADING_HEIGHT = 28  # px of a layer's title line
MAX_UNITS_SHOWN = 16  # units per layer with maps (more would not fit any screen)
PATTERN_COLUMNS = 512  # non-planar data: error signals of at most this many patterns  # patterns used for the saturation fraction on very large sets


def whole_ticks(n: int, most: int = 24) -> list[list[tuple[int, str]]] | None:
    """Ticks at 1..n for a short axis of patterns or units; None (pyqtgraph's own) for a long one."""
    if n > most:
        return None
    step = 1 if n <= 12 else 2
    return [[(i, str(i)) for i in range(1, n + 1, step)]]


class ErrorMapsPanel(QWidget):
    def __init__(self, resolution: int = 40, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resolution = resolution
        self.data: Dataset | None = None
        self.snapshot: Snapshot | None = None
        self.maps: dict[str, np.ndarray] = {}
        self.activation_maps: dict[str, np.ndarray] = {}
        self.saturation: dict[str, np.ndarray] = {}
        self.cells: dict[tuple[str, int], tuple[pg.ImageItem, pg.ImageItem, pg.LabelItem]] = {}
        self.pattern_cells: dict[str, tuple[pg.ImageItem, pg.LabelItem]] = {}
        self.pattern_plots: dict[str, pg.PlotItem] = {}
        self.pattern_rows: dict[str, np.ndarray] = {}
        self._layout_spec = None
        self._targets_key = None
        self._targets: np.ndarray | None = None
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.view = pg.GraphicsLayoutWidget()  # coloured by set_theme
        self.headings: list[pg.LabelItem] = []  # the layers' titles above the maps
        self._lut = lookup_table()
        # the layers' columns wrap to the width there is (a laptop shows one or two side by
        # side); what does not fit in height scrolls
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.view)
        self.per_row = 1  # layers side by side in the current layout
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.message)
        lay.addWidget(self.scroll, 1)
        self.deferred = Deferred(self, self.refresh_now)
        self.theme: Theme = LIGHT
        self.set_theme(LIGHT)  # the backward panel passes the window's theme on

    def set_theme(self, theme: Theme) -> None:
        """The app's light or dark plot colours (gui/style/themes.py): background, axes and the
        words between the maps (layer titles, unit names, saturation) readable on both."""
        self.theme = theme
        self.view.setBackground(theme.plot_background)
        for label in self.headings:
            label.setText(label.text, color=theme.text)
        for plot in self.pattern_plots.values():
            style_plot_item(plot, theme)
        if self.snapshot is not None and self._layout_spec is not None:
            if self.cells:
                self._draw_labels()
            elif self.pattern_cells and self.pattern_rows:
                self._pattern_labels()

    def set_context(self, data: Dataset | None, settings=None) -> None:
        if data is not self.data:
            self._targets_key = None
        self.data = data
        self.deferred.request()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.deferred.request()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.deferred.flush()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.cells and self._fitting(len(self.snapshot.spec.layers)) != self.per_row:  # they wrap differently now
            self._layout_spec = None
            self.deferred.request()

    def _fitting(self, layers: int) -> int:
        """How many of the layers' columns fit side by side in the width there is."""
        return max(1, min(layers, self.scroll.viewport().width() // GROUP_WIDTH))

    # ----- computing ------------------------------------------------------------------------
    def refresh_now(self) -> None:
        snap, data = self.snapshot, self.data
        problem = mismatch(snap, data)
        if problem:
            self.message.setText(problem)
            return
        x, _ = pattern_arrays(snap.spec, data)
        if len(x) > SATURATION_SAMPLE:
            x = x[np.linspace(0, len(x) - 1, SATURATION_SAMPLE).astype(int)]
        self.saturation = saturation(snap.spec, snap.params, x)
        if not data.planar:
            self._show_pattern_rows(snap, data)
            return
        res = self.resolution
        key = (id(data), res, snap.grid_domain, snap.spec.output_activation)
        if key != self._targets_key:  # the nearest-label search depends only on the data
            self._targets = grid_targets(snap.spec, data, res, snap.grid_domain)
            self._targets_key = key
        self.maps = error_signal_maps(snap.spec, snap.params, data, res, snap.grid_domain, self._targets)
        if snap.grids is not None and next(iter(snap.grids.values())).shape[-1] == res:
            self.activation_maps = dict(snap.grids)
        else:
            net = Network(snap.spec, snap.params)
            pts = grid_points(res, snap.grid_domain)
            fp = net.forward(pts if snap.spec.features is None else _features(pts, snap.spec.features))
            self.activation_maps = {k: v.T.reshape(v.shape[1], res, res).astype(np.float32) for k, v in fp.activations.items()}
        self.message.setText("Left: the unit's activation.  Right: its error signal δ = dE/dz at each point "
                             "(target = nearest training point's label; blue +, orange −).  "
                             "Red %: patterns where the unit is saturated (f′ < 5% of its maximum).")
        self._rebuild(snap.spec, with_maps=True)
        self._draw()

    # ----- drawing -------------------------------------------------------------------------
    def _rebuild(self, spec, with_maps: bool) -> None:
        per_row = self._fitting(len(spec.layers)) if with_maps else 1
        key = (spec, with_maps, per_row)
        if key == self._layout_spec:
            return
        self._layout_spec = key
        self.per_row = per_row
        self.view.setMinimumHeight(0)
        self.view.clear()
        self.headings = []
        self.cells = {}
        self.pattern_cells = {}
        self.pattern_plots = {}
        if not with_maps:
            for i, layer in enumerate(spec.layers):
                label = self.view.addLabel("", row=2 * i, col=0, color=self.theme.text)
                plot = self.view.addPlot(row=2 * i + 1, col=0)
                plot.setMouseEnabled(False, False)
                plot.hideButtons()
                plot.setMenuEnabled(False)
                plot.setMinimumHeight(min(160, 50 + 8 * layer.units))
                plot.invertY(True)  # unit 0 at the top
                plot.setLabel("left", f"{layer.name} unit")
                plot.setLabel("bottom", "training pattern")
                for axis in ("left", "bottom"):
                    plot.getAxis(axis).enableAutoSIPrefix(False)
                style_plot_item(plot, self.theme)
                img = pg.ImageItem(axisOrder="row-major")
                img.setLookupTable(self._lut)
                plot.addItem(img)
                self.pattern_cells[layer.name] = (img, label)
                self.pattern_plots[layer.name] = plot
            return
        top, height = 0, 0  # grid row where the current band of layers starts; px needed
        layers = list(spec.layers)
        for band in range(0, len(layers), per_row):  # per_row layers side by side, then the next band
            shown = layers[band : band + per_row]
            for col_group, layer in enumerate(shown):
                self.headings.append(self.view.addLabel(f"<b>{layer.name}</b>: activation a · error signal δ",
                                                        row=top, col=3 * col_group, colspan=3, color=self.theme.text))
                for u in range(min(layer.units, MAX_UNITS_SHOWN)):
                    label = self.view.addLabel("", row=top + 1 + u, col=3 * col_group, color=self.theme.text)
                    items = []
                    for k in (1, 2):
                        vb = self.view.addViewBox(row=top + 1 + u, col=3 * col_group + k, lockAspect=True,
                                                  enableMouse=False)
                        vb.setMinimumSize(64, 64)
                        img = pg.ImageItem(axisOrder="row-major")
                        img.setLookupTable(self._lut)
                        vb.addItem(img)
                        items.append(img)
                    self.cells[(layer.name, u)] = (items[0], items[1], label)
            units = max(min(layer.units, MAX_UNITS_SHOWN) for layer in shown)
            top += 1 + units
            height += HEADING_HEIGHT + UNIT_ROW_HEIGHT * units
        self.view.setMinimumHeight(height)  # taller than the room: the scroll area scrolls

    def _show_pattern_rows(self, snap: Snapshot, data: Dataset) -> None:
        """Non-planar data: each layer's error signals as an image, one column per pattern."""
        self.maps, self.activation_maps = {}, {}
        rows = pattern_error_signals(snap.spec, snap.params, data)
        self.pattern_rows = {k: np.ascontiguousarray(v[:PATTERN_COLUMNS].T, dtype=np.float32) for k, v in rows.items()}
        self._rebuild(snap.spec, with_maps=False)
        shown = min(len(data.x_train), PATTERN_COLUMNS)
        self.message.setText(f"Error signal δ = dE/dz of every unit (rows) for each training pattern (columns, first {shown}); "
                             "blue +, orange −.  Red %: patterns where the unit is saturated.")
        for name, (img, label) in self.pattern_cells.items():
            e = self.pattern_rows[name]
            level = max(float(np.percentile(np.abs(e), 98)), 0.05 * float(np.abs(e).max())) or 1.0
            img.setImage(e, levels=(-level, level))
            img.setRect(QRectF(0.5, 0.5, e.shape[1], e.shape[0]))  # pattern 1 and unit 1 (h1[1]) at 1 on the axes
            plot = self.pattern_plots[name]
            for axis, n in (("bottom", e.shape[1]), ("left", e.shape[0])):  # whole numbers, no "1.5"
                plot.getAxis(axis).setTicks(whole_ticks(n))
        self._pattern_labels()

    def _pattern_labels(self) -> None:
        """Each layer's title line over its image, in the theme's text colour."""
        for name, (_img, label) in self.pattern_cells.items():
            e = self.pattern_rows[name]
            sat = " ".join(f"{100 * v:.0f}%" for v in self.saturation[name][:24])
            label.setText(f"<b>{name}</b>  |δ| ≤ {float(np.abs(e).max()):.2g}   saturated: {sat}", size="8pt",
                          color=self.theme.text)

    def _activation_levels(self, layer: str, a: np.ndarray) -> tuple[float, float]:
        """tanh: -1..1; sigmoid-like: 0..1 (so 0.5, the boundary, is the neutral colour); others: ±peak."""
        act = next(l.activation for l in self.snapshot.spec.layers if l.name == layer)
        if act == "tanh":
            return (-1.0, 1.0)
        if act in ("sigmoid", "softmax"):
            return (0.0, 1.0)
        peak = float(np.abs(a).max()) or 1.0
        return (-peak, peak)

    def _draw(self) -> None:
        for (layer, u), (act_img, err_img, label) in self.cells.items():
            a = np.ascontiguousarray(self.activation_maps[layer][u], dtype=np.float32)
            e = np.ascontiguousarray(self.maps[layer][u], dtype=np.float32)
            act_img.setImage(a, levels=self._activation_levels(layer, a))
            peak = float(np.abs(e).max()) or 1.0
            # a few boundary pixels carry most blame: scale to the 98th percentile so the rest shows
            level = max(float(np.percentile(np.abs(e), 98)), 0.05 * peak)
            err_img.setImage(e, levels=(-level, level))
        self._draw_labels()

    def _draw_labels(self) -> None:
        """Each unit's name, saturation (the theme's red when most patterns saturate it) and |δ| peak."""
        for (layer, u), (_act, _err, label) in self.cells.items():
            peak = float(np.abs(self.maps[layer][u]).max()) or 1.0
            sat = float(self.saturation[layer][u])
            colour = self.theme.bad if sat >= 0.5 else self.theme.muted
            label.setText(f"<b>{unit_name(layer, u)}</b><br><span style='color:{colour}'>sat {100 * sat:.0f}%</span>"
                          f"<br>|δ|≤{peak:.2g}", size="8pt", color=self.theme.text)


def _features(pts: np.ndarray, features) -> np.ndarray:
    from engine.core.features import transform

    return transform(pts, features)
