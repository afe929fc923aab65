"""The step-through's pattern picker: chosen by 0-based index, shown and typed counted from 1."""
from __future__ import annotations

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QSpinBox

from ...numbering import pattern_number


class PatternSpinBox(QSpinBox):
    """Chooses a pattern by its 0-based index (`value()`), shown and typed counted from 1."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setPrefix("pattern ")

    def textFromValue(self, value: int) -> str:  # noqa: N802 (Qt name)
        return str(pattern_number(value))

    def valueFromText(self, text: str) -> int:  # noqa: N802 (Qt name)
        digits = text.removeprefix(self.prefix()).strip()
        return int(digits) - 1 if digits.isdigit() else self.value()

    def validate(self, text: str, pos: int):  # QSpinBox's own check compares the typed number with 0-based limits
        digits = text.removeprefix(self.prefix()).strip()
        if not digits:
            return QValidator.State.Intermediate, text, pos
        if not digits.isdigit():
            return QValidator.State.Invalid, text, pos
        index = int(digits) - 1
        if self.minimum() <= index <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        # a first digit of a longer number is fine while typing ("1" on the way to "12")
        return (QValidator.State.Intermediate if index < self.maximum() else QValidator.State.Invalid), text, pos
