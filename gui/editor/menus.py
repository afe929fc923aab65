"""Pop-up menus go through one function, so a test can answer a menu without a screen."""
from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu


def run_menu(menu: QMenu, screen_pos: QPoint | None) -> QAction | None:
    """Show `menu` modally and return the chosen action (None when dismissed)."""
    return menu.exec(screen_pos) if screen_pos is not None else menu.exec()
