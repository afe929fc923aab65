"""Type checks for values read from outside (JSON, options), written once for the whole engine.

The spec (engine/core/spec.py) raises SpecError and the project reader (engine/validate.py)
raises ProjectError; both call these with their own error class, so the rules (bool is not a
number, a value too long to print still gets a message) are the same everywhere.
"""
from __future__ import annotations

import math
from typing import Any, Callable

Error = Callable[[str], Exception]


def show(value: Any) -> str:
    """A value as a message quotes it (repr; a message class may shorten it further)."""
    try:
        return repr(value)
    except ValueError:  # an int too long for repr
        return "a number with too many digits"


def is_number(value: Any) -> bool:
    """int or float from JSON; bool is not a number here (JSON true is not 1)."""
    return type(value) in (int, float)


def finite(value: int | float) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def of_type(value: Any, field: str, kind: type | tuple[type, ...], wanted: str, error: Error) -> Any:
    """`value` if it is a `kind`, else `error("<field> must be <wanted>, not <value>")`."""
    if not isinstance(value, kind):
        raise error(f"{field} must be {wanted}, not {show(value)}")
    return value


def whole(value: Any, field: str, error: Error, low: int | None = None, high: int | None = None) -> int:
    """An int (not a bool), within low..high when a range is given."""
    in_range = "" if low is None or high is None else f" in {low}..{high}"
    if type(value) is not int:
        raise error(f"{field} must be a whole number{in_range}, not {show(value)}")
    if in_range and not low <= value <= high:  # type: ignore[operator]
        raise error(f"{field} is {show(value)}; it must be{in_range}")
    return value
