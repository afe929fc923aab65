"""Put the lessons into the main window: a Lessons menu, a side dock, the view highlights."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from .controller import LessonController
from .highlight import Highlighter
from . import model
from .panel import LessonsPanel

SHOW_SHORTCUT = "Ctrl+L"
DOCK_NAME = "lessonsDock"
DOCK_WIDTH = 340


class Lessons(QObject):
    """Everything the lessons add to one window (kept as `window.lessons`)."""

    def __init__(self, window: Any, directory: Path | str | None = None) -> None:
        super().__init__(window)
        self.window = window
        lessons, problems = model.load_lessons(model.LESSON_DIR if directory is None else directory)
        for p in problems:  # one line per refused file; the panel lists them too
            print(f"Backprop Playground: {p}", file=sys.stderr)
        self.controller = LessonController(window, lessons, problems, parent=self)
        self.panel = LessonsPanel(self.controller)
        # Not in a scroll area: the page scrolls by itself, the task, result and buttons stay in view.
        self.dock: QDockWidget = window.add_dock(self.panel, "Lessons", "left", DOCK_NAME, tabify_with="dataDock")
        self.highlighter = Highlighter(window, on_also=self.panel.show_also)
        spaces = getattr(window, "workspaces", None)
        if spaces is not None:  # "Also look at: <tab>" links to that workspace
            self.panel.also_label.linkActivated.connect(spaces.show_workspace)
        self.menu = self._build_menu()
        self.controller.lessonChanged.connect(self._lesson_changed)
        self.controller.progressChanged.connect(self._refresh_menu)
        # new data brings its own views forward (the window's rule); the lesson's views win again
        self.controller.lessonSetUp.connect(lambda _: self._highlight(again=True))
        self.dock.visibilityChanged.connect(self._dock_visibility)
        if problems:
            window.show_message("error", str(problems[0]) + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))

    # ----- menu -------------------------------------------------------------------------------
    def _build_menu(self) -> QMenu:
        w = self.window
        menu = QMenu("&Lessons", w)
        menu.setObjectName("lessonsMenu")
        w.menuBar().insertMenu(w.help_menu.menuAction(), menu)
        self.show_action = QAction("Show the lessons", self)
        self.show_action.setShortcut(QKeySequence(SHOW_SHORTCUT))
        self.show_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.show_action.setStatusTip("Open the lessons panel: six short steps from the perceptron to backpropagation")
        self.show_action.triggered.connect(self.show_panel)
        menu.addAction(self.show_action)
        w.addAction(self.show_action)
        if hasattr(w, "shortcuts"):
            w.shortcuts.append((SHOW_SHORTCUT, "Show the lessons"))
        menu.addSeparator()
        self.lesson_actions: list[QAction] = []
        for i, lesson in enumerate(self.controller.lessons):
            act = QAction(self)
            act.setStatusTip(lesson.task)
            act.triggered.connect(lambda _=False, n=i: self.open_lesson(n))
            menu.addAction(act)
            self.lesson_actions.append(act)
        menu.addSeparator()
        self.setup_action = menu.addAction("Set up the current lesson", self.controller.set_up)
        self.forget_action = menu.addAction("Forget my progress", self.controller.forget_progress)
        self._refresh_menu()
        return menu

    def _refresh_menu(self) -> None:
        done = self.controller.progress.done()
        for i, (act, lesson) in enumerate(zip(self.lesson_actions, self.controller.lessons)):
            act.setText(f"{i + 1}. {lesson.title}" + ("   ✓" if lesson.id in done else ""))

    # ----- showing ----------------------------------------------------------------------------
    def _make_room(self) -> None:
        """Once the lessons are first shown, the left column runs down to the bottom edge, so the
        page, task and result fit on a 1366x768 screen (the bottom docks then start right of it).
        Until then the window keeps its own layout."""
        corner, left = Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea
        if self.window.corner(corner) != left:
            self.window.setCorner(corner, left)

    def show_panel(self) -> None:
        d = self.dock
        self._make_room()
        d.show()
        d.raise_()
        if not d.isFloating() and d.width() < DOCK_WIDTH:
            self.window.resizeDocks([d], [DOCK_WIDTH], Qt.Orientation.Horizontal)
        self._highlight()

    def open_lesson(self, index: int) -> None:
        self.controller.go(index)
        self.show_panel()

    def _lesson_changed(self, _index: int) -> None:
        self._highlight()

    def _dock_visibility(self, visible: bool) -> None:
        """Frames belong to the lesson on screen: none while the panel is hidden behind a tab."""
        if self._busy:
            return
        if visible:
            self._make_room()
            self._highlight()
        else:
            self.highlighter.clear()

    def _highlight(self, again: bool = False) -> None:
        lesson = self.controller.lesson
        if lesson is None or not self.dock.isVisible():
            self.highlighter.clear()
            return
        if self.highlighter.frames and self._shown_for == lesson.id and not again:
            return
        self._shown_for = lesson.id
        self._busy = True  # raising a highlighted dock may hide this one for a moment
        try:
            self.highlighter.show(lesson.views)
            self.dock.raise_()  # a highlighted dock in the same tab group must not hide the lesson
        finally:
            self._busy = False

    _shown_for: str | None = None
    _busy = False


def install_lessons(window: Any, directory: Path | str | None = None) -> Lessons:
    window.lessons = Lessons(window, directory)
    return window.lessons
