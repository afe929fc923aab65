"""Point at the views a lesson talks about: a coloured frame that pulses, then stays.

The frame is a child widget laid over the target (it lets every click through), follows the
target's size, and is removed when the lesson changes. Docks named by a lesson are shown
and brought to the front of their tab group.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QVariantAnimation
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QDockWidget, QWidget

COLOR = QColor(255, 140, 0)  # orange: visible on the light and the dark theme
WIDTH = 4
PULSES = 3
BOTTOM_HEIGHT = 420  # a highlighted bottom dock gets at least this height (the step-through diagram needs it)
SIDE_HEIGHT = 260  # a highlighted dock in a side column gets at least this much of the column


class Frame(QWidget):
    """A transparent overlay drawing a rounded frame around its parent."""

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.setObjectName("lessonHighlight")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.alpha = 255
        self._anim = QVariantAnimation(self)
        self._anim.setStartValue(255)
        self._anim.setKeyValueAt(0.5, 60)
        self._anim.setEndValue(255)
        self._anim.setDuration(900)
        self._anim.setLoopCount(PULSES)
        self._anim.valueChanged.connect(self._fade)
        target.installEventFilter(self)
        self.setGeometry(target.rect())
        self.raise_()
        self.show()
        self._anim.start()

    def _fade(self, value: Any) -> None:
        self.alpha = int(value)
        self.update()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if obj is self.parent() and event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.ChildAdded):
            self.setGeometry(self.parentWidget().rect())
            self.raise_()
        return False

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = QColor(COLOR)
        color.setAlpha(self.alpha)
        p.setPen(QPen(color, WIDTH))
        p.setBrush(Qt.BrushStyle.NoBrush)
        half = WIDTH / 2
        p.drawRoundedRect(QRectF(self.rect()).adjusted(half, half, -half, -half), 6, 6)

    def remove(self) -> None:
        self._anim.stop()
        parent = self.parentWidget()
        if parent is not None:
            parent.removeEventFilter(self)
        self.hide()
        self.deleteLater()


def find_view(window: Any, name: str) -> tuple[QWidget | None, QWidget | None]:
    """(widget to frame, dock or workspace page to bring forward) for a lesson's view name;
    (None, None) if the window has no such view. `window.docks` holds QDockWidgets and the
    workspace pages that stand in for docks (show()/raise_() bring them on screen)."""
    docks = getattr(window, "docks", {})
    aliases = {
        "training": "trainingDock", "data": "dataDock", "output": "outputDock", "loss": "lossDock",
        "unit maps": "unitsDock", "patterns": "patternsDock", "hinton": "hintonDock",
        "backward": "backwardDock", "timeline": "timelineDock", "race": "raceDock",
    }
    if name == "editor":
        return getattr(window, "editor", None), None
    if name == "play":
        controls = getattr(window, "controls", None)
        return getattr(controls, "play_button", None), docks.get("trainingDock")
    if name == "step-through":
        panel = getattr(window, "backward_panel", None)
        if panel is None:
            return None, None
        panel.setCurrentWidget(panel.step_through)
        return panel.step_through, docks.get("backwardDock")
    dock = docks.get(aliases.get(name, name))
    if dock is None and name == "race":  # the race view may dock under another name
        dock = next((d for n, d in docks.items() if n.lower().startswith("race")), None)
    return dock, dock


class Highlighter:
    """Frames the current lesson's views; `clear()` removes every frame."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.frames: list[Frame] = []
        self.missing: list[str] = []

    def show(self, names: tuple[str, ...] | list[str]) -> None:
        """Frame every named view; bring them forward last to first, so the first one named
        (the lesson's main view) is the one on screen when they share a place."""
        self.clear()
        found = [(name, *find_view(self.window, name)) for name in names]
        for name, widget, dock in reversed(found):
            if widget is None:
                continue
            if dock is not None:
                if not dock.isVisible():
                    dock.show()
                dock.raise_()
                if isinstance(dock, QDockWidget):
                    self._make_room(dock)
        for name, widget, _ in found:
            if widget is None:
                self.missing.append(name)
            else:
                self.frames.append(Frame(widget))

    def _make_room(self, dock: QDockWidget) -> None:
        """Give a dock the lesson points at enough height to be read (Qt keeps every minimum)."""
        w = self.window
        if not isinstance(dock, QDockWidget) or dock.isFloating():
            return  # a view in one of the window's workspaces: sized by the window (gui/workspaces.py)
        area = w.dockWidgetArea(dock)
        if area == Qt.DockWidgetArea.BottomDockWidgetArea and dock.height() < BOTTOM_HEIGHT:
            w.resizeDocks([dock], [min(BOTTOM_HEIGHT, int(w.height() * 0.55))], Qt.Orientation.Vertical)
        elif area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea) \
                and dock.height() < SIDE_HEIGHT:
            # the docks stacked with it in the column give up what they can spare above their minimum
            column = [d for d in w.findChildren(QDockWidget) if d is not dock and d.isVisible() and not d.isFloating()
                      and w.dockWidgetArea(d) == area and abs(d.x() - dock.x()) < 4 and d.y() != dock.y()]
            spare = {d: max(0, d.height() - d.minimumSizeHint().height()) for d in column}
            want = min(SIDE_HEIGHT - dock.height(), sum(spare.values()))
            if want > 0:
                give = {d: spare[d] * want // max(1, sum(spare.values())) for d in column}
                w.resizeDocks([dock, *column], [dock.height() + sum(give.values())] + [d.height() - give[d] for d in column],
                              Qt.Orientation.Vertical)

    def clear(self) -> None:
        for f in self.frames:
            f.remove()
        self.frames = []
        self.missing = []

    def targets(self) -> list[QWidget]:
        return [f.parentWidget() for f in self.frames]
