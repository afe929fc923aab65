"""Training controls: transport (play, step, reset, speed) and hyper-parameters.

The panel only forwards intent to the Session and mirrors the Session's state; it keeps
no training state of its own.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from engine.training.snapshot import Snapshot
from engine.core.losses import MARGIN_ACTIVATIONS, MARGIN_MAX
from engine.core.spec import NetworkSpec, SpecError
from engine.training.trainer import TrainSettings

from ..session import Session

# epochs/s; the slow-motion ones (<= the 60 Hz frame clock) draw every epoch, and stay below
# the clock's rate so they can keep their pace; None = full speed
SPEEDS: tuple[float | None, ...] = (1, 2, 5, 10, 20, 30, 50, 100, 200, 500, 1000, 3000, 10000, None)
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
LOSSES = (("squared", "Squared error"), ("bce", "Cross-entropy (sigmoid out)"))


def speed_label(speed: float | None) -> str:
    """The pace asked for."""
    if speed is None:
        return "full speed"
    return f"{speed:g} epoch/s" if speed == 1 else f"{speed:,.0f} epochs/s"


def achieved_label(rate: float) -> str:
    """The pace measured while training runs."""
    if rate <= 0:
        return ""
    return f"now {rate:,.1f}/s" if rate < 100 else f"now {rate:,.0f}/s"


PASSES_TIP = ("A pass: the network runs once over a batch of data, either forwards (to get its answers)\n"
              "or backwards (to send the error back). Backprop uses 2 passes for each weight change;\n"
              "weight perturbation uses 1 pass plus 1 more for every weight.\n"
              "“of training” counts only the time spent training, not the time paused\n"
              "(shown once it reaches 0.1 s).")


def passes_text(passes: int, seconds: float) -> str:
    """'1,234 passes · 2.5 s of training': the seconds only once there are some to read
    ("0.0 s" beside thousands of passes looked like a broken clock)."""
    if not passes:
        return ""
    text = f"{passes:,} pass" + ("" if passes == 1 else "es")
    return text + (f" · {seconds:.1f} s of training" if seconds >= 0.1 else "")


class PaceMeter:
    """Epochs per second as drawn: epochs between the frames of the last `span` seconds."""

    def __init__(self, span: float = 2.0) -> None:
        self.span = span
        self._points: deque[tuple[float, int]] = deque()

    def clear(self) -> None:
        self._points.clear()

    def add(self, now: float, epoch: int) -> float:
        """Record a frame; the rate over the window (0 until it covers a quarter second)."""
        pts = self._points
        if pts and epoch < pts[-1][1]:
            pts.clear()  # a reset or a replaced run
        pts.append((now, epoch))
        while len(pts) > 2 and now - pts[1][0] >= self.span:
            pts.popleft()
        elapsed = now - pts[0][0]
        return (epoch - pts[0][1]) / elapsed if elapsed >= 0.25 else 0.0


class ControlsPanel(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        style = self.style()
        self._icon_play = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._icon_pause = style.standardIcon(QStyle.StandardPixmap.SP_MediaPause)

        # ----- transport -----
        self.reset_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward), "")
        self.reset_button.setToolTip("Reset (R): start again from fresh random weights at epoch 0.")
        self.play_button = QPushButton(self._icon_play, "")
        self.play_button.setObjectName("playButton")
        self.play_button.setToolTip("Play / pause (Space): train continuously, watching every boundary move.")
        self.step_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward), "")
        self.step_button.setToolTip("Step (Right arrow): train exactly one more epoch, then stop.")
        for b in (self.reset_button, self.play_button, self.step_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setMinimumSize(38, 34)
        self.play_button.setMinimumSize(48, 40)
        self.epoch_label = QLabel("Epoch 0")
        self.epoch_label.setObjectName("epochLabel")
        self.rate_label = QLabel("")
        self.rate_label.setObjectName("rateLabel")
        # fixed widths: a label that changes width every frame re-lays out (and repaints) the panel
        self.epoch_label.setFixedWidth(150)
        self.rate_label.setFixedWidth(90)
        self.rate_label.setToolTip("The pace training really runs at (epochs per second), measured while it plays.")
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setValue(len(SPEEDS) - 1)
        self.speed_slider.setFixedWidth(130)
        self.speed_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_slider.setToolTip("Training speed, from 1 epoch per second (every epoch drawn: watch each\n"
                                     "step of learning) to full speed (the boundary shows the latest epoch).")
        self.speed_label = QLabel(speed_label(None))
        self.speed_label.setObjectName("speedLabel")
        self.speed_label.setFixedWidth(100)
        self.speed_label.setToolTip("The pace you asked for. Beside it: the pace training really runs at.")
        self.full_speed_button = QPushButton("Full speed")
        self.full_speed_button.setCheckable(True)
        self.full_speed_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.full_speed_button.setMinimumHeight(28)
        self.full_speed_button.setToolTip("Full speed (F): train as fast as the computer can; the pictures show\n"
                                          "the latest epoch. Click again to go back to the watchable pace.")
        self._watch_speed: float = 10.0  # the pace the full-speed button returns to
        self._pace = PaceMeter()

        # ----- hyper-parameters -----
        self.lr = QComboBox()
        for v in LEARNING_RATES:
            self.lr.addItem(f"{v:g}", v)
        self.lr.setToolTip("Learning rate: how big a step each weight takes down the error slope.\n"
                           "Too small: slow learning. Too big: the loss jumps around or blows up.")
        self.momentum = QDoubleSpinBox()
        self.momentum.setRange(0.0, 0.99)
        self.momentum.setSingleStep(0.1)
        self.momentum.setDecimals(2)
        self.momentum.setToolTip("Momentum: each step keeps this fraction of the previous one (the 1986 paper's alpha).\n"
                                 "Speeds up travel along long, shallow valleys; too much overshoots.")
        self.optimizer = QComboBox()
        self.optimizer.addItem("SGD", "sgd")
        self.optimizer.addItem("Adam", "adam")
        self.optimizer.setToolTip("Optimiser: plain gradient descent with momentum (as in 1986), or Adam,\n"
                                  "which adapts each weight's step size to its recent gradients.")
        self.rule = QComboBox()  # issue 10: how each weight's slope is found
        self.rule.addItem("Backprop", "backprop")
        self.rule.addItem("Weight perturbation", "perturbation")
        self.rule.setToolTip("Learning rule: how each weight learns which way to move.\n"
                             "Backprop: one pass forward, then the error flows backwards through the network:\n"
                             "every weight gets its slope for about 2 passes over the data.\n"
                             "Weight perturbation: nudge each weight a little and run the network again to see\n"
                             "how the error changes: 1 pass plus 1 more for every weight (slow on big networks).")
        self.passes_label = QLabel("")
        self.passes_label.setObjectName("passesLabel")
        self.passes_label.setFixedWidth(260)
        self.passes_label.setToolTip(PASSES_TIP)
        self.loss = QComboBox()
        for key, text in LOSSES:
            self.loss.addItem(text, key)
        self.loss.setToolTip("Loss: what the network is punished for. Squared error measures distance to the target;\n"
                             "cross-entropy punishes confident mistakes hard (switches the output to sigmoid).")
        self.margin = QDoubleSpinBox()
        self.margin.setRange(0.0, MARGIN_MAX - 0.01)
        self.margin.setSingleStep(0.05)
        self.margin.setDecimals(2)
        self.margin.setSpecialValueText("off")
        self.margin.setKeyboardTracking(False)  # one edit when the typed value is done, not per key
        self.margin.setToolTip("Error margin (squared error only): an output that is close enough to its target\n"
                               "counts as right and gets no error, so training stops pushing it.\n"
                               "0.2 (the 1986 family-trees rule): above 0.8 is right for a 1, below 0.2 for a 0.\n"
                               "Off: every output is pushed all the way to its target.")
        self.regularization = QComboBox()
        for text, key in (("None", "none"), ("L1", "l1"), ("L2", "l2")):
            self.regularization.addItem(text, key)
        self.regularization.setToolTip("Regularisation: a pull on every weight towards zero. L2 shrinks big weights\n"
                                       "(smoother boundaries); L1 drives useless weights to exactly zero.")
        self.reg_rate = QComboBox()
        for v in REG_RATES:
            self.reg_rate.addItem(f"{v:g}", v)
        self.reg_rate.setToolTip("Regularisation rate: how strong that pull is compared with fitting the data.")
        self.batch = QSpinBox()
        self.batch.setRange(1, 1_000_000)
        self.batch.setToolTip("Batch size: how many examples are averaged for each weight change.\n"
                              "1 = a change after every example (noisy, fast); large = smooth, fewer changes.")
        self.full_batch = QCheckBox("full")
        self.full_batch.setToolTip("Full batch: one weight change per pass over all the training data (as in 1986).")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Seed: picks the random starting weights (and example order). Same seed, same run;\n"
                             "a new seed restarts training from different weights.")

        transport = QHBoxLayout()
        transport.addWidget(self.reset_button)
        transport.addWidget(self.play_button)
        transport.addWidget(self.step_button)
        transport.addSpacing(10)
        transport.addWidget(self.epoch_label)
        transport.addSpacing(12)
        transport.addWidget(self.passes_label)
        transport.addStretch(1)
        transport.addWidget(QLabel("Speed"))
        transport.addWidget(self.speed_slider)
        transport.addWidget(self.speed_label)
        transport.addWidget(self.rate_label)
        transport.addWidget(self.full_speed_button)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        items = (
            ("Learning rate", self.lr),
            ("Momentum", self.momentum),
            ("Optimiser", self.optimizer),
            ("Learning rule", self.rule),
            ("Loss", self.loss),
            ("Error margin", self.margin),
            ("Regularisation", self.regularization),
            ("Reg. rate", self.reg_rate),
            ("Batch size", self._pair(self.batch, self.full_batch)),
            ("Seed", self.seed),
        )
        for col, (text, widget) in enumerate(items):
            caption = QLabel(text)
            caption.setObjectName("caption")
            caption.setToolTip(widget.toolTip())
            grid.addWidget(caption, 0, col)
            grid.addWidget(widget, 1, col)
        for combo in (self.loss, self.rule):  # long names: the popup shows them whole
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(11)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        layout.addLayout(transport)
        layout.addLayout(grid)

        # ----- wiring -----
        self.play_button.clicked.connect(session.toggle_play)
        self.step_button.clicked.connect(lambda: session.step(1))
        self.reset_button.clicked.connect(session.reset)
        self.speed_slider.valueChanged.connect(self._speed_moved)
        self.full_speed_button.clicked.connect(lambda _=False: self.toggle_full_speed())
        self.lr.activated.connect(lambda _: session.edit_optimizer("Change learning rate", lr=self.lr.currentData()))
        self.momentum.valueChanged.connect(
            lambda v: session.edit_optimizer("Change momentum", merge=True, momentum=round(v, 2))
        )
        self.optimizer.activated.connect(
            lambda _: session.edit_optimizer("Change optimiser", name=self.optimizer.currentData())
        )
        self.rule.activated.connect(
            lambda _: session.edit_settings(replace(session.settings, rule=self.rule.currentData()), "Change learning rule")
        )
        self.loss.activated.connect(lambda _: self._loss_chosen())
        self.margin.valueChanged.connect(self._margin_chosen)
        self.regularization.activated.connect(lambda _: self._regularization_chosen())
        self.reg_rate.activated.connect(lambda _: self._regularization_chosen())
        self.batch.valueChanged.connect(lambda _: self._batch_chosen())
        self.full_batch.toggled.connect(lambda _: self._batch_chosen())
        self.seed.valueChanged.connect(self._seed_chosen)
        session.playingChanged.connect(self._show_playing)
        session.settingsChanged.connect(self._show_settings)
        session.specChanged.connect(self._show_spec)
        session.speedChanged.connect(self._show_speed)
        session.snapshotReady.connect(self.show_snapshot)
        self._show_settings(session.settings)
        self._show_spec(session.spec)

    @staticmethod
    def _pair(a: QWidget, b: QWidget) -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(a)
        row.addWidget(b)
        return w

    # ----- intent -> session ----------------------------------------------------------------
    def _speed_moved(self, index: int) -> None:
        self.session.set_speed(SPEEDS[index])

    def toggle_full_speed(self) -> None:
        """Full speed, or back to the last watchable pace: one click either way."""
        self.session.set_speed(self._watch_speed if self.session.speed is None else None)

    def _loss_chosen(self) -> None:
        """The document applies the engine's rule (cross-entropy needs a sigmoid output)."""
        if not self.session.edit_loss(self.loss.currentData()):
            self._show_spec(self.session.spec)

    def _margin_chosen(self, value: float) -> None:
        try:
            spec = self.session.spec.with_changes(margin=round(float(value), 2))
        except SpecError as exc:  # e.g. cross-entropy or a linear output: no margin there
            self.session.message.emit("error", str(exc))
            spec = None
        if spec is None or not self.session.edit_spec(spec, "Change error margin"):
            self._show_spec(self.session.spec)

    def _regularization_chosen(self) -> None:
        kind, rate = self.regularization.currentData(), self.reg_rate.currentData()
        l1 = rate if kind == "l1" else 0.0
        l2 = rate if kind == "l2" else 0.0
        self.session.edit_optimizer("Change regularisation", l1=l1, l2=l2)

    def _batch_chosen(self) -> None:
        full = self.full_batch.isChecked()
        self.batch.setEnabled(not full)
        s = self.session.settings
        self.session.edit_settings(replace(s, batch_size=None if full else self.batch.value()), "Change batch size", merge=True)

    def _seed_chosen(self, value: int) -> None:
        self.session.edit_spec(self.session.spec.with_changes(seed=int(value)), "Change seed")

    # ----- session -> display ---------------------------------------------------------------
    def _show_playing(self, playing: bool) -> None:
        self.play_button.setIcon(self._icon_pause if playing else self._icon_play)
        self.play_button.setToolTip(("Pause" if playing else "Play") + " (Space): "
                                    + ("stop training here." if playing else "train continuously, watching every boundary move."))
        self._pace.clear()
        if not playing:
            self.rate_label.setText("")

    def _show_speed(self, speed: float | None) -> None:
        self.speed_label.setText(speed_label(speed))
        if speed is not None:
            self._watch_speed = speed
        with QSignalBlocker(self.full_speed_button):
            self.full_speed_button.setChecked(speed is None)
        with QSignalBlocker(self.speed_slider):  # the nearest notch for a pace not on the list
            known = [(abs((s or 1e9) - (speed or 1e9)), i) for i, s in enumerate(SPEEDS)]
            self.speed_slider.setValue(min(known)[1])
        self._pace.clear()
        self.rate_label.setText("")

    def _show_settings(self, s: TrainSettings) -> None:
        o = s.optimizer
        blockers = [QSignalBlocker(w) for w in (self.lr, self.momentum, self.optimizer, self.regularization,
                                                 self.reg_rate, self.batch, self.full_batch, self.rule)]
        self.rule.setCurrentIndex(max(0, self.rule.findData(s.rule)))
        self._select(self.lr, o.lr)
        self.momentum.setValue(o.momentum)
        self.optimizer.setCurrentIndex(max(0, self.optimizer.findData(o.name)))
        kind = "l1" if o.l1 else "l2" if o.l2 else "none"
        self.regularization.setCurrentIndex(self.regularization.findData(kind))
        self._select(self.reg_rate, o.l1 or o.l2)
        self.full_batch.setChecked(s.batch_size is None)
        self.batch.setEnabled(s.batch_size is not None)
        if s.batch_size is not None:
            self.batch.setValue(s.batch_size)
        del blockers

    def _show_spec(self, spec: NetworkSpec) -> None:
        with QSignalBlocker(self.loss), QSignalBlocker(self.seed), QSignalBlocker(self.margin):
            self.margin.setValue(spec.margin)
            self.margin.setEnabled(spec.loss == "squared" and spec.output_activation in MARGIN_ACTIVATIONS)
            i = self.loss.findData(spec.loss)
            if i < 0:
                self.loss.addItem(spec.loss, spec.loss)
                i = self.loss.count() - 1
            self.loss.setCurrentIndex(i)
            self.seed.setValue(spec.seed)

    @staticmethod
    def _select(combo: QComboBox, value: float) -> None:
        """Pick the entry equal to value, adding it in numeric order when it is not on the list."""
        for i in range(combo.count()):
            if abs(combo.itemData(i) - value) <= 1e-12 * max(1.0, abs(value)):
                combo.setCurrentIndex(i)
                return
        at = next((i for i in range(combo.count()) if combo.itemData(i) > value), combo.count())
        combo.insertItem(at, f"{value:g}", value)
        combo.setCurrentIndex(at)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.epoch_label.setText(f"Epoch {snapshot.epoch:,}")
        self.passes_label.setText(passes_text(snapshot.passes, snapshot.seconds))
        if self.session.playing:
            self.rate_label.setText(achieved_label(self._pace.add(time.perf_counter(), snapshot.epoch)))
