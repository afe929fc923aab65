"""Views built on first use, so the window opens without building what is not on screen.

`LazyView(factory)` stands in the window's layout for a view until it is first shown (its
tab or workspace opens) or first asked for (`view()`; `window.<name>` through
MainWindow.lazy_views): then `factory()` builds the view, it takes the placeholder's place
inside it and `built` is emitted once with it. Everything else about the view is unchanged.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget


class LazyView(QWidget):
    built = Signal(object)  # the view, once, right after it is built

    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._view: QWidget | None = None
        self._building = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        return self._view is not None

    def view(self) -> QWidget:
        """The view, built now if it was not yet."""
        if self._view is None:
            if self._building:  # the factory asked for its own view: a wiring mistake
                raise RuntimeError("a lazily built view was asked for while it was being built")
            self._building = True
            try:
                view = self._factory()
            finally:
                self._building = False
            self._view = view
            self.layout().addWidget(view)
            self.built.emit(view)
        return self._view

    def showEvent(self, event) -> None:  # noqa: N802
        self.view()
        super().showEvent(event)
