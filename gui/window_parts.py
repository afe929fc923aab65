"""Small pieces of the main window: the message banner and the editor stand-in."""
from __future__ import annotations

import traceback

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.snapshot import Snapshot
from engine.spec import NetworkSpec


class PlaceholderEditor(QWidget):
    """Stands in for gui.editor.NetworkEditor until it exists: shows layers, +/- units and layers."""

    specEdited = Signal(object)
    weightEdited = Signal(int, int, int, int, float)
    unitSelected = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spec: NetworkSpec | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignTop)

    def set_spec(self, spec: NetworkSpec) -> None:
        from dataclasses import replace

        self._spec = spec
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        title = QLabel("Network")
        title.setObjectName("caption")
        self._layout.addWidget(title)
        for i, layer in enumerate(spec.layers):
            row = QHBoxLayout()
            row.addWidget(QLabel(f"{layer.name}: {layer.units} × {layer.activation}"))
            if i < len(spec.layers) - 1:
                for text, delta in (("−", -1), ("+", 1)):
                    b = QPushButton(text)
                    b.setFixedWidth(28)
                    b.setToolTip(f"{'Remove a unit from' if delta < 0 else 'Add a unit to'} {layer.name}")
                    units = layer.units + delta

                    def edit(_=False, i=i, units=units) -> None:
                        if units >= 1:
                            layers = list(spec.layers)
                            layers[i] = replace(layers[i], units=units)
                            self.specEdited.emit(spec.with_changes(layers=tuple(layers)))

                    b.clicked.connect(edit)
                    row.addWidget(b)
            row.addStretch(1)
            w = QWidget()
            w.setLayout(row)
            self._layout.addWidget(w)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        pass


def make_editor() -> tuple[QWidget, bool]:
    """The real network editor when gui.editor provides one, else the placeholder."""
    try:
        from gui.editor import NetworkEditor  # type: ignore[attr-defined]
    except ImportError:
        return PlaceholderEditor(), False
    try:
        return NetworkEditor(), True
    except Exception:  # a broken editor must not stop the playground from opening
        traceback.print_exc()
        return PlaceholderEditor(), False


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
