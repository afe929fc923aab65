"""Training on its own thread, with a one-slot "latest snapshot" mailbox for the GUI.

The GUI never blocks on training and training never floods the GUI: commands arrive
through a queue guarded by one condition variable; the worker sleeps on that condition
when there is nothing to do (no polling), trains in chunks sized to the requested speed,
and leaves at most one fresh, read-only Snapshot in the mailbox. A new snapshot (with the
boundary grids of every unit, one vectorised forward pass) is made only when the GUI has
taken the previous one and at most `frame_rate` times a second, so grids are computed
once per drawn frame, not once per epoch. In slow motion (speed <= frame rate) the
worker waits for each epoch's snapshot to be taken before training the next one, so every
epoch is drawn.

No Qt here: a plain `threading.Thread`, so there is no cross-thread signal to get wrong.
"""
from __future__ import annotations

import copy
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from engine.fast import fastchunk
from engine.data.datasets import Dataset
from engine.core.network import Network
from engine.training.snapshot import Snapshot
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer, TrainSettings
from engine.files.transplant import same_topology, transplant

FULL_SPEED = None  # speed value meaning "as fast as the machine can"
SWITCH_INTERVAL = 0.0005  # seconds; see start()
CHUNK_SECONDS = 0.01  # how long one training chunk should take at full speed


@dataclass(frozen=True)
class WorkerEvent:
    """Something the user should be told: kind is 'diverged', 'reinitialised', 'info' or 'error';
    or 'stopped' (text = the number of the play command that ended) when training paused itself."""

    kind: str
    text: str


