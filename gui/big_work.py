"""The window's question before big work: a network and data set whose estimate (engine/estimate.py,
computed from sizes, nothing allocated) is past the memory limit, or whose every epoch would take
very long, are only used when the user says so.

`ask_with_message_box` is the default answer-giver; the document holds it as `confirm_big_work`
so tests (and scripted runs) answer without a modal dialog.
"""
from __future__ import annotations

from typing import Callable

from engine import limits
from engine.core.spec import NetworkSpec
from engine.estimate import LONG_WORK, Estimate, estimate, gb


def estimate_for(spec: NetworkSpec, n_points: int, batch_size: int | None) -> Estimate:
    """One epoch of training `spec` on `n_points` points: memory and work per epoch."""
    return estimate(spec, n_points, 1, batch_size)


def is_big(e: Estimate) -> bool:
    """Past the memory limit, or one epoch is long work (about a minute or more)."""
    return e.too_big or e.work > LONG_WORK


def grew_past_limit(new: Estimate, old: Estimate | None) -> bool:
    """Ask for `new` when it is big and the state it replaces was not (or it is twice as big):
    an edit to a network the user already accepted as big does not ask again."""
    if not is_big(new):
        return False
    if old is None or not is_big(old):
        return True
    return new.memory_bytes > 2 * old.memory_bytes or new.work > 2 * old.work


def question(e: Estimate) -> str:
    """Plain words: how big, the limit, and what to change."""
    parts = []
    if e.too_big:
        parts.append(f"This network and data need about {gb(e.memory_bytes)} of memory "
                     f"(the limit is {gb(limits.MAX_MEMORY_BYTES)}). The computer may run out of memory.")
    if e.work > LONG_WORK:
        minutes = e.work / 2e9 / 60
        parts.append(f"Each training epoch needs about {e.work:.2g} multiply-adds: roughly "
                     f"{max(minutes, 1):.0f} minute{'s' if minutes >= 1.5 else ''} or more per epoch.")
    parts.append("To make it smaller: use fewer data points, or fewer or narrower layers.")
    parts.append("Train anyway?")
    return "\n\n".join(parts)


def ask_with_message_box(e: Estimate) -> bool:
    """The default question: True only when the user chooses to go on."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, "Very big work", question(e), parent=QApplication.activeWindow())
    go = box.addButton("Train anyway", QMessageBox.ButtonRole.AcceptRole)
    smaller = box.addButton("Make it smaller", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(smaller)
    box.exec()
    return box.clickedButton() is go


class BigWorkGate:
    """One question per action (opening a project checks its size twice: file, then data).
    Without a `confirm` (a window that cannot ask) big work is refused, as the engine does."""

    def __init__(self, confirm: Callable[[Estimate], bool] | None) -> None:
        self.confirm = confirm
        self.answer: bool | None = None  # None: not asked yet

    @property
    def declined(self) -> bool:
        return self.answer is False

    def __call__(self, e: Estimate) -> bool:
        """Asked by the engine's loaders about a run too big for memory."""
        if self.answer is None:
            self.answer = bool(self.confirm(e)) if self.confirm is not None else False
        return self.answer

    def check(self, e: Estimate) -> bool:
        """True when `e` is not big work, or the user already said (or now says) go on. Without
        a `confirm`, only what the loaders refuse (too big for memory) is refused."""
        return not is_big(e) or self.confirm is None or self(e)
