"""Drag-and-drop of CSV files onto any widget (the main window, the data plot)."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QWidget


def csv_paths(mime) -> list[str]:
    """Local .csv files carried by a drag's mime data."""
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile().lower().endswith(".csv")]


class _CsvDropFilter(QObject):
    def __init__(self, widget: QWidget, on_path: Callable[[str], None]) -> None:
        super().__init__(widget)  # parented: lives exactly as long as the widget
        self._on_path = on_path

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove) and isinstance(event, (QDragEnterEvent, QDropEvent)):
            if csv_paths(event.mimeData()):
                event.acceptProposedAction()
                return True
            return False
        if kind == QEvent.Type.Drop and isinstance(event, QDropEvent):
            paths = csv_paths(event.mimeData())
            if paths:
                event.acceptProposedAction()
                self._on_path(paths[0])
                return True
        return False


def install_csv_drop(widget: QWidget, on_path: Callable[[str], None]) -> QObject:
    """Accept .csv files dropped on `widget`; call on_path(path) with the first one dropped."""
    widget.setAcceptDrops(True)
    drop_filter = _CsvDropFilter(widget, on_path)
    widget.installEventFilter(drop_filter)
    return drop_filter
