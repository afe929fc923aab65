"""A one-slot mailbox from a background thread to the GUI thread, which can be closed.

The training worker and the race runner both publish pictures of their state this way: the
newest item replaces one the GUI has not taken yet (the GUI draws the latest state, never a
queue of old ones), `taken` lets the thread pace itself by the GUI, and `close` tells the
thread to end. The mailbox shares its owner's Condition, so the owner's other state and the
slot change under one lock; `put`, `clear` and `closed` are used with that lock held.
"""
from __future__ import annotations

import threading
import time
from typing import Generic, TypeVar

T = TypeVar("T")


class Mailbox(Generic[T]):
    def __init__(self, cond: threading.Condition) -> None:
        self._cond = cond
        self._item: T | None = None
        self.taken = True  # the GUI has taken the last item put (or there was none)
        self.taken_at = 0.0  # time.perf_counter() of the last take: when the GUI's frame began
        self.closed = False  # the owner's thread should end

    def put(self, item: T) -> None:
        """Replace what is waiting (caller holds the lock)."""
        self._item = item
        self.taken = False

    def clear(self) -> None:
        """Drop what is waiting, e.g. a picture of a run that has just been replaced (caller holds the lock)."""
        self._item = None
        self.taken = True

    def take(self) -> T | None:
        """The newest item, or None when nothing new came; wakes a thread waiting for the GUI."""
        with self._cond:
            item, self._item = self._item, None
            if item is not None:
                self.taken = True
                self.taken_at = time.perf_counter()
                self._cond.notify_all()
            return item

    def close(self) -> None:
        """Ask the owner's thread to end (it sees `closed` when it wakes)."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()
