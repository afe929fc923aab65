"""The frame clock: the one place that sets how often the views are fed.

Every pace in the window derives from FRAME_HZ: the GUI pulls the worker's latest
snapshot on each tick, the worker makes snapshots no faster than this rate, and the
detailed views (the network editor's many small items) are fed on every
`DETAIL_EVERY`-th tick. No other timer paces frames.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal

FRAME_HZ = 60.0  # frames per second the views are fed at most
DETAIL_HZ = 20.0  # the network editor's share of those frames (its items cost more per frame)


class FrameClock(QObject):
    tick = Signal()

    def __init__(self, hz: float = FRAME_HZ, detail_hz: float = DETAIL_HZ, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hz = float(hz)
        self.detail_every = max(1, round(hz / detail_hz))  # ticks between two detailed frames
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, int(1000.0 / self.hz)))
        self._timer.timeout.connect(self.tick)
        self.ticks = 0
        self._timer.timeout.connect(self._count)

    def _count(self) -> None:
        self.ticks += 1

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()
