"""Checks for values that come in from outside (project files, data sources, options).

Each checker takes the value, the field's name as the reader sees it (`settings.batch_size`)
and the allowed range, and either returns a clean Python value or raises `ProjectError`
with one line naming the field, what was found and what is allowed. The limits come from
engine/limits.py, so what we accept is what the window and the trainer can handle.
"""
from __future__ import annotations

import math
import re
from typing import Any, Sequence

import numpy as np

from engine.core import checks
from engine.core.checks import finite, is_number, show

__all__ = ["ProjectError", "tidy", "show", "is_number", "finite", "whole", "number", "flag", "choice", "text",
           "obj", "texts", "matrix", "vector", "clean_text"]

MAX_TOKEN = 160
MAX_MESSAGE = 400


class ProjectError(ValueError):
    """A project file (or a data source, or a value in one) that cannot be used; one line says why.

    Messages quote values from the file, which may be hostile (a 3,000-digit "version"):
    long tokens are shortened and the whole stays one short line for a message box.
    """

    def __init__(self, message: str) -> None:
        super().__init__(tidy(message))


def tidy(message: str) -> str:
    line = re.sub(r"\S{%d,}" % (MAX_TOKEN + 1), lambda m: m.group(0)[:MAX_TOKEN] + "…", " ".join(str(message).split()))
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"


def whole(value: Any, field: str, low: int, high: int) -> int:
    return checks.whole(value, field, ProjectError, low, high)


def number(value: Any, field: str, low: float, high: float, high_open: bool = False, low_open: bool = False) -> float:
    """A finite float in [low, high] (or with open ends, as the flags say)."""
    right = ")" if high_open else "]"
    left = "(" if low_open else "["
    allowed = f"{left}{low:g}, {high:g}{right}"
    if not is_number(value) or not finite(value):
        raise ProjectError(f"{field} must be a finite number in {allowed}, not {show(value)}")
    v = float(value)
    if v < low or v > high or (high_open and v == high) or (low_open and v == low):
        raise ProjectError(f"{field} is {v:g}; it must be in {allowed}")
    return v


def flag(value: Any, field: str) -> bool:
    return checks.of_type(value, field, bool, "true or false", ProjectError)


def choice(value: Any, field: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ProjectError(f"{field} must be one of {', '.join(choices)}, not {show(value)}")
    return value


def text(value: Any, field: str, max_length: int = 1000) -> str:
    checks.of_type(value, field, str, "text", ProjectError)
    if len(value) > max_length:
        raise ProjectError(f"{field} is {len(value)} characters long; at most {max_length}")
    return value


def obj(value: Any, field: str) -> dict:
    return checks.of_type(value, field, dict, "a JSON object", ProjectError)


def texts(value: Any, field: str, max_items: int = 100_000) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > max_items:
        raise ProjectError(f"{field} must be a list of at most {max_items} names")
    return tuple(text(v, f"{field}[{i}]") for i, v in enumerate(value))


def matrix(value: Any, field: str, max_rows: int, bound: float = math.inf, width: int | None = None) -> np.ndarray:
    """A rectangular list of number rows -> float64 array; every value finite and |v| <= bound."""
    if not isinstance(value, list):
        raise ProjectError(f"{field} must be a list of rows")
    if len(value) > max_rows:
        raise ProjectError(f"{field} has {len(value):,} rows; at most {max_rows:,}")
    if not value:
        return np.zeros((0, width or 0))
    if not all(isinstance(r, list) for r in value) or len({len(r) for r in value}) != 1 or not value[0]:
        raise ProjectError(f"{field} must be a rectangular list of number rows")
    if width is not None and len(value[0]) != width:
        raise ProjectError(f"{field} has rows of {len(value[0])} values; expected {width}")
    if not all(is_number(v) for r in value for v in r):
        raise ProjectError(f"{field} must contain only numbers")
    return _bounded(value, field, bound)


def vector(value: Any, field: str, size: int, bound: float = math.inf) -> np.ndarray:
    if not isinstance(value, list):
        raise ProjectError(f"{field} must be a list of numbers")
    if len(value) != size:
        raise ProjectError(f"{field} has {len(value)} values but the network needs {size}")
    if not all(is_number(v) for v in value):
        raise ProjectError(f"{field} must contain only numbers")
    return _bounded(value, field, bound)


def _bounded(value: list, field: str, bound: float) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except OverflowError:  # an int beyond float range
        raise ProjectError(f"{field} contains out-of-range values") from None
    if not np.isfinite(arr).all():
        raise ProjectError(f"{field} contains NaN or infinite values")
    if arr.size and np.abs(arr).max() > bound:
        raise ProjectError(f"{field} holds {np.abs(arr).max():.3g}; values must lie within ±{bound:g}")
    return arr


def clean_text(value: Any, field: str = "the file") -> None:
    """Refuse text that cannot be written back as UTF-8 (lone surrogates such as "\\ud800").

    JSON allows them and os.fsdecode makes them from non-UTF-8 file names; accepting one
    would make the next save fail, so it is refused here, when it is read.
    """
    stack: list[tuple[Any, str]] = [(value, field)]
    while stack:
        v, where = stack.pop()
        if isinstance(v, str):
            if not _encodable(v):
                raise ProjectError(f"{where} holds text that is not valid Unicode (a lone surrogate); fix or remove it")
        elif isinstance(v, dict):
            for k, item in v.items():
                if not _encodable(k):
                    raise ProjectError(f"{where} has a key that is not valid Unicode (a lone surrogate)")
                stack.append((item, f"{where}.{k}"))
        elif isinstance(v, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(v) if isinstance(item, (str, dict, list)))


def _encodable(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
