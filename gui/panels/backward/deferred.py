"""Coalesce expensive redraws: at most one per beat of the frame clock's slow tick, and none
while the widget is hidden (it catches up in showEvent via `flush`).

Snapshots can arrive 60 times a second; error-signal maps, loss surfaces and replays need
a few milliseconds each, so panels ask for a refresh and this runs it on the next slow beat
(gui.clock: the one place that paces frames). Without a running clock (a panel on its
own, as in tests) a request runs at once when the widget is visible.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from gui.clock import current


class Deferred(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback = callback
        self.dirty = False
        self._clock = None  # the FrameClock whose slow beat this follows

    def request(self) -> None:
        self.dirty = True
        clock = current()
        if clock is None:
            self._due()
        elif clock is not self._clock:
            self._clock = clock
            clock.slow.connect(self._due)

    def _due(self) -> None:
        if self._widget.isVisible():
            self.flush()

    def flush(self) -> None:
        """Run now if something is pending (call from showEvent, and in tests)."""
        if self.dirty:
            self.dirty = False
            self._callback()
