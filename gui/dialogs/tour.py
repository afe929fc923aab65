"""A short first-run tour: a few pages, shown once (a QSettings flag), skippable at any page."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

SHOWN_KEY = "tour/shown"

TOUR_PAGES: tuple[tuple[str, str], ...] = (
    (
        "Build a network",
        "Drag layers from the palette onto the canvas, click a layer to change its units or "
        "activation, and drag between nodes to add connections (skip connections too).",
    ),
    (
        "Train it",
        "Press Play (Space) and watch the loss fall. Every hidden unit shows its own decision "
        "boundary, redrawn as it learns; slow motion shows each epoch.",
    ),
    (
        "See the backward pass",
        "The Backward tab steps one pattern through forward and backward passes and shows each "
        "unit's error signal: the blame that backpropagation sends back.",
    ),
    (
        "Keep your work",
        "Ctrl+S saves the whole run (weights, history, settings); Ctrl+Z undoes any edit. Export "
        "the network as NumPy arrays or a PyTorch script from File > Export.",
    ),
)


class FirstRunTour(QDialog):
    def __init__(self, parent: QWidget | None = None, pages: tuple[tuple[str, str], ...] = TOUR_PAGES) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Backprop Playground")
        self.pages = QStackedWidget(self)
        for i, (title, text) in enumerate(pages):
            page = QWidget()
            col = QVBoxLayout(page)
            heading = QLabel(f"<h2>{title}</h2>")
            body = QLabel(text)
            body.setWordWrap(True)
            body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            step = QLabel(f"{i + 1} of {len(pages)}")
            col.addWidget(heading)
            col.addWidget(body, 1)
            col.addWidget(step)
            self.pages.addWidget(page)
        self.skip_button = QPushButton("Skip tour")
        self.back_button = QPushButton("Back")
        self.next_button = QPushButton("Next")
        self.next_button.setDefault(True)
        self.skip_button.clicked.connect(self.reject)
        self.back_button.clicked.connect(lambda: self.go(self.pages.currentIndex() - 1))
        self.next_button.clicked.connect(self._next)
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self.resize(440, 240)
        self.go(0)

    def go(self, index: int) -> None:
        index = max(0, min(index, self.pages.count() - 1))
        self.pages.setCurrentIndex(index)
        self.back_button.setEnabled(index > 0)
        self.next_button.setText("Done" if index == self.pages.count() - 1 else "Next")

    def _next(self) -> None:
        if self.pages.currentIndex() == self.pages.count() - 1:
            self.accept()
        else:
            self.go(self.pages.currentIndex() + 1)


def maybe_show_tour(parent: QWidget | None = None, settings: QSettings | None = None) -> FirstRunTour | None:
    """Show the tour (non-blocking) on the first run only; the flag is set as soon as it is shown.

    Not when the window has already closed (a delayed call after a quick quit): a tour
    without its window would keep the application running with nothing else on screen."""
    if parent is not None and not parent.isVisible():
        return None
    settings = settings if settings is not None else QSettings()
    if str(settings.value(SHOWN_KEY, "false")).lower() == "true":
        return None
    settings.setValue(SHOWN_KEY, True)
    settings.sync()
    tour = FirstRunTour(parent)
    tour.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    tour.open()
    return tour
