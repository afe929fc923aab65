"""Training on its own thread, with a one-slot "latest snapshot" mailbox for the GUI.

The GUI never blocks on training and training never floods the GUI: typed commands
(gui.worker_commands) arrive through a queue guarded by one condition variable; the worker
sleeps on that condition when there is nothing to do (no polling), trains in chunks sized
to the requested speed, and leaves at most one fresh, read-only Snapshot in the mailbox. A
new snapshot (with the boundary grids of every unit, one vectorised forward pass) is made
only when the GUI has taken the previous one, timed to be ready just before the GUI's next
frame (the take's time plus one frame, less the snapshot's own cost): grids are computed
once per drawn frame, not once per epoch, and the GUI finds a fresh one on every tick. In
slow motion (speed <= frame rate) the worker waits for each epoch's snapshot to be taken
before training the next one, so every epoch is drawn.

The thread never dies of an exception: whatever a command, a training chunk or a snapshot
raises is caught here, reported to the GUI as one 'error' event (and written to stderr with
its traceback), the run is paused (with a 'stopped' event, so the window stops showing
"playing"), and the worker waits for the next command.

No Qt here: a plain `threading.Thread`, so there is no cross-thread signal to get wrong.
Everything the GUI reads (`playing`, `stats()`, the mailbox, the events) is read under
the worker's lock; the trainer itself is only touched on the worker thread (`query` runs
a function there and waits for its answer).
"""
from __future__ import annotations

import math
import sys
import threading
import time
import traceback
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any, Callable, TypeVar

import numpy as np

from engine.fast import fastchunk
from engine.data.datasets import Dataset
from engine.training import changes
from engine.training.checkpoint import Checkpoint
from engine.training.snapshot import Snapshot
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer, TrainSettings

from .mailbox import Mailbox
from .worker_commands import (
    Call, Command, Pause, Play, Query, ReplaceTrainer, Reset, SetData, SetParams, SetRun, SetSettings, SetSpec,
    SetSpeed, SetWeight, Step,
)

FULL_SPEED = None  # speed value meaning "as fast as the machine can"
MIN_SPEED = 0.01  # epochs/s; slower speeds would overflow the pacing clock
SWITCH_INTERVAL = 0.0005  # seconds; see start()
CHUNK_SECONDS = 0.01  # how long one training chunk should take at full speed
# a snapshot is made this share of a frame (plus its own cost) before the GUI frame that takes it:
# room for a training chunk that overruns (it may wait for the GIL while the GUI paints)
FRAME_LEAD = 0.35
MIN_CHUNK_SECONDS = 0.001  # a chunk shorter than this before a due snapshot is not worth the switch
QUERY_SECONDS = 10.0  # longest a GUI query waits for the worker (one chunk is ~10 ms)

T = TypeVar("T")


@dataclass(frozen=True)
class WorkerEvent:
    """Something the user should be told: kind is 'diverged', 'reinitialised', 'info' or 'error';
    or 'stopped' (text = the number of the play command that ended) when training paused itself."""

    kind: str
    text: str


@dataclass(frozen=True)
class WorkerStats:
    """Counters the GUI shows or measures, copied under the worker's lock."""

    playing: bool = False
    epochs_per_second: float = 0.0
    snapshots_made: int = 0
    epochs_trained: int = 0
    seconds_training: float = 0.0
    seconds_snapshots: float = 0.0
    errors: int = 0


def _describe(command: Command | str) -> str:
    if isinstance(command, str):
        return command
    return {
        Play: "starting training", Pause: "pausing", Step: "training one step", Reset: "resetting the weights",
        SetSpeed: "changing the speed", SetSpec: "changing the network", SetSettings: "changing the settings",
        SetData: "changing the data", SetRun: "changing the network and data", SetWeight: "setting a weight",
        SetParams: "setting the weights", ReplaceTrainer: "opening a new run", Call: "applying a change",
        Query: "reading the network",
    }.get(type(command), type(command).__name__)


