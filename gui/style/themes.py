"""Light and dark looks; 'system' follows the desktop's colour scheme.

The colour lives in the plots (orange/blue boundaries), so the chrome stays quiet in both.
A theme is plain data; `apply_theme` sets the Qt palette and style sheet, and views that
draw their own backgrounds (pyqtgraph) take `theme` in a `set_theme` method.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

THEMES = ("system", "light", "dark")


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    panel: str
    text: str
    muted: str
    border: str
    accent: str
    plot_background: str
    plot_foreground: str
    curve: str  # the training-loss curve (the test curve is orange in both)
    # words on a plot that flag a problem or a pass (saturated unit, gradient check); bright
    # enough on the plot background of their own theme
    bad: str = "#c81e1e"
    good: str = "#147828"


LIGHT = Theme("light", "#fafafa", "#eceff1", "#222222", "#666666", "#dde1e4", "#0877bd", "#ffffff", "#505050", "#282828")
DARK = Theme("dark", "#202124", "#2b2d31", "#e8eaed", "#a0a4aa", "#3c4043", "#4ea3e0", "#18191c", "#b8bcc2", "#e8eaed",
             bad="#f28b82", good="#81c995")

STYLE = """
QMainWindow, QDockWidget > QWidget {{ background: {t.window}; color: {t.text}; }}
QDockWidget {{ font-weight: 600; color: {t.text}; }}
QDockWidget::title {{ background: {t.panel}; padding: 4px 8px; text-align: left; }}
QLabel#caption {{ color: {t.muted}; font-size: 11px; font-weight: 600; }}
QLabel#epochLabel {{ font-size: 20px; font-weight: 600; color: {t.text}; }}
QLabel#rateLabel, QLabel#datasetLabel, QLabel#unitHover, QLabel#outputReadout {{ color: {t.muted}; }}
QGroupBox {{ font-weight: 600; color: {t.text}; border: 1px solid {t.border}; border-radius: 4px;
            margin-top: 14px; padding-top: 4px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 3px; }}
QPushButton#playButton {{ border-radius: 20px; background: {t.accent}; border: none; }}
QPushButton#playButton:hover {{ background: #0a8ad8; }}
QToolButton {{ border: 1px solid {t.border}; border-radius: 4px; background: {t.plot_background}; }}
QToolButton:checked {{ background: {t.panel}; border: 2px solid {t.accent}; }}
"""


# Fusion draws check boxes and radio buttons in the window's own dark colours: nearly
# invisible on the dark theme. Light borders, an accent fill and a white tick instead.
CHECK_ICON = (Path(__file__).resolve().parent / "check.svg").as_posix()
DARK_INDICATORS = """
QCheckBox::indicator, QRadioButton::indicator, QGroupBox::indicator {{
    width: 14px; height: 14px; border: 1px solid {t.muted}; background: {t.plot_background}; }}
QCheckBox::indicator {{ border-radius: 3px; }}
QRadioButton::indicator {{ border-radius: 8px; }}
QCheckBox::indicator:hover, QRadioButton::indicator:hover {{ border-color: {t.accent}; }}
QCheckBox::indicator:checked, QGroupBox::indicator:checked {{ background: {t.accent}; border-color: {t.accent};
    image: url({icon}); }}
QRadioButton::indicator:checked {{ background: {t.accent}; border: 4px solid {t.plot_background};
    outline: 1px solid {t.accent}; }}
QCheckBox::indicator:disabled, QRadioButton::indicator:disabled {{ border-color: {t.border}; }}
QTabBar::tab:selected {{ color: {t.text}; }}
QSplitter::handle {{ background: {t.border}; }}
"""


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return callable(scheme) and scheme() == Qt.ColorScheme.Dark


def resolve(name: str) -> Theme:
    """'system' -> light or dark as the desktop says; unknown names fall back to light."""
    if name == "dark" or (name == "system" and system_prefers_dark()):
        return DARK
    return LIGHT


def _palette(t: Theme) -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, t.window), (roles.WindowText, t.text), (roles.Base, t.plot_background),
        (roles.AlternateBase, t.panel), (roles.Text, t.text), (roles.Button, t.panel),
        (roles.ButtonText, t.text), (roles.ToolTipBase, t.panel), (roles.ToolTipText, t.text),
        (roles.Highlight, t.accent), (roles.HighlightedText, "#ffffff"), (roles.PlaceholderText, t.muted),
    ):
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, roles.Text, QColor(t.muted))
    p.setColor(QPalette.ColorGroup.Disabled, roles.ButtonText, QColor(t.muted))
    p.setColor(QPalette.ColorGroup.Disabled, roles.WindowText, QColor(t.muted))
    return p


def apply_theme(widget: QWidget, name: str = "light") -> Theme:
    """Style `widget` (the main window) and the application palette; returns the theme used."""
    global _original
    theme = resolve(name)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        if theme is DARK:
            if _original is None:
                _original = (app.style().name(), QPalette(app.palette()))
            app.setStyle("Fusion")  # the platform style ignores a dark palette on some desktops
            app.setPalette(_palette(theme))
        elif _original is not None:  # back to light: the platform's own look, as before
            style, palette = _original
            app.setStyle(style)
            app.setPalette(palette)
            _original = None
    sheet = STYLE.format(t=theme)
    if theme is DARK:
        sheet += DARK_INDICATORS.format(t=theme, icon=CHECK_ICON)
    widget.setStyleSheet(sheet)
    return theme


_original: tuple[str, QPalette] | None = None  # the app's look before the dark theme replaced it
