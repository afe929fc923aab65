"""Start the playground window: `main(argv) -> int`.

Exit status: 0 after a normal close (also while training) and for `--help`; 2 for a bad
option (one line on stderr); 1 when something failed on the way: an exception raised in
the window (PySide prints it and carries on, so it is counted here) or in another thread.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
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


class _OptionError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise _OptionError(message)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = _Parser(prog="main.py", description="Open the Backprop Playground window. "
                "Headless commands: `main.py train --help`, `main.py demo --help`.")
    return p.parse_args(argv)


class FailureLog:
    """Exceptions that reached the top of a Qt slot or of a thread: reported as they happen
    (the previous hooks still print them) and counted for the exit status."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self._hook, self._thread_hook = sys.excepthook, threading.excepthook

    def install(self) -> "FailureLog":
        sys.excepthook = self._on_exception
        threading.excepthook = self._on_thread_exception
        return self

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._hook, self._thread_hook

    def _on_exception(self, kind, value, tb) -> None:
        self.failures.append(f"{kind.__name__}: {value}")
        self._hook(kind, value, tb)

    def _on_thread_exception(self, args) -> None:
        self.failures.append(f"{args.exc_type.__name__} in thread {getattr(args.thread, 'name', '?')}: {args.exc_value}")
        self._thread_hook(args)


def main(argv: list[str] | None = None) -> int:
    try:
        parse_args(list(argv or []))
    except _OptionError as exc:
        print(f"main.py: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return 0 if exc.code in (0, None) else 2
    log = FailureLog().install()
    try:
        app = make_application([])
        from PySide6.QtCore import QTimer

        from . import first_frame
        from .dialogs import maybe_show_tour
        from .main_window import MainWindow

        imports_done = time.time()
        window = MainWindow(files=True)
        window.show()
        if first_frame.wanted():  # benchmarks/startup.py: time to the first drawn frame, then quit
            window._first_frame = first_frame.FirstFrameReporter(window, imports_done)
        if window.files is not None:  # the last run crashed with unsaved work: offer it back
            QTimer.singleShot(0, window.files.offer_recovery)
        QTimer.singleShot(300, lambda: maybe_show_tour(window, window.qsettings))  # first launch only
        status = app.exec()
        window.session.shutdown()
    finally:
        log.uninstall()
    if log.failures:
        print(f"{APP_NAME} closed after {len(log.failures)} error(s); the first: {log.failures[0]}", file=sys.stderr)
        return 1
    return int(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