class TrainingWorker:
    """Owns a Trainer on a background thread; every public method is safe to call from the GUI."""

    def __init__(self, trainer: Trainer, grid_resolution: int | None = 100, frame_rate: float = 60.0) -> None:
        self._trainer = trainer
        self.grid_resolution = grid_resolution
        self.frame_rate = frame_rate
        self._cond = threading.Condition()
        self._commands: deque[Command] = deque()
        self._generation = 0  # bumped by replace_trainer: snapshots of older runs are dropped
        self._trainer_generation = 0
        self._mailbox: Mailbox[Snapshot] = Mailbox(self._cond)  # the latest snapshot, to the GUI
        self._events: list[WorkerEvent] = []
        self._stats = WorkerStats()  # replaced (under the lock) as the counters move
        # worker-thread state
        self._playing = False
        self._speed: float | None = FULL_SPEED
        self._until: int | None = None  # pause when this epoch is reached
        self._play_number = 0  # the play command being run (its number from the GUI)
        self._dirty = True  # state changed since the last published snapshot
        self._snapshot_seconds = 0.002  # what one snapshot costs (moving average)
        self._pace_start = 0.0  # (time, epoch) when the current speed started, for pacing
        self._pace_epoch = 0
        self._sec_per_epoch = 1e-4
        self._rate_window: deque[tuple[float, int]] = deque(maxlen=64)
        self._plays_sent = 0  # play commands sent from this object's own play() (GUI thread)
        self._handlers: dict[type, Callable[[Any], None]] = {
            Play: self._do_play, Pause: self._do_pause_command, Step: self._do_step, Reset: self._do_reset,
            SetSpeed: self._do_speed, SetSpec: self._do_spec, SetSettings: self._do_settings, SetData: self._do_data,
            SetRun: self._do_run, SetWeight: self._do_weight, SetParams: self._do_params,
            ReplaceTrainer: self._do_trainer, Call: self._do_call, Query: self._do_query,
        }
        self._thread = threading.Thread(target=self._run, name="training-worker", daemon=False)

    # ----- lifetime -------------------------------------------------------------------------
    def start(self) -> None:
        # The trainer drops the GIL inside NumPy/numba kernels and needs it back between
        # them; with the default 5 ms switch interval a GUI thread busy painting makes it
        # wait up to 5 ms each time. A short interval keeps both threads responsive.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish its current chunk and end; wait for it."""
        self._mailbox.close()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def on_worker_thread(self) -> bool:
        return threading.current_thread() is self._thread

    # ----- what the GUI reads (under the lock) -------------------------------------------
    def stats(self) -> WorkerStats:
        with self._cond:
            return self._stats

    @property
    def playing(self) -> bool:
        return self.stats().playing

    @property
    def epochs_per_second(self) -> float:
        return self.stats().epochs_per_second

    @property
    def snapshots_made(self) -> int:
        return self.stats().snapshots_made

    @property
    def seconds_snapshots(self) -> float:
        return self.stats().seconds_snapshots

    @property
    def idle(self) -> bool:
        """No command waiting and not playing (for tests and scripted runs)."""
        with self._cond:
            return not self._commands and not self._stats.playing

    def _count(self, **changes: Any) -> None:
        """Update the GUI-visible counters (worker thread)."""
        with self._cond:
            self._stats = replace(self._stats, **changes)

    # ----- commands (GUI thread) ------------------------------------------------------------
    def send(self, command: Command) -> None:
        if type(command) not in self._handlers:
            raise TypeError(f"not a worker command: {command!r}")
        with self._cond:
            self._commands.append(command)
            self._cond.notify_all()

    def play(self, until_epoch: int | None = None, number: int | None = None) -> None:
        self._plays_sent += 1
        self.send(Play(until_epoch, self._plays_sent if number is None else number))

    def pause(self) -> None:
        self.send(Pause())

    def step(self, epochs: int = 1) -> None:
        """Train exactly `epochs` epochs (and pause)."""
        self.send(Step(int(epochs)))

    def reset(self, seed: int | None = None) -> None:
        self.send(Reset(seed))

    def set_speed(self, epochs_per_second: float | None) -> None:
        self.send(SetSpeed(epochs_per_second))

    def set_spec(self, spec: NetworkSpec, renames: dict[str, str] | None = None) -> None:
        """`renames` (old -> new layer name): renamed layers keep their weights."""
        self.send(SetSpec(spec, tuple((renames or {}).items())))

    def set_settings(self, settings: TrainSettings) -> None:
        self.send(SetSettings(settings))

    def set_data(self, data: Dataset) -> None:
        """New data: training restarts from fresh weights (as the browser playground does)."""
        self.send(SetData(data))

    def set_run(self, spec: NetworkSpec, data: Dataset, state: Checkpoint | None = None) -> None:
        """A new network and new data at once (fresh weights), or a whole saved state."""
        self.send(SetRun(spec, data, state))

    def set_weight(self, layer: int, source: int, row: int, col: int, value: float) -> None:
        self.send(SetWeight(int(layer), int(source), int(row), int(col), float(value)))

    def set_params(self, params: np.ndarray) -> None:
        p = np.array(params, dtype=np.float64, copy=True)
        p.flags.writeable = False
        self.send(SetParams(p))

    def replace_trainer(self, trainer: Trainer) -> None:
        """Swap in a whole new training run (a preset, an opened project). The caller draws
        the new run's first frame itself (Session.adopt does); from this call on, no snapshot
        of the previous run reaches the mailbox."""
        with self._cond:
            self._generation += 1
            self._mailbox.clear()
            self._commands.append(ReplaceTrainer(trainer, self._generation))
            self._cond.notify_all()

    def call(self, fn: Callable[[Trainer], str | None]) -> None:
        """Run fn(trainer) on the worker thread between chunks; a returned string is reported."""
        self.send(Call(fn))

    def query(self, fn: Callable[[Trainer], T], timeout: float = QUERY_SECONDS) -> T:
        """fn(trainer) run on the worker thread between chunks; waits for the answer. Raises
        what fn raised, or TimeoutError. With the thread not running, runs fn here."""
        if self.on_worker_thread or not self._thread.is_alive():
            return fn(self._trainer)
        future: Future = Future()
        self.send(Query(fn, future))
        return future.result(timeout)

    def checkpoint(self) -> Checkpoint:
        """The live run's whole state (weights, optimiser, epoch, history) as one value."""
        return self.query(Checkpoint.of)

    # ----- mailbox (GUI thread) -------------------------------------------------------------
    def take_snapshot(self) -> Snapshot | None:
        """The latest snapshot, or None when there is nothing new. Never blocks for long."""
        return self._mailbox.take()

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
        if self._slow_motion() and not self._mailbox.taken:
            return None  # every epoch is drawn: wait for the GUI to take this one
        if self._speed is not None:
            due = self._pace_start + (self._trainer.epoch - self._pace_epoch + 1) / self._speed
            return max(0.0, due - now)
        return 0.0

    def _let_the_first_frame_paint(self, limit: float = 2.0, paint: float = 0.25) -> None:
        """Wait until the GUI has taken the first picture and had a moment to paint it (at most
        `limit` s, less if a command arrives): the warm-up below imports numba, about 0.4 s that
        holds the GIL, and would otherwise delay the window's first frame."""
        with self._cond:
            self._cond.wait_for(lambda: self._mailbox.taken or self._mailbox.closed or bool(self._commands), limit)
            if self._mailbox.taken and not self._mailbox.closed and not self._commands:
                self._cond.wait(paint)

    def _run(self) -> None:
        self._guarded("drawing the first frame", self._maybe_publish)  # the first picture before anything slow
        self._let_the_first_frame_paint()
        try:
            fastchunk.warm_up()  # compile (or load) the training kernels here, not on first play
        except Exception as exc:  # any failure here only costs speed: training works epoch by epoch
            self._report("info", f"fast training path unavailable: {exc}")
        while True:
            with self._cond:
                while not self._commands and not self._mailbox.closed:
                    wait = self._guarded("pacing", lambda: self._wait_seconds(time.perf_counter()), default=None)
                    if wait == 0.0:
                        break
                    self._cond.wait(wait)
                if self._mailbox.closed:
                    self._cancel_queries()
                    return
                commands = list(self._commands)
                self._commands.clear()
            for command in commands:
                self._guarded(command, lambda c=command: self._handlers[type(c)](c))
            if self._playing and self._guarded("pacing", lambda: self._wait_seconds(time.perf_counter())) == 0.0:
                self._guarded("training", self._train_chunk)
            self._guarded("drawing a frame", self._maybe_publish)
            time.sleep(0)  # hand the GIL to the GUI thread once per chunk

    def _guarded(self, what: Command | str, fn: Callable[[], T], default: T | None = None) -> T | None:
        """fn(), or — when it raises — report, pause and carry on with `default`."""
        try:
            return fn()
        except Exception as exc:  # any failure: the thread must live on for the next command
            self._failed(what, exc)
            return default

    def _failed(self, what: Command | str, exc: BaseException) -> None:
        if isinstance(what, Query):
            what.result.set_exception(exc)  # the caller reports it
            return
        text = f"Training paused: something went wrong while {_describe(what)}: {type(exc).__name__}: {exc}"
        print(text, file=sys.stderr)
        traceback.print_exception(exc, file=sys.stderr)
        if what == "drawing a frame" or what == "drawing the first frame":
            self._dirty = False  # do not try the same picture again in a loop
        was_playing = self._playing
        self._do_pause()
        self._report("error", text)
        with self._cond:
            self._stats = replace(self._stats, errors=self._stats.errors + 1)
        if was_playing or isinstance(what, Play):
            self._report("stopped", str(self._play_number))

    def _cancel_queries(self) -> None:
        for command in self._commands:
            if isinstance(command, Query):
                command.result.cancel()

    def _report(self, kind: str, text: str) -> None:
        with self._cond:
            self._events.append(WorkerEvent(kind, text))

    def _restart_pacing(self) -> None:
        self._pace_start = time.perf_counter()
        self._pace_epoch = self._trainer.epoch

    def _chunk_size(self, now: float | None = None) -> int:
        """Epochs to train before looking up again: about a frame's worth at full speed, ending
        when the next snapshot is due (one chunk and one snapshot a frame); fewer when a speed
        or a target epoch says so; one in slow motion."""
        t = self._trainer
        now = time.perf_counter() if now is None else now
        if self._slow_motion():
            n = 1
        else:
            per_epoch = max(self._sec_per_epoch, 1e-7)
            n = max(1, int(max(CHUNK_SECONDS, 1.0 / self.frame_rate) / per_epoch))
            if self._speed is not None:
                due = int((now - self._pace_start) * self._speed) + self._pace_epoch
                n = max(1, min(n, due - t.epoch))
            n = max(1, min(n, int((self._publish_due(now) - now) / per_epoch)))
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
        self._dirty = True
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected and reported below
            done = t.step(n)  # the numba path runs it as one compiled chunk, holding the GIL once
        t.record()
        elapsed = time.perf_counter() - start
        if done:
            self._sec_per_epoch = 0.7 * self._sec_per_epoch + 0.3 * (elapsed / done)
        self._rate_window.append((time.perf_counter(), t.epoch))
        first_t, first_e = self._rate_window[0]
        span = self._rate_window[-1][0] - first_t
        s = self._stats
        self._count(
            epochs_trained=s.epochs_trained + done,
            seconds_training=s.seconds_training + elapsed,
            epochs_per_second=(t.epoch - first_e) / span if span > 0.05 else s.epochs_per_second,
        )
        if t.diverged is not None:
            self._stopped_by_itself()
            self._report("diverged", t.diverged.message())
        elif self._until is not None and t.epoch >= self._until:
            self._stopped_by_itself()

    def _stopped_by_itself(self) -> None:
        """Pause without being asked (target epoch reached, divergence) and tell the GUI which
        play command this ends, so a newer play is not mistaken for it."""
        self._do_pause()
        self._report("stopped", str(self._play_number))

    def _publish_due(self, now: float) -> float:
        """When to make the next snapshot while training fast, so that it is ready just before
        the GUI frame that will take it. The GUI's frames are predicted on its clock's grid:
        the last take plus whole frames (the clock ticks at frame_rate on average). Taken: the
        next frame takes ours. Not taken yet: the next frame takes the waiting one, ours goes
        to the frame after."""
        period = 1.0 / self.frame_rate
        box = self._mailbox
        if box.taken:
            frame = box.taken_at + period  # already past when the GUI found nothing new: now
        else:
            k = max(1, math.ceil((now - box.taken_at) / period))  # the GUI's next frame after now
            frame = box.taken_at + (k + 1) * period
        return frame - self._snapshot_seconds - FRAME_LEAD * period

    def _maybe_publish(self) -> None:
        if not self._dirty:
            return
        now = time.perf_counter()
        if self._playing and not self._slow_motion():
            # one snapshot per GUI frame (the frame clock caps the rate), made late enough to
            # show the newest state and early enough to be there when the frame begins
            if not self._mailbox.taken or now < self._publish_due(now) - MIN_CHUNK_SECONDS:
                return
        self._dirty = False
        with np.errstate(over="ignore", invalid="ignore"):  # near-divergence maps clip to the colour ends
            snap = self._trainer.snapshot(self.grid_resolution)
        cost = time.perf_counter() - now
        self._snapshot_seconds = 0.8 * self._snapshot_seconds + 0.2 * cost
        with self._cond:
            self._stats = replace(self._stats, snapshots_made=self._stats.snapshots_made + 1,
                                  seconds_snapshots=self._stats.seconds_snapshots + cost)
            if self._trainer_generation != self._generation:
                return  # made from a run that has just been replaced
            self._mailbox.put(snap)

    # ----- command handlers (worker thread) -----------------------------------------------
    def _set_playing(self, playing: bool) -> None:
        self._playing = playing
        with self._cond:
            self._stats = replace(self._stats, playing=playing, epochs_per_second=self._stats.epochs_per_second if playing else 0.0)

    def _do_play(self, command: Play) -> None:
        self._play_number = command.number
        t = self._trainer
        if t.diverged is not None:
            t.clear_divergence()  # the last good weights were kept; try again
        self._until = command.until_epoch
        self._set_playing(True)
        self._rate_window.clear()
        self._restart_pacing()

    def _do_pause_command(self, command: Pause) -> None:
        self._do_pause()

    def _do_pause(self) -> None:
        self._set_playing(False)
        self._until = None

    def _do_step(self, command: Step) -> None:
        self._do_pause()
        t = self._trainer
        if t.diverged is not None:
            t.clear_divergence()
        self._dirty = True
        with np.errstate(over="ignore", invalid="ignore"):
            t.step(command.epochs)
        t.record()
        if t.diverged is not None:
            self._report("diverged", t.diverged.message())

    def _do_reset(self, command: Reset) -> None:
        self._dirty = True
        self._trainer.reset(command.seed)
        self._trainer.record()
        self._restart_pacing()

    def _do_speed(self, command: SetSpeed) -> None:
        speed = command.epochs_per_second
        if speed is None or not math.isfinite(speed) or speed <= 0:
            self._speed = FULL_SPEED
        else:
            self._speed = max(MIN_SPEED, float(speed))
        self._restart_pacing()

    def _do_settings(self, command: SetSettings) -> None:
        self._dirty = True
        self._trainer.set_settings(command.settings)
        self._trainer.clear_divergence()

    def _do_spec(self, command: SetSpec) -> None:
        if command.spec == self._trainer.spec:
            return
        new, note = changes.with_spec(self._trainer, command.spec, dict(command.renames))
        self._switch_to(new)
        if note is not None:
            self._report(note.kind, note.text)

    def _do_data(self, command: SetData) -> None:
        self._switch_to(changes.with_data(self._trainer, command.data))

    def _do_run(self, command: SetRun) -> None:
        self._switch_to(changes.with_run(self._trainer, command.spec, command.data, command.state))

    def _switch_to(self, trainer: Trainer) -> None:
        """Make `trainer` the run (built fully first: a failure leaves the old run)."""
        self._trainer = trainer
        self._restart_pacing()
        self._dirty = True

    def _do_weight(self, command: SetWeight) -> None:
        net = self._trainer.network
        c = command
        if not (0 <= c.layer < len(net.weights) and 0 <= c.source < len(net.weights[c.layer])):
            raise IndexError(f"the network has no weight block {c.layer}/{c.source} (it was changed)")
        block = net.weights[c.layer][c.source]
        if not (0 <= c.row < block.shape[0] and 0 <= c.col < block.shape[1]):
            raise IndexError(f"the network has no weight ({c.row}, {c.col}) in that block (it was changed)")
        self._dirty = True
        block[c.row, c.col] = c.value
        self._trainer.record()

    def _do_params(self, command: SetParams) -> None:
        self._dirty = True
        self._trainer.network.set_params(command.params)
        self._trainer.clear_divergence()
        self._trainer.record()

    def _do_trainer(self, command: ReplaceTrainer) -> None:
        trainer = command.trainer
        self._trainer = trainer
        self._trainer_generation = command.generation
        self._do_pause()
        if len(trainer.history) == 0:
            trainer.record()
        self._dirty = False  # the caller has drawn this state already

    def _do_call(self, command: Call) -> None:
        self._dirty = True
        message = command.fn(self._trainer)
        if message:
            self._report("info", str(message))

    def _do_query(self, command: Query) -> None:
        if command.result.set_running_or_notify_cancel():
            command.result.set_result(command.fn(self._trainer))
