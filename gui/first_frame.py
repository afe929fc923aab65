"""Start-up timing hook (benchmarks/startup.py): with BPP_REPORT_FIRST_FRAME=1 the app prints
how long it took from launch to the first frame with the default network drawn, then quits.

"Drawn" means: the network editor has applied its first snapshot that carries unit maps, the
output plot holds its first decision boundary, and both have painted since. Launch is the
time in BPP_LAUNCH_TIME (a `time.time()` the launcher passes in) or else the process's start
time from /proc; without either, the time this module was first imported.

Printed on stdout, last line exactly `first_frame_s=X`, the line before it the phases:
`startup_phases imports_s=A window_s=B snapshot_s=C` (each from launch).
"""
from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow

ENV = "BPP_REPORT_FIRST_FRAME"
LAUNCH_ENV = "BPP_LAUNCH_TIME"
_IMPORTED_AT = time.time()


def wanted() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def launch_time() -> float:
    """Wall-clock time the process was launched (see the module docstring for the sources)."""
    given = os.environ.get(LAUNCH_ENV, "")
    if given:
        try:
            return float(given)
        except ValueError:
            print(f"warning: {LAUNCH_ENV}={given!r} is not a number; using the process start time", file=sys.stderr)
    try:
        with open("/proc/self/stat") as f:  # field 22: start time in clock ticks after boot
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
        return boot + start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, StopIteration, IndexError):  # not Linux: the best we have
        return _IMPORTED_AT


class FirstFrameReporter:
    """Watches the window until the default network is drawn, prints the times, closes it."""

    def __init__(self, window: "MainWindow", imports_done: float) -> None:
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QWidget

        self.window = window
        self.launch = launch_time()
        self.imports_done = imports_done
        self.window_done = time.time()
        self.snapshot_done: float | None = None
        self._editor_ready = self._plot_ready = False
        self._painted: set[str] = set()
        self._done = False
        reporter = self

        class _PaintWatch(QObject):
            def eventFilter(self, obj, event) -> bool:  # noqa: N802
                if event.type() == QEvent.Type.Paint:
                    reporter._painted_(obj)
                return False

        self._watch = _PaintWatch(window)
        self._targets = {"editor": window.editor, "plot": window.output_plot}
        for w in self._targets.values():  # the views' inner canvases paint, not their frames
            for part in [w, *w.findChildren(QWidget)]:
                part.installEventFilter(self._watch)
        # connected after the views' own slots, so these run once the views have drawn
        window.session.detailReady.connect(self._editor_drew)
        window.session.snapshotReady.connect(self._plot_drew)

    def _editor_drew(self, snapshot) -> None:
        if snapshot.grids and not self._editor_ready:
            self._editor_ready = True
            self._painted.discard("editor")
            self._check_snapshot()

    def _plot_drew(self, snapshot) -> None:
        if getattr(self.window.output_plot.image, "image", None) is not None and not self._plot_ready:
            self._plot_ready = True
            self._painted.discard("plot")
            self._check_snapshot()

    def _check_snapshot(self) -> None:
        if self._editor_ready and self._plot_ready and self.snapshot_done is None:
            self.snapshot_done = time.time()
            self.window.update()

    def _painted_(self, obj) -> None:
        for key, target in self._targets.items():
            ready = self._editor_ready if key == "editor" else self._plot_ready
            if ready and (obj is target or target.isAncestorOf(obj)):
                self._painted.add(key)
        if not self._done and self.snapshot_done is not None and self._painted >= {"editor", "plot"}:
            self._done = True
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, self._report)  # after this paint has finished

    def _report(self) -> None:
        now = time.time()
        t0 = self.launch
        print(f"startup_phases imports_s={self.imports_done - t0:.3f} window_s={self.window_done - t0:.3f} "
              f"snapshot_s={(self.snapshot_done or now) - t0:.3f}")
        print(f"first_frame_s={now - t0:.3f}", flush=True)
        self.window.close()
