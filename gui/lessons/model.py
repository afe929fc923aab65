"""Lessons as data: read and check resources/lessons/*.json (no Qt here).

A teacher writes a lesson as one JSON file (format in resources/lessons/README.md). Loading
is strict so a mistake shows up at once, as ONE line naming the file and the problem
(`LessonError`); one broken file never stops the other lessons from loading.
"""
from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .checks import CHECKS, CheckError, validate_check

LESSON_DIR = Path(__file__).resolve().parents[2] / "resources" / "lessons"
FORMAT = "backprop-playground-lesson"
MAX_FILE_BYTES = 200_000
MAX_TEXT = 4000
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
KEYS_REQUIRED = ("format", "id", "title", "order", "page", "setup", "task", "check", "done")
KEYS_OPTIONAL = ("views", "version")
SETUP_KEYS = ("preset", "seed", "speed", "network", "data", "settings", "race")

# Names a lesson may use in "views" (gui/lessons/highlight.py finds the widget for each).
# Any dock's object name ending in "Dock" (e.g. "lossDock") is accepted as well.
VIEWS = {
    "editor": "the network editor in the middle",
    "training": "the Training controls (play, step, speed, learning rate)",
    "play": "the Play button",
    "data": "the Data panel",
    "output": "the Output plot (the boundary and the data points)",
    "loss": "the Loss plot",
    "unit maps": "the Unit maps (what each unit answers over the plane)",
    "patterns": "the Patterns table (every unit's value for every pattern)",
    "hinton": "the Weights (Hinton) diagram",
    "backward": "the Backward pass panel",
    "step-through": "the Step through tab of the Backward pass panel",
    "timeline": "the Timeline",
    "race": "the race between backprop and weight perturbation",
}


