"""Small pieces of the main window: the message strip."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

STRIP_HEIGHT = 30


class MessageBanner(QWidget):
    """Things the user must notice (divergence, re-initialisation, an example's story), in a
    fixed place beside the workspace tabs. The strip keeps its size whether or not a message
    is shown, so a message never moves what is under the cursor. One line; the whole text
    is in the tooltip when it is longer than the strip."""

    COLOURS = {"diverged": "#b3261e", "error": "#b3261e", "reinitialised": "#7a5a00", "info": "#245b8f"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageStrip")
        self.setFixedHeight(STRIP_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label = QLabel()
        self.label.setObjectName("bannerText")
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.close_button = QPushButton("✕")
        self.close_button.setFlat(True)
        self.close_button.setFixedSize(26, 26)
        self.close_button.setToolTip("Dismiss this message")
        self.close_button.clicked.connect(self.clear)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 2, 2, 2)
        row.addWidget(self.label, 1)
        row.addWidget(self.close_button)
        self.kind = ""
        self.text = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)
        self.clear()

    @property
    def active(self) -> bool:
        """A message is showing."""
        return bool(self.text)

    def show_message(self, kind: str, text: str) -> None:
        self.kind, self.text = kind, text
        colour = self.COLOURS.get(kind, "#245b8f")
        self.setStyleSheet(f"#messageStrip {{ background: {colour}; border-radius: 4px; }}"
                           " QLabel, QPushButton { color: white; font-weight: 600; }")
        self.close_button.setEnabled(True)
        self.close_button.setText("✕")
        self._elide()
        self.setToolTip(text)
        if kind in ("info", "reinitialised"):
            self._timer.start(10000)
        else:
            self._timer.stop()

    def clear(self) -> None:
        """Back to an empty strip (same size, nothing moves)."""
        self.kind, self.text = "", ""
        self.label.setText("")
        self.setToolTip("")
        self.setStyleSheet("#messageStrip { background: transparent; }")
        self.close_button.setEnabled(False)
        self.close_button.setText("")
        self._timer.stop()

    def _elide(self) -> None:
        width = max(40, self.label.width())
        self.label.setText(QFontMetrics(self.label.font()).elidedText(self.text, Qt.TextElideMode.ElideRight, width))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.text:
            self._elide()
