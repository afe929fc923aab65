"""The race: one network and data set trained by backprop and by weight perturbation side by side.

Both runs start from the same weights and take the same optimiser steps; only the way each
weight's slope is found differs. The learner sees each side's output boundary, the loss
against the forward passes used and against the seconds spent, and the passes one weight
change costs: 2 for backprop whatever the size, 1 + the number of weights for perturbation.
A width control makes the network bigger so that growth is visible.

Training runs on one background thread (`RaceRunner`, no Qt) that gives the two rules turns
of equal wall-clock time and leaves at most one frame in a one-slot mailbox; the panel
pulls it on a timer (see docs PITFALLS: never a signal per epoch). Full batch on both sides,
so a step is one weight change per sweep through the data.

For lessons and tours: `window.race_action` opens it; `RacePanel.start()/pause()/set_width(n)`
drive it; `n_weights`, `racing`, `frames` and `stats[rule]` (epoch, passes, seconds, loss,
passes_per_step) say what it shows.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.core.spec import NetworkSpec
from engine.data.datasets import Dataset
from engine.fast import fastchunk
from engine.training.snapshot import Snapshot
from engine.training.trainer import Trainer, TrainSettings

from ..mailbox import Mailbox
from ..plots.boundary import map_view
from ..plots.colors import NEGATIVE, POSITIVE, activation_levels, number
from ..style.themes import LIGHT, Theme
from gui.style.plots import style_plot

RULES = ("backprop", "perturbation")
TITLES = {"backprop": "Backprop", "perturbation": "Weight perturbation"}
PENS = {"backprop": (8, 119, 189), "perturbation": (214, 92, 30)}
MAX_WIDTH = 64
SLICE_SECONDS = 0.02  # each rule's turn on the race thread
FRAME_SECONDS = 1 / 30  # at most this many frames a second while racing
CURVE_POINTS = 4000  # per curve; older points are thinned out beyond this


def race_spec(spec: NetworkSpec, width: int | None) -> NetworkSpec:
    """`spec` with every hidden layer resized to `width` units (None: unchanged)."""
    if width is None or not spec.hidden:
        return spec
    layers = tuple(replace(l, units=int(width)) for l in spec.hidden) + (spec.layers[-1],)
    return spec.with_changes(layers=layers)


@dataclass(frozen=True)
class RaceFrame:
    """One picture of both runs (made on the race thread; arrays are read-only copies)."""

    generation: int
    snapshots: dict[str, Snapshot]


@dataclass(frozen=True)
class SideStats:
    epoch: int
    passes: int
    seconds: float
    loss: float

    @property
    def passes_per_step(self) -> float:
        """Forward and backward passes per weight change (full batch: one change per epoch)."""
        return self.passes / self.epoch if self.epoch else float("nan")


class RaceRunner:
    """Trains both rules' trainers on one plain thread, in turns of equal wall-clock time."""

    def __init__(self, grid_resolution: int = 40) -> None:
        self.grid_resolution = grid_resolution
        self._cond = threading.Condition()
        self._trainers: dict[str, Trainer] = {}
        self._generation = 0
        self._playing = False
        self._dirty = False
        self._mailbox: Mailbox[RaceFrame] = Mailbox(self._cond)
        self._sec_per_epoch: dict[str, float] = {}
        self.error = ""
        self._thread = threading.Thread(target=self._run, name="race-runner", daemon=False)

    # ----- GUI thread -----------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def playing(self) -> bool:
        return self._playing

    def set_trainers(self, trainers: dict[str, Trainer]) -> int:
        """Hand over new trainers (the caller never touches them again); returns their generation."""
        with self._cond:
            self._generation += 1
            self._trainers = dict(trainers)
            self._sec_per_epoch = {}
            self._mailbox.clear()
            self._dirty = True
            self._cond.notify_all()
            if not self._thread.is_alive() and not self._mailbox.closed:
                self._thread.start()
            return self._generation

    def play(self) -> None:
        with self._cond:
            self._playing = True
            self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self._playing = False
            self._dirty = True  # one last frame with where each run stopped
            self._cond.notify_all()

    def take_frame(self) -> RaceFrame | None:
        return self._mailbox.take()

    def stop(self, timeout: float = 10.0) -> None:
        self._mailbox.close()
        if self._thread.is_alive():
            self._thread.join(timeout)

    # ----- race thread ----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            fastchunk.warm_up()
        except Exception as exc:  # noqa: BLE001 - backprop then trains on NumPy, as everywhere
            self.error = f"fast training path unavailable: {exc}"
        last_frame = 0.0
        while True:
            with self._cond:
                while not self._mailbox.closed and not self._playing and not self._dirty:
                    self._cond.wait()
                if self._mailbox.closed:
                    return
                trainers, generation, playing = self._trainers, self._generation, self._playing
                dirty, self._dirty = self._dirty, False
            if playing:
                for rule, t in trainers.items():
                    self._turn(rule, t)
            now = time.perf_counter()
            if dirty or not playing or (self._mailbox.taken and now - last_frame >= FRAME_SECONDS):
                self._publish(trainers, generation)
                last_frame = now
            time.sleep(0)  # hand the GIL to the GUI thread once per round

    def _turn(self, rule: str, t: Trainer) -> None:
        if t.diverged is not None:
            return
        per_epoch = self._sec_per_epoch.get(rule, 1e-3)
        n = max(1, min(100_000, int(SLICE_SECONDS / max(per_epoch, 1e-7))))
        start = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):
            done = t.step(n)  # the numba path runs it as one compiled chunk; counts passes and seconds
        if done:
            self._sec_per_epoch[rule] = 0.5 * per_epoch + 0.5 * (time.perf_counter() - start) / done

    def _publish(self, trainers: dict[str, Trainer], generation: int) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            snaps = {rule: t.snapshot(self.grid_resolution) for rule, t in trainers.items()}
        with self._cond:
            if generation != self._generation:
                return  # made from trainers that have just been replaced
            self._mailbox.put(RaceFrame(generation, snaps))


