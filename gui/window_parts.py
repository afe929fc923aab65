"""Small pieces of the main window: the message banner."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget


class MessageBanner(QWidget):
    """A strip above the editor for things the user must notice (divergence, re-initialisation)."""

    COLOURS = {"diverged": "#b3261e", "error": "#b3261e", "reinitialised": "#7a5a00", "info": "#245b8f"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setObjectName("bannerText")
        close = QPushButton("✕")
        close.setFlat(True)
        close.setFixedWidth(26)
        close.setToolTip("Dismiss this message")
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 4, 4)
        row.addWidget(self.label, 1)
        row.addWidget(close)
        self.kind = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, kind: str, text: str) -> None:
        self.kind = kind
        self.label.setText(text)
        colour = self.COLOURS.get(kind, "#245b8f")
        self.setStyleSheet(f"MessageBanner {{ background: {colour}; }} QLabel, QPushButton {{ color: white; font-weight: 600; }}")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.show()
        if kind in ("info", "reinitialised"):
            self._timer.start(8000)
        else:
            self._timer.stop()
