"""Exports (network .npz, PyTorch script, history CSV, plots as PNG/SVG) and CSV import for the
FileController: each asks for a path, writes atomically, and reports a failure in one message."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from engine.data.csvdata import load_csv
from engine.files import saved_source
from engine.files.export import save_history_csv, save_network_npz, save_torch_script
from engine.core.network import Network
from engine.files.serialize import dataset_from_source

from .plot_export import MAX_WIDTH, export_plot

MIN_CHOSEN_WIDTH = 200

SHOWN_PROBLEMS = 10
EXPORT_WIDTH_KEY = "export/width"  # chosen PNG width in pixels; 0 or missing = automatic (1600 or 2x the view)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc)


class ExchangeMixin:
    """Needs from the class it is mixed into: _window, _ask_save_path, _ask_open_path, _error, _stem."""

    # ----- exports -----------------------------------------------------------------------------
    def _write(self, title: str, write: Callable[[], Any]) -> bool:
        try:
            write()
        except (OSError, ValueError, TypeError, RuntimeError) as exc:
            self._error(title, _reason(exc))
            return False
        return True

    def export_network_npz(self, path: str | os.PathLike | None = None) -> bool:
        path = Path(path) if path else self._ask_save_path("Export network weights", "NumPy arrays (*.npz)", ".npz", f"{self._stem()}.npz")
        if path is None:
            return False
        project = self._window.current_project()
        return self._write("Could not export the network", lambda: save_network_npz(path, Network(project.spec, project.params)))

    def export_torch_script(self, path: str | os.PathLike | None = None) -> bool:
        path = Path(path) if path else self._ask_save_path("Export PyTorch script", "Python scripts (*.py)", ".py", f"{self._stem()}.py")
        if path is None:
            return False
        project = self._window.current_project()

        def write() -> None:
            data = dataset_from_source(project.data_source)
            features = project.spec.features if data.planar and project.spec.features is not None else None
            save_torch_script(path, Network(project.spec, project.params), data.x_train, features)

        return self._write("Could not export the PyTorch script", write)

    def export_history_csv(self, path: str | os.PathLike | None = None) -> bool:
        path = Path(path) if path else self._ask_save_path("Export training history", "CSV files (*.csv)", ".csv", f"{self._stem()}-history.csv")
        if path is None:
            return False
        project = self._window.current_project()
        history = project.history if project.history is not None else []
        return self._write("Could not export the history", lambda: save_history_csv(path, history))

    def export_width(self) -> int | None:
        """The chosen PNG width (remembered), None = automatic: 1600 px or twice the view."""
        settings = getattr(self, "_settings", None)
        try:
            value = int(settings.value(EXPORT_WIDTH_KEY, 0)) if settings is not None else 0
        except (TypeError, ValueError):  # a hand-edited settings file: back to automatic
            value = 0
        return value if MIN_CHOSEN_WIDTH <= value <= MAX_WIDTH else None

    def set_export_width(self, width: int | None) -> None:
        """Remember a PNG width for every export (None or 0: automatic)."""
        if width and not MIN_CHOSEN_WIDTH <= int(width) <= MAX_WIDTH:
            raise ValueError(f"choose a width between {MIN_CHOSEN_WIDTH} and {MAX_WIDTH} pixels")
        settings = getattr(self, "_settings", None)
        if settings is not None:
            settings.setValue(EXPORT_WIDTH_KEY, int(width or 0))

    def choose_export_width(self) -> int | None:
        """Ask for the PNG width (a menu entry can call this); 0 means automatic."""
        from PySide6.QtWidgets import QInputDialog

        current = self.export_width() or 0
        value, ok = QInputDialog.getInt(getattr(self, "_widget", None), "Picture width",
                                        "Width of exported PNG pictures in pixels (0 = automatic: 1600 or twice the view):",
                                        current, 0, MAX_WIDTH, 100)
        if ok:
            self.set_export_width(value if value >= MIN_CHOSEN_WIDTH else None)
        return self.export_width()

    def export_plot(self, name: str, fmt: str, path: str | os.PathLike | None = None, width: int | None = None) -> bool:
        """A view as PNG (`width` pixels wide; default: the chosen width, else 1600 or twice
        the view) or SVG."""
        width = width if width is not None else self.export_width()
        views = self._window.plots()
        if name not in views:
            self._error("Could not export the plot", f"there is no plot called {name!r}")
            return False
        label = "PNG images (*.png)" if fmt == "png" else "SVG drawings (*.svg)"
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
        path = Path(path) if path else self._ask_save_path(f"Export {name}", label, f".{fmt}", f"{self._stem()}-{safe}.{fmt}")
        if path is None:
            return False
        return self._write("Could not export the plot", lambda: export_plot(views[name], path, fmt, width))

    # ----- import ------------------------------------------------------------------------------
    def import_csv(self, path: str | os.PathLike | None = None) -> bool:
        """Read a CSV data set; every problem is reported at once and nothing changes."""
        path = Path(path) if path else self._ask_open_path("Import CSV data", "CSV files (*.csv);;All files (*)")
        if path is None:
            return False
        before = saved_source.stat_key(path)
        try:
            data = load_csv(path)
        except ValueError as exc:  # CsvError lists every problem with its line number
            problems = list(getattr(exc, "problems", None) or [str(exc)])
            shown = problems[:SHOWN_PROBLEMS] + ([f"… and {len(problems) - SHOWN_PROBLEMS} more"] if len(problems) > SHOWN_PROBLEMS else [])
            self._error("Could not import the CSV file", f"{path.name} cannot be used as a data set:\n" + "\n".join(shown))
            return False
        saved_source.remember_read(data, before)  # saving trusts the file while it stays as read
        self._window.apply_data(data)  # the data as read: the file is not read a second time
        return True