class LessonError(ValueError):
    """A lesson file that cannot be used; str() is one line naming the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = " ".join(str(problem).split())
        super().__init__(f"Lesson file {self.path.name}: {self.problem}")


@dataclass(frozen=True)
class Setup:
    """What 'Set up this lesson' loads: a preset, or a network + data + settings (project fields)."""

    preset: str | None = None
    seed: int | None = None  # a preset's network seed (which random start)
    speed: float | None = None  # epochs per second; None = leave the speed alone
    full_speed: bool = False  # "speed": "full"
    race: bool = False  # the race view takes this network too (gui/panels/race.py)
    network: Mapping[str, Any] | None = None
    data: Mapping[str, Any] | None = None
    settings: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    order: float
    page: tuple[str, ...]  # paragraphs
    setup: Setup
    task: str
    check: str
    params: Mapping[str, Any]
    done: str  # shown when the check fires; {name} fields are filled from the check's values
    views: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)


# ----- reading ---------------------------------------------------------------------------
def load_lesson(path: Path | str) -> Lesson:
    """One lesson file, checked; raises LessonError (one line) on any problem."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LessonError(path, f"the file is larger than {MAX_FILE_BYTES // 1000} kB; a lesson is a few sentences")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LessonError(path, "the file is not UTF-8 text") from None
    except OSError as exc:
        raise LessonError(path, f"cannot read it ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LessonError(path, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise LessonError(path, "not valid JSON: nested too deeply") from None
    return lesson_from_dict(data, path)


def lesson_from_dict(d: Any, path: Path | str = "<lesson>") -> Lesson:
    if not isinstance(d, dict):
        raise LessonError(path, "the file must hold one JSON object { ... }")
    if d.get("format") != FORMAT:
        raise LessonError(path, f'"format" must be "{FORMAT}"')
    missing = [k for k in KEYS_REQUIRED if k not in d]
    if missing:
        raise LessonError(path, f"missing field(s): {', '.join(missing)}")
    unknown = [str(k) for k in d if k not in KEYS_REQUIRED + KEYS_OPTIONAL]
    if unknown:
        raise LessonError(path, f"unknown field(s): {', '.join(unknown)} (allowed: {', '.join(KEYS_REQUIRED + KEYS_OPTIONAL)})")
    lesson_id = d["id"]
    if not isinstance(lesson_id, str) or not ID_PATTERN.match(lesson_id):
        raise LessonError(path, f'"id" must be short lower-case letters, digits and dashes, not {lesson_id!r}')
    title = _text(d["title"], "title", path, 120)
    order = d["order"]
    if isinstance(order, bool) or not isinstance(order, (int, float)) or order != order or abs(order) > 1e6:
        raise LessonError(path, f'"order" must be a number (lessons are shown in this order), not {order!r}')
    page = d["page"]
    paragraphs = [page] if isinstance(page, str) else page
    if not isinstance(paragraphs, list) or not paragraphs:
        raise LessonError(path, '"page" must be a text or a list of paragraphs')
    page_t = tuple(_text(p, "page", path, MAX_TEXT) for p in paragraphs)
    task = _text(d["task"], "task", path, 400)
    done = _text(d["done"], "done", path, 800)
    name, params = _check(d["check"], path)
    _check_fields(done, name, path)
    views = d.get("views", [])
    if not isinstance(views, list) or not all(isinstance(v, str) for v in views):
        raise LessonError(path, '"views" must be a list of view names')
    for v in views:
        if v not in VIEWS and not v.endswith("Dock"):
            raise LessonError(path, f"unknown view {v!r} in \"views\"; use one of: {', '.join(VIEWS)}")
    return Lesson(lesson_id, title, float(order), page_t, _setup(d["setup"], path), task, name, params, done,
                  tuple(views), Path(path))


def load_lessons(directory: Path | str = LESSON_DIR) -> tuple[list[Lesson], list[LessonError]]:
    """Every *.json lesson in `directory`, in lesson order, and one error per file refused."""
    directory = Path(directory)
    lessons: list[Lesson] = []
    problems: list[LessonError] = []
    try:
        paths = sorted(p for p in directory.glob("*.json") if p.is_file())
    except OSError as exc:
        return [], [LessonError(directory, f"cannot list the lessons folder ({exc})")]
    seen: dict[str, Path] = {}
    for p in paths:
        try:
            lesson = load_lesson(p)
        except LessonError as exc:
            problems.append(exc)
            continue
        if lesson.id in seen:
            problems.append(LessonError(p, f'the id "{lesson.id}" is already used by {seen[lesson.id].name}'))
            continue
        seen[lesson.id] = p
        lessons.append(lesson)
    lessons.sort(key=lambda l: (l.order, l.id))
    return lessons, problems


# ----- parts -------------------------------------------------------------------------------
def _text(value: Any, what: str, path: Path | str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LessonError(path, f'"{what}" must be a non-empty text')
    if len(value) > limit:
        raise LessonError(path, f'"{what}" is {len(value)} characters long; keep it under {limit}')
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise LessonError(path, f'"{what}" contains a broken character (a lone surrogate)') from None
    return value.strip()


def _check(value: Any, path: Path | str) -> tuple[str, dict[str, Any]]:
    if isinstance(value, str):
        value = {"check": value}
    if not isinstance(value, dict) or not isinstance(value.get("check"), str):
        raise LessonError(path, '"check" must be a check name or an object like {"check": "accuracy_at_least", "value": 0.95}')
    params = {k: v for k, v in value.items() if k != "check"}
    try:
        return value["check"], validate_check(value["check"], params)
    except CheckError as exc:
        raise LessonError(path, str(exc)) from None


def _check_fields(done: str, check: str, path: Path | str) -> None:
    """The {name} fields of the done text must be values the check reports."""
    allowed = CHECKS[check].values
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(done) if f is not None]
    except ValueError as exc:
        raise LessonError(path, f'"done" has a broken {{field}} ({exc}); write {{{{ for a brace') from None
    for name in names:
        if name not in allowed:
            known = ", ".join("{%s}" % v for v in allowed) or "none"
            raise LessonError(path, f'"done" uses {{{name}}}, which the check {check} does not report (it reports: {known})')


def _setup(value: Any, path: Path | str) -> Setup:
    from engine.presets import PRESETS

    if not isinstance(value, dict):
        raise LessonError(path, '"setup" must be an object: {"preset": "xor-2-2-1"} or {"network": ..., "data": ..., "settings": ...}')
    unknown = [str(k) for k in value if k not in SETUP_KEYS]
    if unknown:
        raise LessonError(path, f"unknown setup field(s): {', '.join(unknown)} (allowed: {', '.join(SETUP_KEYS)})")
    seed = value.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31):
        raise LessonError(path, f'setup "seed" must be a whole number from 0 to {2**31 - 1}, not {seed!r}')
    speed = value.get("speed")
    full = speed == "full"
    if speed is not None and not full and (isinstance(speed, bool) or not isinstance(speed, (int, float))
                                           or not 0.1 <= speed <= 1e6):
        raise LessonError(path, f'setup "speed" must be epochs per second (0.1 to 1000000) or "full", not {speed!r}')
    race = value.get("race", False)
    if not isinstance(race, bool):
        raise LessonError(path, f'setup "race" must be true or false, not {race!r}')
    preset = value.get("preset")
    if preset is not None:
        if not isinstance(preset, str) or preset not in PRESETS:
            raise LessonError(path, f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        if any(k in value for k in ("network", "data", "settings")):
            raise LessonError(path, 'setup takes either "preset" or "network" + "data" + "settings", not both')
        return Setup(preset=preset, seed=seed, speed=None if full else speed, full_speed=full, race=race)
    missing = [k for k in ("network", "data", "settings") if k not in value]
    if missing:
        raise LessonError(path, f'setup needs "preset", or all of "network", "data" and "settings" (missing: {", ".join(missing)})')
    setup = Setup(seed=seed, speed=None if full else speed, full_speed=full, network=value["network"],
                  data=value["data"], settings=value["settings"], race=race)
    try:
        trainer_for(setup)
    except ValueError as exc:  # ProjectError, SpecError, bad data: all ValueErrors with a message
        raise LessonError(path, f"setup: {exc}") from None
    return setup


def project_dict(setup: Setup) -> dict[str, Any]:
    """A custom setup as the project file's fields (so it is checked exactly like a project)."""
    from engine.files.serialize import FORMAT as PROJECT, VERSION

    spec = dict(setup.network or {})
    if setup.seed is not None:
        spec["seed"] = setup.seed
    return {"format": PROJECT, "version": VERSION, "spec": spec, "settings": dict(setup.settings or {}),
            "data_source": dict(setup.data or {})}


def trainer_for(setup: Setup):
    """A fresh Trainer for a setup (raises ValueError with a readable message)."""
    from engine.files.serialize import project_from_dict, trainer_from_project
    from engine.presets import get_preset

    if setup.preset is not None:
        return get_preset(setup.preset).make_trainer(seed=setup.seed)
    try:
        return trainer_from_project(project_from_dict(project_dict(setup)))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"the network, data or settings are incomplete ({exc!r})") from None
