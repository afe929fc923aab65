"""Views fed every frame draw only while they can be seen; a hidden one catches up when shown.

The window hands each snapshot (about 60 a second while training) to every live view. A
view in a tab or workspace that is not on screen would still redraw its maps each time and
hold the GIL the training thread needs, for nothing. A view with this mixin keeps only the
latest snapshot while hidden inside a running window and draws it in its showEvent. Outside
a window (no running frame clock: a view on its own, as in tests) it draws at once.
"""
from __future__ import annotations

from typing import Any

from gui.clock import current


class CatchUpWhenShown:
    """Mixin for a QWidget with `show_snapshot` (list it before QWidget): call
    `draw_now(snapshot)` first thing in `show_snapshot`; the mixin's showEvent catches up."""

    _held: Any = None  # the latest snapshot that arrived while hidden

    def draw_now(self, snapshot: Any) -> bool:
        """True: draw this snapshot now. False: hidden in a running window; it is kept for later."""
        if self.isVisible() or current() is None:  # type: ignore[attr-defined]
            self._held = None
            return True
        self._held = snapshot
        return False

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)  # type: ignore[misc]
        self.catch_up()

    def catch_up(self) -> None:
        """Draw what arrived while hidden."""
        held, self._held = self._held, None
        if held is not None:
            self.show_snapshot(held)  # type: ignore[attr-defined]
