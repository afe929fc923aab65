"""The lesson being followed: which one, whether it is set up, its check, the learner's progress.

The controller owns no view. It sets a lesson up through the session (like opening an
example), runs the lesson's named check whenever the window's state changes, and remembers
which lessons are done in QSettings (the window's own settings object, so tests that give
the window a temporary settings file never touch the user's).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from .checks import Result, format_done, run_check
from .model import Lesson, LessonError, trainer_for
from .observe import SpecClock, observe

POLL_MS = 250  # views without signals (the race) are read this often while a check runs
DONE_KEY = "lessons/done"
CURRENT_KEY = "lessons/current"


class Progress:
    """Done lesson ids and the lesson last open, kept in QSettings."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def done(self) -> set[str]:
        raw = self.settings.value(DONE_KEY, "")
        if isinstance(raw, (list, tuple)):  # some settings back ends hand a list back
            raw = ",".join(str(x) for x in raw)
        return {x for x in str(raw or "").split(",") if x}

    def mark_done(self, lesson_id: str) -> None:
        self.settings.setValue(DONE_KEY, ",".join(sorted(self.done() | {lesson_id})))
        self.settings.sync()

    def forget(self) -> None:
        self.settings.remove(DONE_KEY)
        self.settings.sync()

    def current(self) -> str:
        return str(self.settings.value(CURRENT_KEY, "") or "")

    def set_current(self, lesson_id: str) -> None:
        self.settings.setValue(CURRENT_KEY, lesson_id)


@dataclass(frozen=True)
class Status:
    """What the panel shows about the current lesson."""

    armed: bool  # set up in this window, its check is running
    result: Result | None
    done_text: str | None  # the lesson's done sentence, filled in, once the check fired here


class LessonController(QObject):
    lessonChanged = Signal(int)  # index into `lessons`
    statusChanged = Signal(object)  # Status
    progressChanged = Signal()
    lessonDone = Signal(str)  # lesson id, when its check fires
    lessonSetUp = Signal(str)  # lesson id, after its network, data and settings are loaded

    def __init__(self, window: Any, lessons: list[Lesson], problems: list[LessonError],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.lessons = lessons
        self.problems = problems
        self.progress = Progress(window.qsettings)
        self.clock = SpecClock()
        self.index = 0
        self.armed = False
        self.result: Result | None = None
        self.done_text: str | None = None
        ids = [l.id for l in lessons]
        if self.progress.current() in ids:
            self.index = ids.index(self.progress.current())
        self._poll = QTimer(self)
        self._poll.setObjectName("lessonCheck")  # evaluates a lesson's check, draws nothing
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.evaluate)
        s = window.session
        s.snapshotReady.connect(self.evaluate)
        s.specChanged.connect(self.evaluate)
        s.settingsChanged.connect(self.evaluate)
        step = getattr(getattr(window, "backward_panel", None), "step_through", None)
        if step is not None:
            step.phaseChanged.connect(self.evaluate)
            step.unitSelected.connect(self.evaluate)
            step.modeToggled.connect(self.evaluate)

    # ----- reading --------------------------------------------------------------------------
    @property
    def lesson(self) -> Lesson | None:
        return self.lessons[self.index] if self.lessons else None

    def is_done(self, lesson_id: str) -> bool:
        return lesson_id in self.progress.done()

    def status(self) -> Status:
        return Status(self.armed, self.result, self.done_text)

    # ----- moving between lessons -----------------------------------------------------------
    def go(self, index: int) -> None:
        if not self.lessons:
            return
        index = max(0, min(index, len(self.lessons) - 1))
        self.index = index
        self.armed = False
        self._poll.stop()
        self.result = None
        self.done_text = None
        self.progress.set_current(self.lessons[index].id)
        self.lessonChanged.emit(index)
        self.statusChanged.emit(self.status())

    def next(self) -> None:
        self.go(self.index + 1)

    def previous(self) -> None:
        self.go(self.index - 1)

    def forget_progress(self) -> None:
        self.progress.forget()
        self.progressChanged.emit()

    # ----- doing a lesson -------------------------------------------------------------------
    def set_up(self) -> bool:
        """Load the lesson's network, data and settings (fresh weights) and start its check."""
        lesson = self.lesson
        if lesson is None:
            return False
        w = self.window
        setup = lesson.setup
        try:
            trainer = trainer_for(setup)
        except ValueError as exc:  # checked at load, so only a changed preset or data file lands here
            w.show_message("error", f"Cannot set up the lesson “{lesson.title}”: {exc}")
            return False
        if setup.preset is not None:
            from engine.presets import get_preset

            preset = get_preset(setup.preset)
            w.session.adopt(trainer, preset_name=setup.preset)  # the data's own source (or the example's)
            w.loss_plot.set_criterion(preset.criterion)
        else:
            w.session.adopt(trainer)  # its data's source: the lesson's, read and checked by trainer_for
        race = getattr(w, "race_panel", None)
        if setup.race and race is not None:  # the race starts over with the lesson's network, paused
            race.pause()
            race.use_session_network()
        if setup.full_speed:
            w.session.set_speed(None)
        elif setup.speed is not None:
            w.session.set_speed(float(setup.speed))
        self.clock.restart()
        self.armed = True
        self.result = None
        self.done_text = None
        self._poll.start()
        self.lessonSetUp.emit(lesson.id)
        self.evaluate()
        return True

    def evaluate(self, *_: Any) -> None:
        """Run the current lesson's check on the window's present state (when set up)."""
        lesson = self.lesson
        if lesson is None or not self.armed or self.done_text is not None:
            return
        result = run_check(lesson.check, observe(self.window, self.clock), lesson.params)
        if result == self.result:
            return
        self.result = result
        if result.done:
            self._poll.stop()
            self.done_text = format_done(lesson.done, result.values)
            newly = not self.is_done(lesson.id)
            self.progress.mark_done(lesson.id)
            if newly:
                self.progressChanged.emit()
            self.lessonDone.emit(lesson.id)
        self.statusChanged.emit(self.status())
