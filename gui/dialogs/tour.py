"""A short first-run tour that points at what it describes: each page frames its widget
where it really is in the window and sits right beside it (never over it, and over as
little as it can of the network the page talks about), with a short arrow to it. Shown once (a QSettings flag), skippable at any page.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QLineF, QPoint, QPointF, QRect, QSettings, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMenuBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

SHOWN_KEY = "tour/shown"
BUBBLE_SIZE = (360, 200)
GAP = 18  # between the bubble and what it points at (the arrow's length)
FRAME = QColor(255, 140, 0)

Finder = Callable[[Any], "QRect | None"]  # window -> the target's rectangle in window coordinates


def _widget_rect(window: Any, widget: Any) -> QRect | None:
    if not isinstance(widget, QWidget) or not widget.isVisible():
        return None
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _attr(*names: str) -> Finder:
    def find(window: Any) -> QRect | None:
        obj = window
        for name in names:
            obj = getattr(obj, name, None)
        return _widget_rect(window, obj)
    return find


def _workspace_tab(index: int) -> Finder:
    def find(window: Any) -> QRect | None:
        bar = getattr(getattr(window, "workspaces", None), "bar", None)
        if bar is None or not bar.isVisible():
            return None
        return QRect(bar.mapTo(window, bar.tabRect(index).topLeft()), bar.tabRect(index).size())
    return find


def _menu(title: str) -> Finder:
    def find(window: Any) -> QRect | None:
        bar = window.menuBar() if hasattr(window, "menuBar") else None
        if not isinstance(bar, QMenuBar):
            return None
        for action in bar.actions():
            if action.text().replace("&", "") == title:
                g = bar.actionGeometry(action)
                return QRect(bar.mapTo(window, g.topLeft()), g.size()) if g.isValid() else None
        return None
    return find


def _network_on_canvas(window: Any) -> list[QRect]:
    """The layer columns drawn on the editor's canvas, in window coordinates (what is visible)."""
    editor = getattr(window, "editor", None)
    scene, view = getattr(editor, "scene", None), getattr(editor, "view", None)
    if scene is None or view is None or not view.isVisible():
        return []
    port = view.viewport()
    shown = QRect(port.mapTo(window, QPoint(0, 0)), port.size())
    rects = []
    for item in [*getattr(scene, "input_columns", []), *getattr(scene, "layer_columns", [])]:
        r = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
        r = QRect(port.mapTo(window, r.topLeft()), r.size()) & shown
        if not r.isEmpty():
            rects.append(r)
    return rects


def _network_and_tabs(window: Any) -> list[QRect]:
    """The network on the canvas, and the workspace tabs (a bubble over them hides where to go next)."""
    bar = getattr(getattr(window, "workspaces", None), "bar", None)
    tabs = [_widget_rect(window, bar)] if bar is not None else []
    return _network_on_canvas(window) + [r for r in tabs if r is not None]


@dataclass(frozen=True)
class TourPage:
    title: str
    text: str
    target: Finder | None = None  # what the page points at
    keep_clear: Callable[[Any], "QRect | list[QRect] | None"] | None = None  # covered as little as can be


TOUR_PAGES: tuple[TourPage, ...] = (
    TourPage("Build a network",
             "Drag a layer from this palette onto the canvas. Click a layer to change its units or "
             "activation; drag between nodes to add connections (skip connections too).",
             _attr("editor", "palette"), _network_and_tabs),
    TourPage("Train it",
             "Press Play (Space). The first run goes slowly, 10 epochs a second, so you can watch the "
             "boundaries form; “Full speed” (F) trains as fast as the computer can.",
             _attr("controls", "play_button")),
    TourPage("Watch it learn",
             "The output map shows what the network answers everywhere on the plane; below it, the "
             "loss falls as it learns. Every hidden unit on the canvas shows its own small map.",
             _attr("output_plot"), _network_and_tabs),
    TourPage("See the backward pass",
             "This tab puts one learning step on your network: the forward values, the error, the blame "
             "flowing back along the edges, and the chain rule for the unit you click (Ctrl+2).",
             _workspace_tab(1)),
    TourPage("Keep your work",
             "Ctrl+S saves the whole run (weights, history, settings); Ctrl+Z undoes any edit.",
             _menu("File")),
    TourPage("Learn step by step",
             "New to backpropagation? The Lessons menu (Ctrl+L) opens six short lessons, from the "
             "perceptron to backpropagation: each one sets up the network and tells you what to try.",
             _menu("Lessons")),
)


