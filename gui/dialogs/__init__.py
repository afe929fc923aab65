"""Small dialogs: keyboard shortcuts (from the window's actions) and the first-run tour."""
from .shortcuts import ShortcutsDialog, shortcut_rows
from .tour import TOUR_PAGES, FirstRunTour, maybe_show_tour

__all__ = ["ShortcutsDialog", "shortcut_rows", "FirstRunTour", "maybe_show_tour", "TOUR_PAGES"]
