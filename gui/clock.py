"""The frame clock: the one place that sets how often the views are fed.

Every pace in the window derives from FRAME_HZ: the GUI pulls the worker's latest
snapshot on each tick, the worker makes snapshots no faster than this rate, and the
detailed views (the network editor's many small items) are fed on every
`DETAIL_EVERY`-th tick. The slow views (the loss curve, the backward panel's maps and
loss slices: costly to paint, no need for 60 Hz) redraw on the `slow` beat, every
`slow_every`-th tick. No other timer paces frames: a view that wants a slower pace
subscribes to `current()`'s `slow` signal instead of owning a QTimer.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

FRAME_HZ = 60.0  # frames per second the views are fed at most
DETAIL_HZ = 20.0  # the network editor's share of those frames (its items cost more per frame)
SLOW_HZ = 4.0  # the slow views' beat: loss curve, error-signal maps, loss slices

_current: "FrameClock | None" = None  # the clock started last: the window's (one per process in the app)


def current() -> "FrameClock | None":
    """The running frame clock, or None (a view built on its own, as in tests, then redraws at once)."""
    clock = _current
    if clock is None:
        return None
    try:
        return clock if clock.active else None
    except RuntimeError:  # its Qt object is gone with its window
        return None


def shared() -> "FrameClock":
    """The running frame clock; a view that must pace itself without a window (the race panel
    on its own) gets one started here, at the same FRAME_HZ."""
    clock = current()
    if clock is None:
        clock = FrameClock()
        _spare.append(clock)  # parentless: kept alive here for the process
        clock.start()
    return clock


_spare: list = []


class FrameClock(QObject):
    tick = Signal()
    slow = Signal()  # every `slow_every`-th tick: the slow views' redraw beat

    def __init__(self, hz: float = FRAME_HZ, detail_hz: float = DETAIL_HZ, parent: QObject | None = None,
                 slow_hz: float = SLOW_HZ) -> None:
        super().__init__(parent)
        self.hz = float(hz)
        self.detail_every = max(1, round(hz / detail_hz))  # ticks between two detailed frames
        self.slow_every = max(1, round(hz / slow_hz))  # ticks between two slow-view redraws
        self.period = 1.0 / self.hz  # seconds between two ticks, on average
        self._timer = QTimer(self)
        self._timer.setObjectName("frameClock")  # the one timer that paces frames
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(1000.0 * self.period)))
        self._timer.timeout.connect(self._on_timeout)
        self.ticks = 0
        self._due = 0.0  # perf_counter() time the next tick is due

    def _on_timeout(self) -> None:
        self._schedule_next(time.perf_counter())
        self.ticks += 1
        self.tick.emit()
        if self.ticks % self.slow_every == 0:
            self.slow.emit()

    def _schedule_next(self, now: float) -> None:
        """Aim each tick at its own slot of a steady 1/hz grid: a timer counts whole
        milliseconds, so a fixed 16 ms interval would give 62.5 ticks a second and 17 ms
        58.8; re-aiming every tick gives `hz` on average. A tick more than a frame late
        drops the missed slots instead of firing a burst to catch up."""
        self._due += self.period
        if self._due < now:
            self._due = now + self.period
        self._timer.start(max(1, round(1000.0 * (self._due - now))))

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def start(self) -> None:
        global _current
        _current = self
        self._due = time.perf_counter() + self.period
        self._timer.start(max(1, round(1000.0 * self.period)))

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()
