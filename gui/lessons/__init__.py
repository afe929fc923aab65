"""Lessons: the credit-assignment story in six playable steps (issue 10).

model (files -> Lesson, no Qt), checks (named task checks, no Qt), observe (window -> what
a check reads), controller (current lesson, set-up, progress), panel and highlight (views),
install (menu + dock into the main window).
"""
from .checks import CHECKS, Observation, Result, run_check
from .model import LESSON_DIR, Lesson, LessonError, load_lesson, load_lessons

__all__ = ["CHECKS", "LESSON_DIR", "Lesson", "LessonError", "Observation", "Result", "load_lesson", "load_lessons",
           "run_check", "install_lessons"]


def install_lessons(window, directory=None):
    """Add the Lessons menu and panel to a MainWindow (imports Qt only when called);
    `directory`: where the lesson files are (default resources/lessons)."""
    from .install import install_lessons as install

    return install(window, directory)