def has_maps(data: Dataset) -> bool:
    """Each rule's boundary map is drawn: two-class data on the plane."""
    return data.planar and data.task != "regression"


class _Boundary(pg.GraphicsLayoutWidget):
    """The output unit's map over the input plane, with the training points."""

    def __init__(self) -> None:
        super().__init__()
        self.view, self.image = map_view(self)
        self.points = pg.ScatterPlotItem(size=5, pen=pg.mkPen("w", width=1.0))
        self.view.addItem(self.points)
        self.note = pg.TextItem("", color=(90, 90, 90), anchor=(0.5, 0.5))
        self.view.addItem(self.note)
        self.setMinimumSize(140, 140)

    def set_theme(self, theme: Theme) -> None:
        self.setBackground(theme.plot_background)
        self.note.setColor(theme.muted)

    def set_data(self, data: Dataset) -> None:
        if not has_maps(data):
            self.points.setData([])
            return
        pos, neg = pg.mkBrush(*POSITIVE), pg.mkBrush(*NEGATIVE)
        self.points.setData(pos=data.x_train, brush=[pos if v > 0.5 else neg for v in data.y_train[:, 0]])

    def draw(self, snap: Snapshot) -> None:
        out = snap.spec.layers[-1] if snap.spec is not None else None
        if out is None or not snap.grids or out.name not in snap.grids:
            self.image.clear()
            self.note.setText("no map: the data is not 2-D")
            return
        self.note.setText("")
        lo, hi = activation_levels(out.activation)
        self.image.setImage(np.ascontiguousarray(snap.grids[out.name][0], dtype=np.float32), levels=(lo, hi), autoLevels=False)
        a, b = snap.grid_domain
        self.image.setRect(QRectF(a, a, b - a, b - a))


