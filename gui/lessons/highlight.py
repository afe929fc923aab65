"""Point at the views a lesson talks about: a coloured frame that pulses, then stays.

The frame is a child widget laid over the target (it lets every click through), follows the
target's size, and is removed when the lesson changes. Docks named by a lesson are shown
and brought to the front of their tab group.

A window shows one workspace at a time (gui/workspaces.py). When a lesson's views lie in two,
the first view's workspace comes forward and every other workspace holding one of its views
has its tab framed and pulsing too, with a tooltip and a short line ("Also look at: 3 · Look
inside") for the lesson panel; the marks follow the learner from tab to tab.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, QRect, QRectF, Qt, QVariantAnimation
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QDockWidget, QWidget

from ..workspaces import WORKSPACES

COLOR = QColor(255, 140, 0)  # orange: visible on the light and the dark theme
WIDTH = 4
PULSES = 3
BOTTOM_HEIGHT = 420  # a highlighted bottom dock gets at least this height (the step-through diagram needs it)
SIDE_HEIGHT = 260  # a highlighted dock in a side column gets at least this much of the column


class Frame(QWidget):
    """A transparent overlay drawing a rounded frame around its parent (or around the part of
    it that `area()` gives, e.g. one tab of a tab bar)."""

    def __init__(self, target: QWidget, area: Callable[[], QRect] | None = None) -> None:
        super().__init__(target)
        self._area = area if area is not None else target.rect
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
        self.setGeometry(self._area())
        self.raise_()
        self.show()
        self._anim.start()

    def _fade(self, value: Any) -> None:
        self.alpha = int(value)
        self.update()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if obj is self.parent() and event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.ChildAdded,
                                                     QEvent.Type.LayoutRequest):
            self.setGeometry(self._area())
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


EDITOR_SPACES = ("train", "backward")  # the one network editor moves to whichever of these is on screen


def workspace_of(name: str, dock: Any) -> str | None:
    """The workspace a lesson's view lives in: its page's, "editor" for the editor (either
    of EDITOR_SPACES will do), None for what is always on screen (the training controls)."""
    if name == "editor":
        return "editor"
    space = dock.property("workspace") if isinstance(dock, QWidget) else None
    return str(space) if space else None


def tab_title(window: Any, space: str) -> str:
    spaces = getattr(window, "workspaces", None)
    names = [n for n, _, _ in WORKSPACES]
    if spaces is None or space not in names:
        return space
    return spaces.bar.tabText(names.index(space)).replace("&&", "&")


class Highlighter:
    """Frames the current lesson's views; `clear()` removes every frame.

    `also` lists (workspace, tab title) for the other workspaces holding the lesson's views;
    `on_also(also)` is called whenever it changes (the lesson panel shows it)."""

    def __init__(self, window: Any, on_also: Callable[[list[tuple[str, str]]], None] | None = None) -> None:
        self.window = window
        self.frames: list[Frame] = []
        self.missing: list[str] = []
        self.tab_frames: dict[str, Frame] = {}
        self.also: list[tuple[str, str]] = []
        self.on_also = on_also
        self._views_in: dict[str, list[str]] = {}  # workspace -> the lesson's views there
        self._tips: dict[int, str] = {}  # tab index -> its own tooltip, while marked
        spaces = getattr(window, "workspaces", None)
        if spaces is not None:
            spaces.changed.connect(lambda _name: self._mark_other_workspaces())

    def show(self, names: tuple[str, ...] | list[str]) -> None:
        """Frame every named view; bring them forward last to first, so the first one named
        (the lesson's main view) is the one on screen when they share a place."""
        self.clear()
        found = [(name, *find_view(self.window, name)) for name in names]
        spaces = getattr(self.window, "workspaces", None)
        for name, widget, dock in reversed(found):
            if widget is None:
                continue
            if dock is not None:
                if not dock.isVisible():
                    dock.show()
                dock.raise_()
                if isinstance(dock, QDockWidget):
                    self._make_room(dock)
            elif name == "editor" and spaces is not None and spaces.current not in EDITOR_SPACES:
                spaces.show_workspace(EDITOR_SPACES[0])  # the editor is in no other workspace
        views_in: dict[str, list[str]] = {}
        for name, widget, dock in found:
            if widget is None:
                self.missing.append(name)
            else:
                self.frames.append(Frame(widget))
                space = workspace_of(name, dock)
                if space is not None:
                    views_in.setdefault(space, []).append(name)
        self._views_in = views_in
        self._mark_other_workspaces()

    def _mark_other_workspaces(self) -> None:
        """Frame (pulsing) the tab of every workspace, other than the one on screen, that holds
        one of the lesson's views; its tooltip says which. Called again on every switch."""
        spaces = getattr(self.window, "workspaces", None)
        if spaces is None:
            return
        current = spaces.current
        wanted: dict[str, list[str]] = {}
        for space, views in self._views_in.items():
            if space == "editor":
                if current in EDITOR_SPACES:
                    continue
                space = EDITOR_SPACES[0]
            if space != current:
                wanted.setdefault(space, []).extend(views)
        names = [n for n, _, _ in WORKSPACES]
        for space in [s for s in self.tab_frames if s not in wanted]:
            self.tab_frames.pop(space).remove()
            i = names.index(space)
            spaces.bar.setTabToolTip(i, self._tips.pop(i, spaces.bar.tabToolTip(i)))
        bar = spaces.bar
        for space, views in wanted.items():
            i = names.index(space)
            if space not in self.tab_frames:
                self.tab_frames[space] = Frame(bar, area=lambda i=i: bar.tabRect(i))
                self._tips[i] = bar.tabToolTip(i)
            bar.setTabToolTip(i, f"Also look at this tab: the lesson uses its {', '.join(views)} "
                                 f"{'view' if len(views) == 1 else 'views'}.\n{self._tips[i]}")
        also = [(space, tab_title(self.window, space)) for space in names if space in wanted]
        if also != self.also:
            self.also = also
            if self.on_also is not None:
                self.on_also(also)

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
        self._views_in = {}
        self._mark_other_workspaces()

    def targets(self) -> list[QWidget]:
        return [f.parentWidget() for f in self.frames]
