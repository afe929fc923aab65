"""Start the playground window: `main(argv) -> int`, always 0."""
from __future__ import annotations

import sys
import traceback
from pathlib import Path

APP_NAME = "Backprop Playground"
ICON = Path(__file__).resolve().parents[1] / "resources" / "icons" / "app.png"
ORG_NAME = "BackpropPlayground"


def make_application(argv: list[str]):
    """The QApplication (reused when one exists), named so QSettings finds the layout."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "backprop-playground", *argv])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationDisplayName(APP_NAME)
    pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
    if ICON.is_file():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(ICON)))
    return app


def main(argv: list[str] | None = None) -> int:
    argv = list(argv or [])
    try:
        app = make_application(argv)
        from PySide6.QtCore import QTimer

        from .main_window import MainWindow

        window = MainWindow(files=True)
        window.show()
        if window.files is not None:  # the last run crashed with unsaved work: offer it back
            QTimer.singleShot(0, window.files.offer_recovery)
        from .dialogs import maybe_show_tour  # first launch only

        QTimer.singleShot(300, lambda: maybe_show_tour(window, window.qsettings))
        app.exec()
        window.session.shutdown()
    except Exception:  # the app always exits 0; say what went wrong
        traceback.print_exc()
        print("Backprop Playground stopped because of the error above.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
