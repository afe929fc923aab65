"""The run: the training worker and the transport (play, pause, step, reset, speed).

Not undoable: the transport changes time, not the document. On every tick of the frame
clock the run takes the worker's latest snapshot (at most one per frame, never a queue),
relays the worker's events, and feeds the views: `snapshotReady` every frame,
`detailReady` on the clock's detail beat (every frame in slow motion or when paused; the
last frame of a burst always arrives). While training fast the two never share a tick.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from PySide6.QtCore import QObject, Signal

from engine.training.checkpoint import Checkpoint
from engine.training.snapshot import Snapshot
from engine.training.trainer import Trainer

from .clock import FrameClock
from .worker import TrainingWorker, WorkerEvent

T = TypeVar("T")


class Run(QObject):
    playingChanged = Signal(bool)
    speedChanged = Signal(object)  # epochs/s or None = full speed
    snapshotReady = Signal(object)  # Snapshot, every frame
    detailReady = Signal(object)  # Snapshot, on the detail beat (the network editor)
    message = Signal(str, str)  # kind ('diverged', 'reinitialised', 'info', 'error'), text

    def __init__(self, trainer: Trainer, clock: FrameClock, grid_resolution: int = 100,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self._playing = False
        self._plays = 0  # play commands sent; matched against the worker's 'stopped' events
        self._speed: float | None = None
        self.latest: Snapshot | None = None
        self.frames = 0  # snapshots handed to the views
        self._detail_due: Snapshot | None = None  # a frame the detailed views have not had yet
        self._views_due: Snapshot | None = None  # a frame the other views have not had yet
        self._detail_tick = -10**9
        self.worker = TrainingWorker(trainer, grid_resolution=grid_resolution, frame_rate=clock.hz)
        self.worker.start()
        clock.tick.connect(self.pull)

    # ----- state ---------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float | None:
        return self._speed

    @property
    def slow_motion(self) -> bool:
        """Every epoch is drawn (speed at or below the frame rate)."""
        return self._speed is not None and self._speed <= self.clock.hz

    def query(self, fn: Callable[[Trainer], T]) -> T:
        """fn(trainer) on the worker thread, between chunks; its answer here."""
        return self.worker.query(fn)

    def checkpoint(self) -> Checkpoint:
        """The live run's whole state (not the last drawn snapshot, which may lag)."""
        return self.worker.checkpoint()

    # ----- transport -------------------------------------------------------------------------
    def play(self, until_epoch: int | None = None) -> None:
        self._plays += 1
        self.worker.play(until_epoch, number=self._plays)
        self._set_playing(True)

    def pause(self) -> None:
        self.worker.pause()
        self._set_playing(False)

    def toggle_play(self) -> None:
        self.pause() if self._playing else self.play()

    def step(self, epochs: int = 1) -> None:
        self.worker.step(epochs)
        self._set_playing(False)

    def reset(self, seed: int | None = None) -> None:
        self.worker.reset(seed)

    def set_speed(self, epochs_per_second: float | None) -> None:
        self._speed = epochs_per_second
        self.worker.set_speed(epochs_per_second)
        self.speedChanged.emit(epochs_per_second)

    def _set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playingChanged.emit(playing)

    # ----- frames ------------------------------------------------------------------------------
    def show(self, snapshot: Snapshot) -> None:
        """Hand a snapshot made elsewhere (an adopted run's first frame) to every view now."""
        self.latest = snapshot
        self._views_due = None
        self.snapshotReady.emit(snapshot)
        self._detail_due = None
        self._detail_tick = self.clock.ticks
        self.detailReady.emit(snapshot)

    def pull(self) -> None:
        """One frame: relay the worker's events, hand its latest snapshot (if any) to the views.

        While training fast, the detailed views' frame (the network editor, the costliest to
        redraw) is a frame of its own: the other views take that snapshot on the next tick.
        No tick then does both, so the GUI thread is never busy for long at a stretch (timers
        and input keep their pace) and no frame is lost: each view draws the newest state."""
        for event in self.worker.take_events():
            self._relay(event)
        snap = self.worker.take_snapshot()
        if snap is not None:
            self.frames += 1
            self._views_due = snap
            self._detail_due = snap
        detail = self._detail_due
        detail_now = detail is not None and (self.slow_motion or not self._playing
                                             or self.clock.ticks - self._detail_tick >= self.clock.detail_every)
        split = detail_now and self._playing and not self.slow_motion
        if self._views_due is not None and not split:
            views, self._views_due = self._views_due, None
            self.latest = views  # what the views show: the newest state on screen
            self.snapshotReady.emit(views)
        if detail_now:
            self._detail_due = None
            self._detail_tick = self.clock.ticks
            self.detailReady.emit(detail)

    def _relay(self, event: WorkerEvent) -> None:
        if event.kind == "stopped":  # the worker paused itself; unless the user has pressed play since
            if event.text == str(self._plays):
                self._set_playing(False)
            return
        self.message.emit(event.kind, event.text)

    def shutdown(self) -> None:
        """Stop the training thread (joined: no thread outlives the window)."""
        self.worker.stop()
