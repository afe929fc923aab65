"""The Lessons side panel: the page, the task, a set-up button, the check's result, progress."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextDocumentFragment
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QTextBrowser, QVBoxLayout,
                               QWidget)

from .controller import LessonController, Status
from .model import VIEWS

DONE_STYLE = "QFrame#lessonResult { background: rgba(46, 160, 67, 40); border: 1px solid rgb(46, 160, 67); border-radius: 6px; }"
WAIT_STYLE = "QFrame#lessonResult { border: 1px dashed palette(mid); border-radius: 6px; }"
TASK_STYLE = "QFrame#lessonTask { border: 2px solid rgb(255, 140, 0); border-radius: 6px; }"


def _wrapped(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


class LessonsPanel(QWidget):
    def __init__(self, controller: LessonController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonsPanel")
        self.controller = controller
        self.setMinimumWidth(236)

        self.heading = QLabel()
        self.heading.setObjectName("lessonHeading")
        self.heading.setWordWrap(True)
        f = QFont(self.heading.font())
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.2)
        self.heading.setFont(f)

        self.ticks_row = QHBoxLayout()
        self.ticks_row.setSpacing(3)
        self.tick_buttons: list[QPushButton] = []
        for i, lesson in enumerate(controller.lessons):
            b = QPushButton()
            b.setCheckable(True)
            b.setFixedHeight(26)
            b.setMinimumWidth(28)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, n=i: controller.go(n))
            self.tick_buttons.append(b)
            self.ticks_row.addWidget(b)
        self.ticks_row.addStretch(1)
        self.progress_label = QLabel()  # in the row of the previous/next buttons
        self.progress_label.setObjectName("lessonProgress")
        self.progress_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.page = QTextBrowser()
        self.page.setObjectName("lessonPage")
        self.page.setOpenExternalLinks(False)
        self.page.setFrameShape(QFrame.Shape.NoFrame)
        self.page.setMinimumHeight(90)

        self.task_box = QFrame()
        self.task_box.setObjectName("lessonTask")
        self.task_box.setStyleSheet(TASK_STYLE)
        task_title = QLabel("Your task")
        bold = QFont(task_title.font())
        bold.setBold(True)
        task_title.setFont(bold)
        self.task_label = _wrapped()
        self.task_label.setObjectName("lessonTaskText")
        self.setup_button = QPushButton("Set up this lesson")
        self.setup_button.setObjectName("lessonSetUp")
        self.setup_button.setToolTip("Load this lesson's network, data and settings, with fresh random weights.\n"
                                     "Your task is checked from then on.")
        self.setup_button.clicked.connect(controller.set_up)
        # "Also look at: 3 · Look inside" when the lesson's views lie in a workspace not on screen
        self.also_label = QLabel()
        self.also_label.setObjectName("lessonAlso")
        self.also_label.setWordWrap(True)
        self.also_label.setTextFormat(Qt.TextFormat.RichText)
        self.also_label.setToolTip("This lesson also uses views in another tab of the window (its tab is framed in orange).\n"
                                   "Click the name to go there.")
        self.also_label.setVisible(False)
        tl = QVBoxLayout(self.task_box)
        tl.setContentsMargins(8, 6, 8, 8)
        tl.addWidget(task_title)
        tl.addWidget(self.task_label)
        tl.addWidget(self.also_label)
        tl.addWidget(self.setup_button)

        self.result_box = QFrame()
        self.result_box.setObjectName("lessonResult")
        self.result_label = _wrapped()
        self.result_label.setObjectName("lessonResultText")
        rl = QVBoxLayout(self.result_box)
        rl.setContentsMargins(8, 6, 8, 6)
        rl.addWidget(self.result_label)

        self.prev_button = QPushButton("◀ Back")
        self.prev_button.setToolTip("The previous lesson")
        self.next_button = QPushButton("Next ▶")
        self.next_button.setToolTip("The next lesson")
        self.prev_button.clicked.connect(controller.previous)
        self.next_button.clicked.connect(controller.next)
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.progress_label, 1)
        nav.addWidget(self.next_button)

        self.problems_label = _wrapped()
        self.problems_label.setObjectName("lessonProblems")
        self.problems_label.setStyleSheet("color: rgb(200, 40, 40);")
        self.problems_label.setVisible(bool(controller.problems))
        self.problems_label.setText("\n".join(str(p) for p in controller.problems))

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)
        lay.addLayout(self.ticks_row)
        lay.addWidget(self.heading)
        lay.addWidget(self.page, 1)
        lay.addWidget(self.task_box)
        lay.addWidget(self.result_box)
        lay.addLayout(nav)
        lay.addWidget(self.problems_label)

        controller.lessonChanged.connect(lambda _: self.show_lesson())
        controller.statusChanged.connect(self.show_status)
        controller.progressChanged.connect(self.show_progress)
        self.show_lesson()

    # ----- drawing ----------------------------------------------------------------------------
    def show_also(self, also: list[tuple[str, str]]) -> None:
        """(workspace, tab title) pairs: a line of links, one per other tab to look at."""
        links = ", ".join(f"<a href='{space}' style='color: rgb(230, 120, 0)'>{html.escape(title)}</a>"
                          for space, title in also)
        self.also_label.setText(f"<b>Also look at:</b> {links}" if also else "")
        self.also_label.setVisible(bool(also))

    def also_text(self) -> str:
        """The "Also look at" line as read on screen ('' when hidden)."""
        if not self.also_label.isVisible() and not self.also_label.text():
            return ""
        return QTextDocumentFragment.fromHtml(self.also_label.text()).toPlainText()

    def show_lesson(self) -> None:
        c = self.controller
        lesson = c.lesson
        if lesson is None:
            self.heading.setText("No lessons found")
            self.page.setPlainText("The lessons folder (resources/lessons) has no lesson this app can read.")
            self.task_box.hide()
            self.result_box.hide()
            self.prev_button.setEnabled(False)
            self.next_button.setEnabled(False)
            return
        self.heading.setText(f"Lesson {c.index + 1} of {len(c.lessons)}: {lesson.title}")
        self.page.setHtml("".join(f"<p>{html.escape(p)}</p>" for p in lesson.page))
        self.task_label.setText(lesson.task)
        looks = [VIEWS.get(v, v) for v in lesson.views]
        # the orange frames point at these views; the words are a tooltip (saves room on small screens)
        self.task_box.setToolTip(("Look at: " + "; ".join(looks) + ".") if looks else "")
        self.prev_button.setEnabled(c.index > 0)
        self.next_button.setEnabled(c.index < len(c.lessons) - 1)
        self.show_progress()
        self.show_status(c.status())

    def show_progress(self) -> None:
        c = self.controller
        done = c.progress.done()
        for i, (b, lesson) in enumerate(zip(self.tick_buttons, c.lessons)):
            ok = lesson.id in done
            b.setText(f"{i + 1} ✓" if ok else str(i + 1))
            b.setChecked(i == c.index)
            b.setToolTip(f"Lesson {i + 1}: {lesson.title}" + (" (done)" if ok else ""))
        n = sum(l.id in done for l in c.lessons)
        self.progress_label.setText(f"{n} of {len(c.lessons)} done")
        if c.lesson is not None and c.status().done_text is None:
            self.show_status(c.status())

    def show_status(self, status: Status) -> None:
        c = self.controller
        lesson = c.lesson
        if lesson is None:
            return
        self.result_box.show()
        if status.done_text is not None:
            self.result_box.setStyleSheet(DONE_STYLE)
            self.result_label.setText("✓ Done! " + status.done_text)
            self.setup_button.setText("Set up again")
        elif status.armed:
            self.result_box.setStyleSheet(WAIT_STYLE)
            self.result_label.setText(status.result.status if status.result is not None else "Your task is being checked.")
            self.setup_button.setText("Set up again")
        else:
            self.result_box.setStyleSheet(WAIT_STYLE)
            before = "You did this task before. " if c.is_done(lesson.id) else ""
            self.result_label.setText(before + "Press “Set up this lesson” to start. Your work is checked after that.")
            self.setup_button.setText("Set up this lesson")

    def result_text(self) -> str:
        return self.result_label.text()
