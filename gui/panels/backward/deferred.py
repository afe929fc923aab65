"""Coalesce expensive redraws: at most one per interval, and none while the widget is hidden.

Snapshots can arrive 60 times a second; error-signal maps, loss surfaces and replays need
a few milliseconds each, so panels ask for a refresh and this runs it when it is due.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget


class Deferred(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], None], interval_ms: int = 250) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback = callback
        self.dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._due)

    def request(self) -> None:
        self.dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def _due(self) -> None:
        if self._widget.isVisible():
            self.flush()

    def flush(self) -> None:
        """Run now if something is pending (call from showEvent, and in tests)."""
        if self.dirty:
            self.dirty = False
            self._callback()