class _Pointer(QWidget):
    """Over the whole window, letting every click through: a frame round the target and an
    arrow from the bubble to it."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.target: QRect | None = None
        self.arrow: QLineF | None = None
        self.setGeometry(window.rect())

    def point(self, target: QRect | None, bubble: QRect) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.target = target
        self.arrow = None
        if target is not None:
            start = QPointF(min(max(target.center().x(), bubble.left()), bubble.right()),
                            min(max(target.center().y(), bubble.top()), bubble.bottom()))
            end = QPointF(min(max(start.x(), target.left()), target.right()),
                          min(max(start.y(), target.top()), target.bottom()))
            self.arrow = QLineF(start, end)
        self.raise_()
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        if self.target is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(FRAME, 3))
        p.drawRoundedRect(self.target.adjusted(-3, -3, 3, 3), 6, 6)
        if self.arrow is not None and self.arrow.length() > 4:
            p.drawLine(self.arrow)
            tip, u = self.arrow.p2(), self.arrow.unitVector()
            d = QPointF(u.dx(), u.dy())
            n = QPointF(-d.y(), d.x())
            p.setBrush(FRAME)
            p.drawPolygon(QPolygonF([tip, tip - d * 10 + n * 5, tip - d * 10 - n * 5]))


def _rects(found: "QRect | list[QRect] | None") -> list[QRect]:
    if found is None:
        return []
    return [r for r in (found if isinstance(found, list) else [found]) if r is not None and not r.isEmpty()]


def _area(r: QRect, others: list[QRect]) -> int:
    return sum((r & a).width() * (r & a).height() for a in others)


def place_bubble(window_rect: QRect, size: tuple[int, int], target: QRect | None,
                 keep_clear: "QRect | list[QRect] | None") -> QRect:
    """Right beside the target (right, left, below, above: a tab or a menu near the top gets
    below first), inside the window, never over the target; slid along the target's side to
    cover as little as it can of what it should keep clear (the network the page talks about).
    Sitting beside the target matters more than keeping clear: placed beside some other area,
    the bubble landed on other views (the output plot) with a long arrow back."""
    w, h = size
    area = window_rect.adjusted(8, 8, -8, -8)
    if target is None:
        return QRect(area.center().x() - w // 2, area.center().y() - h // 2, w, h)
    clear = _rects(keep_clear)
    near_top = target.center().y() < area.top() + area.height() // 4

    def slide(lo: int, hi: int, span: int) -> list[int]:
        """Positions (start of a span `span` long) level with [lo, hi], the best first: centred
        on it, or at its start when it is much longer than the bubble (a long palette: its top)."""
        first, last = lo - span + 24, hi - 24  # at least 24 px of the bubble level with the target
        best = lo if hi - lo > 2 * span else (lo + hi) // 2 - span // 2
        return [best] + sorted(range(first, last + 1, 8), key=lambda v: abs(v - best))

    ys = slide(target.top(), target.bottom(), h)
    xs = slide(target.left(), target.right(), w)
    right = [QRect(target.right() + GAP, y, w, h) for y in ys]
    left = [QRect(target.left() - GAP - w, y, w, h) for y in ys]
    below = [QRect(x, target.bottom() + GAP, w, h) for x in xs]
    above = [QRect(x, target.top() - GAP - h, w, h) for x in xs]
    sides = [below, above, right, left] if near_top else [right, left, below, above]
    best: tuple[tuple[int, int, int], QRect] | None = None
    for rank, side in enumerate(sides):
        for order, r in enumerate(side):
            if not area.contains(r) or r.intersects(target):
                continue
            score = (_area(r, clear), rank, order)
            if best is None or score < best[0]:
                best = (score, r)
    if best is not None:
        return best[1]
    # nothing fits beside it: inside the window, the least over the target
    r = QRect(min(max(target.right() + GAP, area.left()), area.right() - w),
              min(max(target.center().y() - h // 2, area.top()), area.bottom() - h), w, h)
    return r


class FirstRunTour(QDialog):
    """Lives inside its window (a child, not a separate window), so it moves with it."""

    def __init__(self, parent: QWidget | None = None, pages: tuple[TourPage, ...] = TOUR_PAGES) -> None:
        super().__init__(parent)
        self.setObjectName("tourBubble")
        if parent is not None:
            self.setWindowFlags(Qt.WindowType.Widget)  # drawn in the window, beside what it points at
            self.setAutoFillBackground(True)
            self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
            self.setStyleSheet("#tourBubble { background: palette(window); border: 2px solid #ff8c00; border-radius: 8px; }")
        self.setWindowTitle("Welcome to Backprop Playground")
        self.tour_pages = pages
        self.pages = QStackedWidget(self)
        for i, page in enumerate(pages):
            w = QWidget()
            col = QVBoxLayout(w)
            col.setContentsMargins(4, 0, 4, 0)
            heading = QLabel(f"<b style='font-size:15px'>{page.title}</b>")
            body = QLabel(page.text)
            body.setWordWrap(True)
            body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            col.addWidget(heading)
            col.addWidget(body, 1)
            self.pages.addWidget(w)
        self.step_label = QLabel("")  # "1 of 6", in the buttons' row: a short bubble fits beside more
        self.step_label.setObjectName("caption")
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
        buttons.addWidget(self.step_label)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self.resize(*BUBBLE_SIZE)
        self.pointer = _Pointer(parent) if parent is not None else None
        self.finished.connect(self._clear_pointer)
        self.go(0)

    def open(self) -> None:  # noqa: A003 (QDialog's name): not modal, the window stays usable
        self.show()
        self.raise_()
        self.go(self.pages.currentIndex())

    def target_rect(self, index: int | None = None) -> QRect | None:
        page = self.tour_pages[self.pages.currentIndex() if index is None else index]
        window = self.parentWidget()
        return page.target(window) if page.target is not None and window is not None else None

    def bubble_size(self, index: int | None = None) -> tuple[int, int]:
        """BUBBLE_SIZE's width; as tall as this page's text needs, at most BUBBLE_SIZE's height
        (a compact bubble finds room beside its target more often)."""
        w, h = BUBBLE_SIZE
        page = self.pages.widget(self.pages.currentIndex() if index is None else index)
        outer = self.layout().contentsMargins()
        inner = w - outer.left() - outer.right()
        text = page.layout().totalHeightForWidth(inner) if page.layout().hasHeightForWidth() else page.sizeHint().height()
        row = max(b.sizeHint().height() for b in (self.skip_button, self.back_button, self.next_button))
        need = outer.top() + text + self.layout().spacing() + row + outer.bottom()
        return w, min(h, need)

    def go(self, index: int) -> None:
        index = max(0, min(index, self.pages.count() - 1))
        self.pages.setCurrentIndex(index)
        self.step_label.setText(f"{index + 1} of {self.pages.count()}")
        self.back_button.setEnabled(index > 0)
        self.next_button.setText("Done" if index == self.pages.count() - 1 else "Next")
        window = self.parentWidget()
        if window is None:
            return
        page = self.tour_pages[index]
        target = self.target_rect(index)
        clear = page.keep_clear(window) if page.keep_clear is not None else None
        bubble = place_bubble(window.rect(), self.bubble_size(), target, clear)
        self.setGeometry(bubble)
        if self.pointer is not None:
            self.pointer.point(target, bubble)
            self.pointer.show()
        self.raise_()

    def _next(self) -> None:
        if self.pages.currentIndex() == self.pages.count() - 1:
            self.accept()
        else:
            self.go(self.pages.currentIndex() + 1)

    def _clear_pointer(self, *_: object) -> None:
        if self.pointer is not None:
            self.pointer.hide()
            self.pointer.deleteLater()
            self.pointer = None


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