class RacePanel(QWidget):
    """Controls, the two boundaries, and loss against passes and against seconds."""

    def __init__(self, session=None, grid_resolution: int = 40, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = RaceRunner(grid_resolution)
        self._base: tuple[NetworkSpec, Dataset, TrainSettings] | None = None
        self._generation = 0
        self.stats: dict[str, SideStats] = {}
        self.frames = 0  # frames drawn (tests and lessons read it)
        self._curves_data: dict[str, tuple[list[float], list[float], list[float]]] = {r: ([], [], []) for r in RULES}

        self.start_button = QPushButton("Start race")
        self.start_button.setToolTip("Train the same network on the same data with both learning rules at once,\n"
                                     "giving each rule the same share of the computer's time.")
        self.restart_button = QPushButton("Start again")
        self.restart_button.setToolTip("Both runs go back to the same fresh starting weights.")
        self.take_button = QPushButton("Use the window's network")
        self.take_button.setToolTip("Race the network and data set that the main window shows now.")
        self.width_spin = QSpinBox()
        self.width_spin.setRange(1, MAX_WIDTH)
        self.width_spin.setToolTip("Units in each hidden layer of the race network. More units, more weights:\n"
                                   "weight perturbation needs one more pass per weight; backprop stays at 2.")
        self.weights_label = QLabel("")
        self.weights_label.setObjectName("raceWeights")
        top = QHBoxLayout()
        for w in (self.start_button, self.restart_button, self.take_button):
            top.addWidget(w)
        top.addSpacing(12)
        top.addWidget(QLabel("Hidden units per layer"))
        top.addWidget(self.width_spin)
        top.addStretch(1)
        self.weights_label.setWordWrap(True)  # its own line: beside the controls it was cut off at 1366 px

        self.boundaries = {rule: _Boundary() for rule in RULES}
        # each title carries its curve's colour: the key to both loss plots (a legend did not fit
        # in their narrow plots beside the patterns table and was cut to "ackprop")
        self.titles = {rule: QLabel(f"<b><span style='color:{pg.mkColor(PENS[rule]).name()}'>━━</span> {TITLES[rule]}</b>")
                       for rule in RULES}
        for rule, title in self.titles.items():
            title.setWordWrap(True)  # a long title does not widen its column: both maps the same size
            title.setToolTip(f"{TITLES[rule]}: its map below, its loss curves drawn in this colour in the plots on the right.")
        self.readouts = {rule: QLabel("") for rule in RULES}
        for label in self.readouts.values():
            label.setWordWrap(True)  # a narrow column wraps instead of cutting the seconds off
        self.passes_plot = pg.PlotWidget()
        self.seconds_plot = pg.PlotWidget()
        for plot, x_label in ((self.passes_plot, "passes over the data"), (self.seconds_plot, "seconds")):
            plot.setLabel("left", "training loss")
            plot.getAxis("left").enableAutoSIPrefix(False)  # plain numbers, no "(x0.001)"
            plot.setLabel("bottom", x_label)
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setMinimumSize(180, 140)
        self.passes_plot.setLogMode(x=True, y=False)
        key = "Blue: backprop. Orange: weight perturbation."
        self.passes_plot.setToolTip("Loss against the work done: each forward or backward pass over the data counts 1.\n" + key)
        self.seconds_plot.setToolTip("Loss against the time each rule has spent training.\n" + key)
        self.curves = {
            (rule, axis): plot.plot([], [], pen=pg.mkPen(PENS[rule], width=2), name=TITLES[rule])
            for rule in RULES
            for axis, plot in (("passes", self.passes_plot), ("seconds", self.seconds_plot))
        }
        self.theme: Theme = LIGHT
        self.set_theme(LIGHT)  # the window passes its own theme when it registers the panel
        # two columns, one per rule: its map above, its loss plot below. In four columns the square
        # maps were narrow strips with white above and below in the slot beside the patterns table.
        grid = self._grid = QGridLayout()
        for col, rule in enumerate(RULES):
            grid.addWidget(self.titles[rule], 0, col)
            grid.addWidget(self.boundaries[rule], 1, col)
            grid.addWidget(self.readouts[rule], 2, col)
            grid.setColumnStretch(col, 1)
        self.plots_caption = QLabel("<b>Both rules' training loss</b>, in their colours: against the passes "
                                    "used (left) and the seconds spent (right)")
        self.plots_caption.setWordWrap(True)
        grid.addWidget(self.plots_caption, 3, 0, 1, 2)
        grid.addWidget(self.passes_plot, 4, 0)
        grid.addWidget(self.seconds_plot, 4, 1)
        grid.setRowStretch(1, 1)
        grid.setRowStretch(4, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(top)
        layout.addWidget(self.weights_label)
        layout.addLayout(grid, 1)

        self.start_button.clicked.connect(self.toggle)
        self.restart_button.clicked.connect(self.restart)
        self.take_button.clicked.connect(self.use_session_network)
        self.width_spin.valueChanged.connect(self.set_width)
        self._clock = None  # the FrameClock whose tick pulls race frames (gui.clock: one frame rate)
        if session is not None:
            for signal in (session.specChanged, session.dataChanged, session.settingsChanged):
                signal.connect(self._session_changed)

    def set_theme(self, theme: Theme) -> None:
        """The app's light or dark plot colours (gui/style/themes.py), as the main plots use."""
        self.theme = theme
        for b in self.boundaries.values():
            b.set_theme(theme)
        for plot in (self.passes_plot, self.seconds_plot):
            style_plot(plot, theme)

    # ----- what is raced ----------------------------------------------------------------------
    @property
    def racing(self) -> bool:
        return self.runner.playing

    @property
    def spec(self) -> NetworkSpec | None:
        """The network both rules train now (hidden layers at the chosen width)."""
        if self._base is None:
            return None
        spec = self._base[0]
        return race_spec(spec, self.width_spin.value() if spec.hidden else None)

    @property
    def n_weights(self) -> int:
        spec = self.spec
        return 0 if spec is None else spec.n_parameters()

    def use_session_network(self) -> None:
        if self.session is not None:
            s = self.session
            self.set_network(s.spec, s.dataset, s.settings)

    def set_network(self, spec: NetworkSpec, data: Dataset, settings: TrainSettings) -> None:
        """Race this network on this data (hidden width from the spec's first hidden layer)."""
        self._base = (spec, data, replace(settings, batch_size=None))
        self.width_spin.setEnabled(bool(spec.hidden))
        with QSignalBlocker(self.width_spin):
            self.width_spin.setValue(min(MAX_WIDTH, spec.hidden[0].units) if spec.hidden else 1)
        maps = has_maps(data)
        for b in self.boundaries.values():
            b.set_data(data)
            b.setVisible(maps)  # no plane to draw: the loss plots get the room
        self._grid.setRowStretch(1, 1 if maps else 0)
        self.restart()

    def set_width(self, width: int) -> None:
        """Hidden units per layer; both runs start again at the new size."""
        if self.width_spin.value() != width:
            with QSignalBlocker(self.width_spin):
                self.width_spin.setValue(int(width))
        if self._base is not None:
            self.restart()

    def restart(self) -> None:
        if self._base is None:
            self.use_session_network()
            return
        spec, data, settings = self._base
        spec = self.spec
        trainers = {rule: Trainer(spec, data, replace(settings, rule=rule), history_limit=1000) for rule in RULES}
        self.stats = {}
        self._curves_data = {r: ([], [], []) for r in RULES}
        for curve in self.curves.values():
            curve.setData([], [])
        n = spec.n_parameters()
        learning = sum(
            sum(spec.node_sizes()[s] for s in spec.sources_of(i)) * l.units + l.units
            for i, l in enumerate(spec.layers) if l.learns
        )
        no_maps = "" if has_maps(data) else " (no maps: the data is not 2-D)"
        self.weights_label.setText(f"{n:,} weights: backprop 2 passes per step, perturbation {1 + learning:,}{no_maps}")
        self._generation = self.runner.set_trainers(trainers)
        self._follow_clock()

    # ----- transport ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._base is None:
            self.use_session_network()
        elif self._generation < 0:  # after shutdown: a fresh runner has no trainers yet
            self.restart()
        self.runner.play()
        self._follow_clock()
        self.start_button.setText("Pause race")

    def pause(self) -> None:
        self.runner.pause()
        self.start_button.setText("Start race")

    def toggle(self) -> None:
        self.pause() if self.racing else self.start()

    def shutdown(self) -> None:
        """Stop the race thread (joined) and stop pulling frames."""
        self._unfollow_clock()
        self.runner.stop()
        self.runner = RaceRunner(self.runner.grid_resolution)  # not started: Start begins a new race
        self._generation = -1
        self.start_button.setText("Start race")

    # ----- drawing ------------------------------------------------------------------------------
    def _follow_clock(self) -> None:
        """Pull race frames on the frame clock's tick (the race thread makes at most
        1/FRAME_SECONDS of them a second; a tick without one costs a lock)."""
        from ..clock import shared

        clock = shared()
        if clock is not self._clock:
            self._unfollow_clock()
            self._clock = clock
            clock.tick.connect(self.pull)

    def _unfollow_clock(self) -> None:
        clock, self._clock = self._clock, None
        if clock is not None:
            try:
                clock.tick.disconnect(self.pull)
            except (RuntimeError, TypeError):  # the clock went with its window, or was never connected
                pass

    def pull(self) -> None:
        frame = self.runner.take_frame()
        if frame is None or frame.generation != self._generation:
            return
        self.frames += 1
        for rule, snap in frame.snapshots.items():
            st = SideStats(snap.epoch, snap.passes, snap.seconds, snap.train_loss)
            self.stats[rule] = st
            self.boundaries[rule].draw(snap)
            per_step = "—" if not st.epoch else f"{st.passes_per_step:,.0f}"
            self.readouts[rule].setText(
                f"epoch {st.epoch:,} · loss {number(st.loss)}<br>{st.passes:,} passes ({per_step} per step) · "
                f"{st.seconds:.2f} s" + (f"<br><i>{snap.diverged}</i>" if snap.diverged else "")
            )
            xs_p, xs_s, ys = self._curves_data[rule]
            if st.epoch and np.isfinite(st.loss) and (not xs_p or st.passes > xs_p[-1]):
                xs_p.append(float(st.passes))
                xs_s.append(st.seconds)
                ys.append(st.loss)
                if len(ys) > CURVE_POINTS:  # keep every other old point: bounded, shape kept
                    for series in (xs_p, xs_s, ys):
                        series[: CURVE_POINTS // 2] = series[: CURVE_POINTS // 2 : 2]
            self.curves[(rule, "passes")].setData(xs_p, ys)
            self.curves[(rule, "seconds")].setData(xs_s, ys)
        if not self.racing and self.start_button.text() != "Start race":
            self.start_button.setText("Start race")

    def lesson_state(self) -> dict:
        """What the lessons' checks read (gui/lessons/observe.py): the raced network's weights,
        each rule's passes per step and steps done so far."""
        per_step: dict[str, float | int] = {}
        for rule, st in self.stats.items():
            if st.epoch:
                v = st.passes_per_step
                per_step[rule] = int(v) if float(v).is_integer() else v
        return {"weights": self.n_weights if self._base is not None else None, "passes_per_step": per_step,
                "steps": {rule: st.epoch for rule, st in self.stats.items()}}

    def _session_changed(self, *_: object) -> None:
        """A race not running follows the window's network, data and settings."""
        if self._base is not None and not self.racing:
            self.use_session_network()

    def curve_data(self, rule: str, axis: str) -> tuple[np.ndarray, np.ndarray]:
        """What a loss curve draws now: (x, loss); axis is 'passes' or 'seconds'."""
        curve = self.curves[(rule, axis)]  # xData/yData: as given, before the log-x display mapping
        x, y = curve.xData, curve.yData
        return (np.array([]) if x is None else np.array(x)), (np.array([]) if y is None else np.array(y))

    def image(self, rule: str) -> np.ndarray | None:
        img = self.boundaries[rule].image.image
        return None if img is None else np.array(img)