class TrainingWorker:
    """Owns a Trainer on a background thread; every public method is safe to call from the GUI."""

    def __init__(self, trainer: Trainer, grid_resolution: int = 100, frame_rate: float = 60.0) -> None:
        self._trainer = trainer
        self.grid_resolution = grid_resolution
        self.frame_rate = frame_rate
        self._cond = threading.Condition()
        self._commands: deque[tuple[str, tuple[Any, ...]]] = deque()
        self._slot: Snapshot | None = None  # the mailbox
        self._generation = 0  # bumped by replace_trainer: snapshots of older runs are dropped
        self._trainer_generation = 0
        self._taken = True  # the GUI has taken the last published snapshot
        self._stop = False
        self._events: list[WorkerEvent] = []
        # worker-thread state (read by the GUI only as plain attributes)
        self._playing = False
        self._speed: float | None = FULL_SPEED
        self._until: int | None = None  # pause when this epoch is reached
        self._plays = 0  # play commands handled so far
        self._dirty = True  # state changed since the last published snapshot
        self._last_publish = 0.0
        self._pace_start = 0.0  # (time, epoch) when the current speed started, for pacing
        self._pace_epoch = 0
        self._sec_per_epoch = 1e-4
        self.epochs_per_second = 0.0
        self.snapshots_made = 0
        self.epochs_trained = 0
        self.seconds_training = 0.0
        self.seconds_snapshots = 0.0
        self._rate_window: deque[tuple[float, int]] = deque(maxlen=64)
        self._thread = threading.Thread(target=self._run, name="training-worker", daemon=False)

    # ----- lifetime -------------------------------------------------------------------------
    def start(self) -> None:
        # The trainer drops the GIL inside NumPy/numba kernels and needs it back between
        # them; with the default 5 ms switch interval a GUI thread busy painting makes it
        # wait up to 5 ms each time. 1 ms keeps both threads responsive.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish its current chunk and end; wait for it."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def playing(self) -> bool:
        return self._playing

    # ----- commands (GUI thread) ------------------------------------------------------------
    def _send(self, name: str, *args: Any) -> None:
        with self._cond:
            self._commands.append((name, args))
            self._cond.notify_all()

    def play(self, until_epoch: int | None = None) -> None:
        self._send("play", until_epoch)

    def pause(self) -> None:
        self._send("pause")

    def step(self, epochs: int = 1) -> None:
        """Train exactly `epochs` epochs (and pause)."""
        self._send("step", int(epochs))

    def reset(self, seed: int | None = None) -> None:
        self._send("reset", seed)

    def set_speed(self, epochs_per_second: float | None) -> None:
        self._send("speed", epochs_per_second)

    def set_spec(self, spec: NetworkSpec) -> None:
        self._send("spec", spec)

    def set_settings(self, settings: TrainSettings) -> None:
        self._send("settings", copy.deepcopy(settings))

    def set_data(self, data: Dataset) -> None:
        """New data: training restarts from fresh weights (as the browser playground does)."""
        self._send("data", data)

    def set_run(self, spec: NetworkSpec, data: Dataset) -> None:
        """A new network and new data at once (fresh weights): e.g. imported data of another shape."""
        self._send("run", spec, data)

    def set_weight(self, layer: int, source: int, row: int, col: int, value: float) -> None:
        self._send("weight", layer, source, row, col, float(value))

    def set_params(self, params: np.ndarray) -> None:
        self._send("params", np.array(params, dtype=np.float64, copy=True))

    def replace_trainer(self, trainer: Trainer) -> None:
        """Swap in a whole new training run (a preset, an opened project). The caller draws
        the new run's first frame itself (Session.adopt does); from this call on, no snapshot
        of the previous run reaches the mailbox."""
        with self._cond:
            self._generation += 1
            self._slot = None
            self._taken = True
            self._commands.append(("trainer", (trainer, self._generation)))
            self._cond.notify_all()

    def call(self, fn: Callable[[Trainer], str | None]) -> None:
        """Run fn(trainer) on the worker thread between chunks; a returned string is reported."""
        self._send("call", fn)

    # ----- mailbox (GUI thread) -------------------------------------------------------------
    def take_snapshot(self) -> Snapshot | None:
        """The latest snapshot, or None when there is nothing new. Never blocks for long."""
        with self._cond:
            snap, self._slot = self._slot, None
            if snap is not None:
                self._taken = True
                self._cond.notify_all()
            return snap

    def take_events(self) -> list[WorkerEvent]:
        with self._cond:
            events, self._events = self._events, []
            return events

    # ----- the thread -----------------------------------------------------------------------
    def _slow_motion(self) -> bool:
        return self._speed is not None and self._speed <= self.frame_rate

    def _wait_seconds(self, now: float) -> float | None:
        """How long to sleep before there is work: 0 = now, None = until woken."""
        if not self._playing:
            return 0.0 if self._dirty else None  # paused: publish the newest state, then sleep
        if self._slow_motion():
            if not self._taken:
                return None  # every epoch is drawn: wait for the GUI to take this one
            due = self._pace_start + (self._trainer.epoch - self._pace_epoch + 1) / self._speed
            return max(0.0, due - now)
        if self._speed is not None:
            due = self._pace_start + (self._trainer.epoch - self._pace_epoch + 1) / self._speed
            return max(0.0, due - now)
        return 0.0

    def _run(self) -> None:
        self._maybe_publish()  # the first picture before anything slow
        try:
            fastchunk.warm_up()  # compile (or load) the training kernels here, not on first play
        except Exception as exc:  # training still works epoch by epoch
            self._report("info", f"fast training path unavailable: {exc}")
        while True:
            with self._cond:
                while not self._commands and not self._stop:
                    wait = self._wait_seconds(time.perf_counter())
                    if wait == 0.0:
                        break
                    self._cond.wait(wait)
                if self._stop:
                    return
                commands = list(self._commands)
                self._commands.clear()
            for name, args in commands:
                try:
                    getattr(self, "_do_" + name)(*args)
                except Exception as exc:  # a bad command must not kill training
                    self._report("error", f"{exc}")
            if self._playing and self._wait_seconds(time.perf_counter()) == 0.0:
                self._train_chunk()
            self._maybe_publish()
            time.sleep(0)  # hand the GIL to the GUI thread once per chunk

    def _report(self, kind: str, text: str) -> None:
        with self._cond:
            self._events.append(WorkerEvent(kind, text))

    def _restart_pacing(self) -> None:
        self._pace_start = time.perf_counter()
        self._pace_epoch = self._trainer.epoch

    def _chunk_size(self) -> int:
        t = self._trainer
        if self._slow_motion():
            n = 1
        else:
            n = max(1, int(CHUNK_SECONDS / max(self._sec_per_epoch, 1e-7)))
            if self._speed is not None:
                due = int((time.perf_counter() - self._pace_start) * self._speed) + self._pace_epoch
                n = max(1, min(n, due - t.epoch))
        if self._until is not None:
            n = min(n, self._until - t.epoch)
        return max(n, 0)

    def _train_chunk(self) -> None:
        t = self._trainer
        n = self._chunk_size()
        if n <= 0:
            self._stopped_by_itself()
            return
        start = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected and reported below
            done = fastchunk.step(t, n)  # = t.step(n), holding the GIL once per chunk
        t.record()
        elapsed = time.perf_counter() - start
        self.seconds_training += elapsed
        self.epochs_trained += done
        if done:
            self._sec_per_epoch = 0.7 * self._sec_per_epoch + 0.3 * (elapsed / done)
        self._rate_window.append((time.perf_counter(), t.epoch))
        first_t, first_e = self._rate_window[0]
        span = self._rate_window[-1][0] - first_t
        if span > 0.05:
            self.epochs_per_second = (t.epoch - first_e) / span
        self._dirty = True
        if t.diverged is not None:
            self._stopped_by_itself()
            self._report("diverged", t.diverged.message())
        elif self._until is not None and t.epoch >= self._until:
            self._stopped_by_itself()

    def _stopped_by_itself(self) -> None:
        """Pause without being asked (target epoch reached, divergence) and tell the GUI which
        play command this ends, so a newer play is not mistaken for it."""
        self._do_pause()
        self._report("stopped", str(self._plays))

    def _maybe_publish(self) -> None:
        if not self._dirty:
            return
        now = time.perf_counter()
        if self._playing and not self._slow_motion():
            # 0.75 of a frame: the next snapshot is ready for the GUI's next 16 ms tick
            # (the GUI's pull timer is what caps the rate at frame_rate)
            if not self._taken or now - self._last_publish < 0.75 / self.frame_rate:
                return
        with np.errstate(over="ignore", invalid="ignore"):  # near-divergence maps clip to the colour ends
            snap = self._trainer.snapshot(self.grid_resolution)
        self.seconds_snapshots += time.perf_counter() - now
        self._last_publish = now
        self._dirty = False
        self.snapshots_made += 1
        with self._cond:
            if self._trainer_generation != self._generation:
                return  # made from a run that has just been replaced
            self._slot = snap
            self._taken = False

    # ----- command handlers (worker thread) -----------------------------------------------
    def _do_play(self, until_epoch: int | None) -> None:
        t = self._trainer
        if t.diverged is not None:
            t.clear_divergence()  # the last finite weights were kept; try again
        self._until = until_epoch
        self._playing = True
        self._plays += 1
        self._rate_window.clear()
        self._restart_pacing()

    def _do_pause(self) -> None:
        self._playing = False
        self._until = None
        self.epochs_per_second = 0.0

    def _do_step(self, epochs: int) -> None:
        self._playing = False
        self._until = None
        t = self._trainer
        if t.diverged is not None:
            t.clear_divergence()
        with np.errstate(over="ignore", invalid="ignore"):
            t.step(epochs)
        t.record()
        if t.diverged is not None:
            self._report("diverged", t.diverged.message())
        self._dirty = True

    def _do_reset(self, seed: int | None) -> None:
        self._trainer.reset(seed)
        self._trainer.record()
        self._restart_pacing()
        self._dirty = True

    def _do_speed(self, speed: float | None) -> None:
        self._speed = None if speed is None or speed <= 0 else float(speed)
        self._restart_pacing()

    def _do_settings(self, settings: TrainSettings) -> None:
        self._trainer.set_settings(settings)
        self._trainer.clear_divergence()
        self._dirty = True

    def _do_spec(self, spec: NetworkSpec) -> None:
        old = self._trainer
        if spec == old.spec:
            return
        keep_weights = spec.seed == old.spec.seed and spec.init == old.spec.init
        if keep_weights:
            network, report = transplant(old.network, spec)
        else:
            network, report = Network(spec), None
        new = Trainer(spec, old.data, old.settings, network=network, history_limit=old.history.limit)
        new.epoch_hook = old.epoch_hook
        if keep_weights:
            new.epoch = old.epoch
            new.history = old.history
            new.passes, new.seconds = old.passes, old.seconds  # the same run goes on
            new.record()
            if not same_topology(spec, old.spec) and report is not None and (report.fresh or report.partial):
                kind = "reinitialised" if report.reinitialised else "info"
                self._report(kind, "Network changed: " + report.message() + ".")
        else:
            new.record()
            self._report("reinitialised", "New seed or initialisation: all weights re-initialised, epoch 0.")
        self._trainer = new
        self._restart_pacing()
        self._dirty = True

    def _do_data(self, data: Dataset) -> None:
        old = self._trainer
        new = Trainer(old.spec, data, old.settings, history_limit=old.history.limit)
        new.epoch_hook = old.epoch_hook
        new.record()
        self._trainer = new
        self._restart_pacing()
        self._dirty = True

    def _do_run(self, spec: NetworkSpec, data: Dataset) -> None:
        old = self._trainer
        new = Trainer(spec, data, old.settings, history_limit=old.history.limit)
        new.record()
        self._trainer = new
        self._restart_pacing()
        self._dirty = True

    def _do_weight(self, layer: int, source: int, row: int, col: int, value: float) -> None:
        self._trainer.network.weights[layer][source][row, col] = value
        self._trainer.record()
        self._dirty = True

    def _do_params(self, params: np.ndarray) -> None:
        self._trainer.network.set_params(params)
        self._trainer.clear_divergence()
        self._trainer.record()
        self._dirty = True

    def _do_trainer(self, trainer: Trainer, generation: int) -> None:
        self._trainer = trainer
        self._trainer_generation = generation
        if len(trainer.history) == 0:
            trainer.record()
        self._playing = False
        self._until = None
        self._dirty = False  # the caller has drawn this state already

    def _do_call(self, fn: Callable[[Trainer], str | None]) -> None:
        message = fn(self._trainer)
        if message:
            self._report("info", str(message))
        self._dirty = True
