"""Patterns are counted from 1 wherever a student reads them, like units (`h1[1]` is unit 0).

Inside the code, in files and on the command line a pattern is still its 0-based index; only
the words and numbers on screen add one (the step-through's pattern picker is
gui/panels/backward/pattern_picker.py). No Qt here: the lesson checks use it headless.
"""
from __future__ import annotations


def pattern_number(index: int) -> int:
    """The number a student reads for the pattern at 0-based `index`."""
    return int(index) + 1


def pattern_name(index: int) -> str:
    """'pattern 1' for index 0."""
    return f"pattern {pattern_number(index)}"
