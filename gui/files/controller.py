"""The File menu's brain: save/open/recent, unsaved-changes prompt, autosave and crash recovery,
exports and CSV import, for any window that implements `ProjectWindow`.

Nothing the user has open is ever lost to a bad file: a file is fully loaded and checked
(trainer rebuilt) before the window is touched, and every write is atomic (engine.files.serialize /
engine.files.export write a temporary file and rename it), so a failed save leaves the old file.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from engine import limits
from engine.estimate import Estimate, gb
from engine.files.project_format import RECOVERY_KEY  # kept in the recovery file's `extra`; removed again on restore
from engine.files.serialize import Project, ProjectError, load_project, save_project, trainer_from_project

from ..big_work import BigWorkGate, estimate_for, is_big
from .exchange import ExchangeMixin
from .protocol import ProjectWindow
from .recovery import RecoveryFiles

AUTOSAVE_MS = 60_000
MODIFIED_POLL_MS = 1_000
MAX_RECENT = 8
RECENT_KEY = "files/recent"
LAST_DIR_KEY = "files/last_dir"
PROJECT_FILTER = "Backprop Playground projects (*.json);;All files (*)"


class FileController(ExchangeMixin, QObject):
    pathChanged = Signal(str)  # "" = untitled
    modifiedChanged = Signal(bool)
    projectOpened = Signal(str)
    projectSaved = Signal(str)
    autosaved = Signal(str)  # recovery file path
    problem = Signal(str)  # autosave failures: never a modal box every minute
    notice = Signal(str)  # one line about how the work was saved (see `tell`)

    def __init__(
        self,
        window: ProjectWindow,
        settings: QSettings | None = None,
        recovery_path: str | os.PathLike | None = None,
        autosave_ms: int = AUTOSAVE_MS,
        widget: QWidget | None = None,
        recovery_dir: str | os.PathLike | None = None,
    ) -> None:
        """`widget`: parent of the dialogs and owner of the title's [*] mark; defaults to the
        window itself when it is a QWidget (pass it when `window` is an adapter).
        Recovery: one fixed file with `recovery_path` (or $BPP_RECOVERY_PATH, for scripted
        runs); otherwise one file per running instance in `recovery_dir` (default: per user)."""
        self._widget = widget if widget is not None else (window if isinstance(window, QWidget) else None)
        super().__init__(self._widget)
        self._window = window
        # the window's own title without the [*] mark: "name.json[*] — <title>" once a file is open
        self._base_title = self._widget.windowTitle().replace("[*]", "").strip() if self._widget is not None else ""
        self._settings = settings if settings is not None else QSettings()
        single = recovery_path if recovery_path is not None else os.environ.get("BPP_RECOVERY_PATH") or None
        self._recovery = RecoveryFiles(
            directory=None if recovery_dir is None else Path(recovery_dir),
            single=None if single is None else Path(single),
        )
        self._path: Path | None = None
        self._unsaved = False  # unsaved although the stack is clean (restored from recovery, new run)
        self._saved_marker = self._marker()
        self._shown_modified = False
        self._shut_down = False
        self._told = ""
        self._window.undo_stack().cleanChanged.connect(self._refresh_modified)
        self._autosave = QTimer(self)
        self._autosave.setObjectName("autosave")
        self._autosave.setInterval(autosave_ms)
        self._autosave.timeout.connect(self.autosave_now)
        self._autosave.start()
        self._poll = QTimer(self)  # training is not an undoable edit: look for progress now and then
        self._poll.setObjectName("modifiedCheck")  # sets the title's modified mark, draws no view
        self._poll.setInterval(MODIFIED_POLL_MS)
        self._poll.timeout.connect(self._refresh_modified)
        self._poll.start()
        self._build_actions()
        self._refresh_modified()

    # ----- state -------------------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def recovery_path(self) -> Path:
        """This instance's autosave file."""
        return self._recovery.own

    def is_modified(self) -> bool:
        return (
            self._unsaved
            or not self._window.undo_stack().isClean()
            or self._marker() != self._saved_marker
        )

    def _marker(self) -> Any:
        marker = getattr(self._window, "progress_marker", None)
        return marker() if callable(marker) else None

    def mark_unsaved(self) -> None:
        """For changes that clear the undo stack (a new run replacing the old): still unsaved."""
        self._unsaved = True
        self._refresh_modified()

    def _refresh_modified(self, *_: Any) -> None:
        if not shiboken6.isValid(self._window.undo_stack()):  # the window is being torn down
            return
        modified = self.is_modified()
        if modified != self._shown_modified:
            self._shown_modified = modified
            if self._widget is not None:
                self._widget.setWindowModified(modified)
            self.modifiedChanged.emit(modified)

    def tell(self, text: str) -> None:
        """A line for the user about how the work is saved (e.g. a CSV kept as points); said once,
        not again at every autosave while it stays the same."""
        if text != self._told:
            self._told = text
            self.notice.emit(text)

    def _set_path(self, path: Path | None) -> None:
        self._path = path
        if self._widget is not None:
            self._widget.setWindowFilePath("" if path is None else str(path))
            if self._base_title:
                title = f"{path.name}[*] — {self._base_title}" if path is not None else f"{self._base_title}[*]"
                self._widget.setWindowTitle(title)
        self.pathChanged.emit("" if path is None else str(path))

    def _mark_saved(self) -> None:
        self._window.undo_stack().setClean()
        self._saved_marker = self._marker()
        self._unsaved = False
        self._refresh_modified()

    # ----- actions and menus -----------------------------------------------------------------
    def _action(self, text: str, slot: Callable[[], Any], shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda checked=False: slot())
        return action

    def _build_actions(self) -> None:
        self.open_action = self._action("&Open…", self.open, QKeySequence.StandardKey.Open)
        self.save_action = self._action("&Save", self.save, QKeySequence.StandardKey.Save)
        self.save_as_action = self._action("Save &As…", self.save_as, QKeySequence("Ctrl+Shift+S"))
        self.import_csv_action = self._action("&Import CSV data…", self.import_csv, QKeySequence("Ctrl+I"))
        self.export_npz_action = self._action("Network weights (.npz)…", self.export_network_npz)
        self.export_torch_action = self._action("PyTorch script (.py)…", self.export_torch_script)
        self.export_history_action = self._action("Training history (.csv)…", self.export_history_csv)
        self.recent_menu = QMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.export_menu = QMenu("&Export")
        self.export_menu.addActions([self.export_npz_action, self.export_torch_action, self.export_history_action])
        self.plot_menu = self.export_menu.addMenu("Plot as image")
        self.plot_menu.aboutToShow.connect(self._fill_plot_menu)
        self._fill_recent_menu()
        self._fill_plot_menu()

    def actions(self) -> list[QAction]:
        return [self.open_action, self.save_action, self.save_as_action, self.import_csv_action,
                self.export_npz_action, self.export_torch_action, self.export_history_action]  # fmt: skip

    def populate_menu(self, menu: QMenu) -> None:
        """Fill a File menu: Open, Open Recent, Save, Save As, Import CSV, Export."""
        menu.addAction(self.open_action)
        menu.addMenu(self.recent_menu)
        menu.addSeparator()
        menu.addAction(self.save_action)
        menu.addAction(self.save_as_action)
        menu.addSeparator()
        menu.addAction(self.import_csv_action)
        menu.addMenu(self.export_menu)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.recent_files()
        for i, path in enumerate(paths):
            label = f"&{i + 1} {Path(path).name}" if i < 9 else Path(path).name
            action = self.recent_menu.addAction(label)
            action.setToolTip(path)
            action.setData(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_path(p))
        if not paths:
            self.recent_menu.addAction("(none)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self.clear_recent_files)

    def _fill_plot_menu(self) -> None:
        self.plot_menu.clear()
        names = list(self._window.plots())
        for name in names:
            for fmt in ("png", "svg"):
                action = self.plot_menu.addAction(f"{name} as {fmt.upper()}…")
                action.triggered.connect(lambda checked=False, n=name, f=fmt: self.export_plot(n, f))
        self.plot_menu.setEnabled(bool(names))

    # ----- recent files ------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self._settings.value(RECENT_KEY, [])
        if isinstance(value, str):  # QSettings gives back a bare string for a one-item list
            value = [value]
        return [str(v) for v in (value or []) if v][:MAX_RECENT]

    def _set_recent(self, paths: list[str]) -> None:
        self._settings.setValue(RECENT_KEY, paths[:MAX_RECENT])
        self._settings.sync()

    def _add_recent(self, path: Path) -> None:
        text = _full_path(path)
        self._set_recent([text] + [p for p in self.recent_files() if p != text])

    def clear_recent_files(self) -> None:
        self._set_recent([])

    # ----- dialogs (one place each, so tests can replace them) ------------------------------------
    def _parent(self) -> QWidget | None:
        return self._widget

    def _start_dir(self, suggested: str = "") -> str:
        base = self._path.parent if self._path else Path(str(self._settings.value(LAST_DIR_KEY, str(Path.home()))))
        return str(base / suggested) if suggested else str(base)

    def _remember_dir(self, path: Path) -> None:
        self._settings.setValue(LAST_DIR_KEY, str(path.parent))

    def _ask_save_path(self, title: str, filter_: str, suffix: str, suggested: str = "") -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self._parent(), title, self._start_dir(suggested), filter_)
        if not name:
            return None
        path = Path(name)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        self._remember_dir(path)
        return path

    def _ask_open_path(self, title: str, filter_: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self._parent(), title, self._start_dir(), filter_)
        if not name:
            return None
        self._remember_dir(Path(name))
        return Path(name)

    def _error(self, title: str, text: str) -> None:
        QMessageBox.critical(self._parent(), title, text)

    def _stem(self) -> str:
        return self._path.stem if self._path else "network"

    # ----- saving ------------------------------------------------------------------------------
    def save(self) -> bool:
        return self.save_as() if self._path is None else self.save_to(self._path)

    def save_as(self) -> bool:
        suggested = self._path.name if self._path else "untitled.json"
        path = self._ask_save_path("Save project as", PROJECT_FILTER, ".json", suggested)
        return False if path is None else self.save_to(path)

    def save_to(self, path: str | os.PathLike) -> bool:
        """Write the current work to `path` (atomic); on failure the old file stays as it was."""
        path = Path(path)
        try:
            save_project(path, self._window.current_project())
        except ProjectError as exc:
            self._error("Could not save", str(exc))
            return False
        self._set_path(path)
        self._mark_saved()
        self._add_recent(path)
        self._remove_recovery()
        self.projectSaved.emit(str(path))
        return True

    # ----- opening -----------------------------------------------------------------------------
    def open(self) -> bool:
        path = self._ask_open_path("Open project", PROJECT_FILTER)
        return False if path is None else self.open_path(path)

    def open_path(self, path: str | os.PathLike) -> bool:
        """Load and check the whole file first; only then ask about unsaved work and switch."""
        path = Path(path)
        gate = BigWorkGate(getattr(self._window, "confirm_big_work", None))
        try:
            project = load_project(path, allow_big=gate)
            trainer = trainer_from_project(project, allow_big=gate)
        except ProjectError as exc:
            if gate.declined:  # the user chose not to open something this big: nothing to report
                return False
            if not path.exists() and _full_path(path) in self.recent_files():
                self._set_recent([p for p in self.recent_files() if p != _full_path(path)])
            self._error("Could not open the project", str(exc))
            return False
        except MemoryError:  # accepted as big, but there was not enough memory after all
            self._error("Could not open the project", "There is not enough memory for this project "
                        "(its data set or network is too large for this computer). The current work is kept.")
            return False
        if not gate.check(estimate_for(trainer.spec, len(trainer.data.x_train) + len(trainer.data.x_test),
                                       trainer.settings.batch_size)):
            return False  # each epoch would take very long and the user said no: nothing changed
        if not self.maybe_save():
            return False
        if not self._hand_over(project, trainer):
            return False
        self._set_path(path)
        self._mark_saved()
        self._add_recent(path)
        self.projectOpened.emit(str(path))
        return True

    def _hand_over(self, project: Project, trainer: Any) -> bool:
        try:
            self._window.load_project(project, trainer)
        except (ProjectError, ValueError) as exc:  # e.g. something the window cannot show
            self._error("Could not open the project", str(exc))
            return False
        except MemoryError:  # its first picture needs more memory than there is: nothing was switched
            self._error("Could not open the project", "There is not enough memory to show this project "
                        "(its data set or network is too large for this computer). The current work is kept.")
            return False
        return True

    # ----- unsaved changes -------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to throw the current work away (saved, discarded or unchanged)."""
        if not self.is_modified():
            return True
        name = self._path.name if self._path else "Untitled"
        answer = QMessageBox.warning(
            self._parent(),
            "Unsaved changes",
            f"{name} has changes that are not saved. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def close_requested(self) -> bool:
        """For the window's closeEvent: False = keep the window open. True = shut down cleanly."""
        if not self.maybe_save():
            return False
        self.shutdown()
        return True

    def shutdown(self) -> None:
        """A clean exit: stop the timers and remove the recovery file (nothing to recover)."""
        self._autosave.stop()
        self._poll.stop()
        stack = self._window.undo_stack()
        if not self._shut_down and shiboken6.isValid(stack):
            stack.cleanChanged.disconnect(self._refresh_modified)
        self._shut_down = True
        try:
            self._recovery.release()
        except OSError as exc:
            self.problem.emit(f"Could not remove the recovery file: {exc}")

    # ----- autosave and recovery ---------------------------------------------------------------
    def autosave_now(self) -> bool:
        """Write the recovery file when there is unsaved work; True when one was written."""
        if not self.is_modified():
            return False
        try:
            project = self._window.current_project()
            project.extra = {**project.extra, RECOVERY_KEY: {"path": str(self._path or ""), "time": time.time()}}
            save_project(self._recovery.prepare_write(), project)
        except (ProjectError, OSError) as exc:
            self.problem.emit(f"Autosave failed: {exc}")
            return False
        self.autosaved.emit(str(self._recovery.own))
        return True

    def _remove_recovery(self, path: Path | None = None) -> None:
        try:
            self._recovery.remove(path)
        except OSError as exc:
            self.problem.emit(f"Could not remove the recovery file: {exc}")

    def offer_recovery(self) -> bool:
        """Call once after start-up: a recovery file left behind means a run crashed.
        Offers each (newest first) until one is restored; declined ones are deleted."""
        for path in self._recovery.left_behind():
            if self._offer(path):
                return True
        return False

    def _offer(self, path: Path) -> bool:
        """Offer one recovery file. A big one (past the memory limit, or very long epochs) is
        not refused: the user is told how big and chooses Restore, Not now (the file is kept
        for the next start-up) or Discard (the only answer that deletes it)."""
        seen: list[Estimate] = []  # what the file's loader found big (parsing is bounded by the file's size)
        try:
            project = load_project(path, allow_big=lambda e: seen.append(e) or True)
        except ProjectError as exc:
            return self._unreadable(path, exc)
        except MemoryError:  # the file itself is more than this computer can read now
            return self._no_memory(path)
        info = project.extra.pop(RECOVERY_KEY, {}) if isinstance(project.extra, dict) else {}
        info = info if isinstance(info, dict) else {}
        original = str(info.get("path") or "")
        when = info.get("time")
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(when)) if isinstance(when, (int, float)) else "earlier"
        what = Path(original).name if original else "an untitled project"
        choice: list[str] = []  # the answer to the big-work question, asked at most once

        def restore_big(e: Estimate) -> bool:
            if not choice:
                choice.append(self._ask_big_recovery(e, what, stamp))
            return choice[0] == RESTORE

        if seen and not restore_big(seen[0]):  # asked before the data and the network are built
            return self._keep_or_discard(path, choice[0])
        try:
            trainer = trainer_from_project(project, allow_big=restore_big)
        except ProjectError as exc:
            if choice and choice[0] != RESTORE:  # a CSV too big for the network: the user said not now / discard
                return self._keep_or_discard(path, choice[0])
            return self._unreadable(path, exc)
        except MemoryError:  # restored as asked, but there was not enough memory after all
            return self._no_memory(path)
        if not choice:
            e = estimate_for(trainer.spec, len(trainer.data.x_train) + len(trainer.data.x_test), trainer.settings.batch_size)
            if is_big(e) and not restore_big(e):  # built, but each epoch would take very long
                return self._keep_or_discard(path, choice[0])
        if not choice:
            answer = QMessageBox.question(
                self._parent(),
                "Recover unsaved work?",
                f"Backprop Playground did not close properly. Restore the unsaved work on {what} autosaved {stamp}?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.Yes,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self._remove_recovery(path)
                return False
        if not self._hand_over(project, trainer):  # said in a message box; the work stays in the file
            return self._keep_or_discard(path, NOT_NOW)
        try:
            self._recovery.adopt(path)  # ours now: kept until the work is saved
        except OSError as exc:
            self.problem.emit(f"Could not keep the recovery file: {exc}")
        self._set_path(Path(original) if original else None)
        self._window.undo_stack().setClean()
        self._saved_marker = self._marker()
        self._unsaved = True
        self._refresh_modified()
        return True

    def _no_memory(self, path: Path) -> bool:
        self._keep_or_discard(path, NOT_NOW)
        self._error("Could not restore the unsaved work", "There is not enough memory for this project on "
                    "this computer. The recovery file is kept and offered again at the next start.")
        return False

    def _unreadable(self, path: Path, exc: Exception) -> bool:
        """A recovery file that cannot be restored is kept aside (not deleted, not offered again). False."""
        try:
            kept = self._recovery.set_aside_unreadable(path)
        except OSError as err:
            self.problem.emit(f"The recovery file {path} could not be read ({exc}), nor set aside ({err})")
            return False
        self.problem.emit(f"The recovery file could not be read ({exc}); it is kept as {kept}")
        return False

    def _ask_big_recovery(self, e: Estimate, what: str, stamp: str) -> str:
        """Restore / Not now / Discard for a big recovered project (RESTORE, NOT_NOW or DISCARD)."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Recover big unsaved work?", recovery_question(e, what, stamp),
                          parent=self._parent())  # fmt: skip
        buttons = {
            box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole): RESTORE,
            box.addButton("Not now", QMessageBox.ButtonRole.RejectRole): NOT_NOW,
            box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole): DISCARD,
        }
        later = next(b for b, v in buttons.items() if v == NOT_NOW)
        box.setDefaultButton(later)
        box.setEscapeButton(later)  # closing the box loses nothing
        box.exec()
        return buttons.get(box.clickedButton(), NOT_NOW)

    def _keep_or_discard(self, path: Path, answer: str) -> bool:
        """After Not now or Discard: the file is kept for the next start-up, or deleted. False."""
        if answer == DISCARD:
            self._remove_recovery(path)
            return False
        try:
            self._recovery.set_aside(path)
        except OSError as exc:
            self.problem.emit(f"Could not set the recovery file aside: {exc}")
        return False


RESTORE, NOT_NOW, DISCARD = "restore", "not now", "discard"


def recovery_question(e: Estimate, what: str, stamp: str) -> str:
    """Plain words: what was found, how big it is, what restoring costs, and the three choices."""
    parts = [f"Backprop Playground did not close properly. The unsaved work on {what} (autosaved {stamp}) is very big."]
    if e.too_big:
        parts.append(f"It needs about {gb(e.memory_bytes)} of memory (the limit is {gb(limits.MAX_MEMORY_BYTES)}). "
                     "Restoring it may make the computer run out of memory.")  # fmt: skip
    if e.long:
        minutes = max(e.work / 2e9 / 60, 1)
        parts.append(f"Each training epoch needs about {e.work:.2g} multiply-adds: roughly {minutes:.0f} "
                     f"minute{'s' if minutes >= 1.5 else ''} or more per epoch.")  # fmt: skip
    parts.append("Restore: open it now.\nNot now: keep it and ask again at the next start.\n"
                 "Discard: delete it for good.")  # fmt: skip
    return "\n\n".join(parts)


__all__ = ["FileController", "AUTOSAVE_MS", "recovery_question"]


def _full_path(path: Path) -> str:
    """The path as the recent-files list keeps it; a symlink loop (RuntimeError in pathlib) or an
    unreadable folder falls back to the absolute path, so no error escapes an open command."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return os.path.abspath(path)
