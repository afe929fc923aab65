"""A light, quiet theme: the colour lives in the plots, not in the chrome."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

LIGHT = """
QMainWindow, QDockWidget > QWidget { background: #fafafa; }
QDockWidget { font-weight: 600; color: #333; }
QDockWidget::title { background: #eceff1; padding: 4px 8px; text-align: left; }
QLabel#caption { color: #666; font-size: 11px; font-weight: 600; }
QLabel#epochLabel { font-size: 20px; font-weight: 600; color: #222; min-width: 130px; }
QLabel#rateLabel { color: #555; font-size: 12px; }
QLabel#datasetLabel, QLabel#unitHover, QLabel#outputReadout { color: #555; }
QGroupBox { font-weight: 600; color: #444; border: 1px solid #dde1e4; border-radius: 4px; margin-top: 14px; padding-top: 4px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 3px; }
QPushButton#playButton { border-radius: 20px; background: #0877bd; border: none; }
QPushButton#playButton:hover { background: #0a8ad8; }
QToolButton:checked { background: #d6e9f7; border: 2px solid #0877bd; border-radius: 4px; }
QToolButton { border: 1px solid #dde1e4; border-radius: 4px; background: white; }
"""


def apply_theme(widget: QWidget) -> None:
    widget.setStyleSheet(LIGHT)
